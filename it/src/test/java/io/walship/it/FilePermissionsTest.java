package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.SnapshotWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Local copies are as private as the database. walship (the real jar, under umask 022, which would give 0755 folders
 * and 0644 files) replicates a 0600 database to a folder: the spool folder and every folder in it are 0700 and every
 * file in it 0600, and so are the replica's folders and objects. {@code walship restore} gives the output the mode
 * {@code --mode} names, else the source database's mode the snapshot recorded (0600 here, 0644 for a 0644 source), else
 * (a snapshot that recorded none) 0600.
 */
class FilePermissionsTest extends ScenarioSupport {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theSpoolTheReplicaAndRestoresAreAsPrivateAsTheDatabase() throws Exception {
        writer("w1").seed(95).txs(10).sleep(0).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        chmod(db, "rw-------");
        Path log = work.resolve("umask-daemon.log");
        Process d = underUmask022(List.of("replicate", "--sync-interval", WalshipProcess.SYNC_INTERVAL, db.toString(),
                replica.toString()), log);
        try {
            // The app writes once the first snapshot is there, so that segments (and their folders) follow it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ReplicaDir.latestTxid(replica) < 1) {
                assertTrue(d.isAlive(), "the daemon exited with " + (d.isAlive() ? "-" : d.exitValue()) + "\n" + Logs.tail(log, 40));
                assertTrue(System.nanoTime() < deadline, "no snapshot within 60 s\n" + Logs.tail(log, 40));
                Thread.sleep(100);
            }
            writer("w2").seed(96).txs(30).sleep(0.002).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
            awaitSynced(null, Duration.ofSeconds(60));
            assertTrue(ReplicaDir.keys(replica).stream().anyMatch(k -> !k.snapshot()), "segments too: " + ReplicaDir.keys(replica));
            assertEquals("rw-------", mode(db), "the database stays 0600");
            Path spool = appDir.resolve(".app.db-walship");
            List<String> wrong = new ArrayList<>();
            wrong.addAll(notPrivate(spool));
            wrong.addAll(notPrivate(replica));
            assertTrue(wrong.isEmpty(), "everything walship created is 0700 (folders) or 0600 (files): " + wrong);
            step("spool " + tree(spool).size() + " entries and replica " + tree(replica).size() + " entries, all private");
        } finally {
            d.destroy();
            assertTrue(d.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(0, d.exitValue(), Logs.tail(log, 30));

        // Restores under umask 022: the snapshot's recorded mode (0600), or --mode.
        Path out = work.resolve("restored.db");
        assertEquals(0, restore(List.of(), out).exitCode());
        assertEquals("rw-------", mode(out), "the source database's recorded mode");
        Path asked = work.resolve("asked.db");
        assertEquals(0, restore(List.of("--mode", "0640"), asked).exitCode());
        assertEquals("rw-r-----", mode(asked), "--mode 0640");
        Walship.Result bad = Walship.run(Duration.ofSeconds(60), "restore", "-o", work.resolve("bad.db").toString(), "--mode",
                "0999", replica.toString());
        assertEquals(2, bad.exitCode(), bad.describe());
        assertTrue(bad.stderr().contains("--mode 0999 is not a file mode"), bad.describe());
        assertFalse(Files.exists(work.resolve("bad.db")));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aPublicSourceRestoresPublicAndAnUnrecordedModeRestoresPrivate() throws Exception {
        writer("w1").seed(97).txs(20).sleep(0).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        chmod(db, "rw-r--r--");
        WalshipProcess d = startDaemon();
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        Path out = work.resolve("restored.db");
        Walship.Result r = restoreFrom(replica, List.of(), out);
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("rw-r--r--", mode(out), "the source database's recorded mode, 0644");

        // A snapshot that recorded no mode (written by hand, as an older walship would): 0600.
        Path bare = tmp.resolve("no-mode");
        try (FileReplicaStorage storage = new FileReplicaStorage(bare)) {
            byte[] state = Files.readAllBytes(out);
            ObjectHeader h = ObjectHeader.snapshot(4096, state.length / 4096, 1, Instant.parse("2026-11-30T10:00:00Z"),
                    new Lineage(0x0102030405060708L), 0);
            Path tmpFile = Files.createTempFile(work, "snapshot", ".tmp");
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmpFile))) {
                SnapshotWriter w = new SnapshotWriter(o, h);
                for (long p = 1; p <= state.length / 4096; p++) {
                    w.page(state, (int) ((p - 1) * 4096));
                }
                w.finish();
            }
            storage.put(ObjectKeys.of(h), tmpFile);
        }
        Path unrecorded = work.resolve("unrecorded.db");
        Walship.Result u = restoreFrom(bare, List.of(), unrecorded);
        assertEquals(0, u.exitCode(), u.describe());
        assertEquals("rw-------", mode(unrecorded), "no recorded mode: 0600");
    }

    private Walship.Result restore(List<String> options, Path out) {
        return restoreFrom(replica, options, out);
    }

    /** {@code walship restore} under umask 022. */
    private Walship.Result restoreFrom(Path from, List<String> options, Path out) {
        List<String> args = new ArrayList<>(List.of("restore", "-o", out.toString()));
        args.addAll(options);
        args.add(from.toString());
        try {
            Path log = work.resolve("restore-" + out.getFileName() + ".log");
            Process p = underUmask022(args, log);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return new Walship.Result(args, p.exitValue(), text, text, Duration.ZERO);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The jar with {@code args}, started by a shell that set umask 022 first; output to {@code log}. */
    private static Process underUmask022(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "umask 022 && exec \"$@\"", "sh"));
        cmd.addAll(Walship.command(false, args));
        Files.writeString(log, "==== " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Entries under {@code root} (itself included) whose mode is not 0700 (folders) or 0600 (files). */
    private static List<String> notPrivate(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : tree(root).entrySet()) {
            boolean dir = e.getValue().startsWith("d ");
            String want = dir ? "d rwx------" : "f rw-------";
            if (!e.getValue().equals(want)) {
                out.add(e.getKey() + " is " + e.getValue());
            }
        }
        return out;
    }

    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                try {
                    out.put(root.getFileName() + "/" + root.relativize(p), (Files.isDirectory(p) ? "d " : "f ") + mode(p));
                } catch (java.nio.file.NoSuchFileException e) {
                    // A temporary file that was renamed while the walk ran.
                }
            }
        }
        return out;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void chmod(Path p, String perms) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        for (String suffix : List.of("-wal", "-shm")) {
            Path side = p.resolveSibling(p.getFileName() + suffix);
            if (Files.exists(side)) {
                Files.setPosixFilePermissions(side, PosixFilePermissions.fromString(perms));
            }
        }
    }
}
