package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.SegmentWriter;
import io.walship.replica.SnapshotWriter;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore through the real jar on replicas written in format version 2: two lineages on one path are refused with exit
 * 4 naming an object of each, {@code --lineage} restores exactly the one chosen, {@code --progress} prints progress
 * lines and nothing extra is printed without it, a restore far larger than the heap stays within a small {@code -Xmx},
 * and no class of the AWS SDK is loaded for a {@code file://} replica.
 */
class RestoreJarTest {
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final Lineage FIRST = new Lineage(0x1111222233334444L);
    private static final Lineage SECOND = new Lineage(0x5555666677778888L);

    @TempDir
    Path dir;

    /** A WAL-mode database holding {@code rows} rows of {@code blob} random bytes each; returns its file bytes. */
    private byte[] database(String name, int rows, int blob) throws Exception {
        Path db = dir.resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA page_size = 4096");
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
            s.execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < " + rows + ")"
                    + " INSERT INTO t (b) SELECT randomblob(" + blob + ") FROM n");
            try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                rs.next();
            }
        }
        return Files.readAllBytes(db);
    }

    private static String snapshot(FileReplicaStorage storage, Path scratch, byte[] state, Lineage lineage) throws Exception {
        long pages = state.length / 4096;
        ObjectHeader h = ObjectHeader.snapshot(4096, pages, 1, T0, lineage, 0600);
        Path tmp = Files.createTempFile(scratch, "snapshot", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SnapshotWriter w = new SnapshotWriter(out, h);
            for (long p = 1; p <= pages; p++) {
                w.page(state, (int) ((p - 1) * 4096));
            }
            w.finish();
        }
        storage.put(ObjectKeys.of(h), tmp);
        Files.delete(tmp);
        return ObjectKeys.of(h);
    }

    /** A segment of one transaction at {@code txid} that rewrites pages {@code from..to} with their images in state. */
    private static String segment(FileReplicaStorage storage, Path scratch, byte[] state, Lineage lineage, long txid,
                                  long from, long to) throws Exception {
        long pages = state.length / 4096;
        Instant t = T0.plusSeconds(txid);
        ObjectHeader h = ObjectHeader.segment(0, 4096, pages, txid, txid, t, t, lineage);
        Path tmp = Files.createTempFile(scratch, "segment", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SegmentWriter w = new SegmentWriter(out, h);
            w.beginTransaction(txid, t.toEpochMilli(), pages, (int) (to - from + 1));
            for (long p = from; p <= to; p++) {
                w.page(p, state, (int) ((p - 1) * 4096));
            }
            w.finish();
        }
        storage.put(ObjectKeys.of(h), tmp);
        Files.delete(tmp);
        return ObjectKeys.of(h);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twoLineagesAreRefusedWithExitFourUntilOneIsChosen() throws Exception {
        byte[] first = database("first.db", 50, 300);
        byte[] second = database("second.db", 20, 900);
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        String a = snapshot(storage, dir, first, FIRST);
        String b = snapshot(storage, dir, second, SECOND);
        Path out = dir.resolve("out").resolve("app.db");

        Walship.Result refused = Walship.run(Duration.ofSeconds(60), "restore", "-o", out.toString(), storage.root().toString());
        assertEquals(4, refused.exitCode(), refused.describe());
        String message = refused.stderr().lines().filter(l -> l.startsWith("walship: ")).findFirst().orElseThrow();
        assertTrue(message.contains(a) && message.contains(b) && message.contains("--lineage"), message);
        assertFalse(Files.exists(out));

        Walship.Result ls = Walship.run(Duration.ofSeconds(60), "ls", storage.root().toString());
        assertEquals(4, ls.exitCode(), ls.describe());
        assertTrue(ls.stdout().contains("WARNING: the replica holds 2 lineages"), ls.describe());
        Walship.Result verify = Walship.run(Duration.ofSeconds(60), "verify", storage.root().toString());
        assertEquals(4, verify.exitCode(), verify.describe());

        Walship.Result chosen = Walship.run(Duration.ofSeconds(60), "restore", "-o", out.toString(), "--lineage",
                SECOND.hex(), storage.root().toString());
        assertEquals(0, chosen.exitCode(), chosen.describe());
        assertArrayEquals(second, Files.readAllBytes(out), "exactly the chosen lineage's database");
        assertEquals(0, Walship.run(Duration.ofSeconds(60), "verify", "--lineage", FIRST.hex(), storage.root().toString())
                .exitCode());
    }

    /**
     * A segment of {@code level} holding transactions {@code first..last}, each rewriting pages 2..4 with their images in
     * {@code state} (so applying any of them leaves the database as {@code state}).
     */
    private static String run(FileReplicaStorage storage, Path scratch, byte[] state, int level, long first, long last)
            throws Exception {
        long pages = state.length / 4096;
        ObjectHeader h = ObjectHeader.segment(level, 4096, pages, first, last, T0.plusSeconds(first), T0.plusSeconds(last),
                FIRST);
        Path tmp = Files.createTempFile(scratch, "segment", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SegmentWriter w = new SegmentWriter(out, h);
            for (long txid = first; txid <= last; txid++) {
                w.beginTransaction(txid, T0.plusSeconds(txid).toEpochMilli(), pages, 3);
                for (long p = 2; p <= 4; p++) {
                    w.page(p, state, (int) ((p - 1) * 4096));
                }
            }
            w.finish();
        }
        storage.put(ObjectKeys.of(h), tmp);
        Files.delete(tmp);
        return ObjectKeys.of(h);
    }

    private static String firstErrorLine(Walship.Result r) {
        return r.stderr().lines().filter(l -> l.startsWith("walship: ")).findFirst().orElse("(none) " + r.describe());
    }

    /**
     * The overlap rules through the jar: segments of one level sharing txids, a partial overlap across levels and two
     * snapshots at one txid each make restore and ls exit 4 naming both objects; a compacted segment covering a run
     * exactly is used, in place of the run.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void overlapsAreRefusedNamingBothObjectsAndACompactedRunIsUsed() throws Exception {
        byte[] state = database("o.db", 30, 200);
        assertTrue(state.length / 4096 >= 4);

        FileReplicaStorage compacted = new FileReplicaStorage(dir.resolve("compacted"));
        snapshot(compacted, dir, state, FIRST);
        run(compacted, dir, state, 0, 2, 4);
        run(compacted, dir, state, 0, 5, 9);
        run(compacted, dir, state, 1, 2, 9);
        Path out = dir.resolve("compacted.db");
        Walship.Result ok = Walship.run(Duration.ofSeconds(60), "restore", "-o", out.toString(), compacted.root().toString());
        assertEquals(0, ok.exitCode(), ok.describe());
        assertTrue(ok.stderr().contains("then 1 segment up to txid 9"), "the level-1 segment replaces the run: " + ok.stderr());
        assertArrayEquals(state, Files.readAllBytes(out));
        assertEquals(0, Walship.run(Duration.ofSeconds(60), "ls", compacted.root().toString()).exitCode());

        FileReplicaStorage overlapping = new FileReplicaStorage(dir.resolve("overlapping"));
        snapshot(overlapping, dir, state, FIRST);
        String a = run(overlapping, dir, state, 0, 2, 6);
        String b = run(overlapping, dir, state, 0, 5, 9);
        Walship.Result r = Walship.run(Duration.ofSeconds(60), "restore", "-o", dir.resolve("x.db").toString(),
                overlapping.root().toString());
        assertEquals(4, r.exitCode(), r.describe());
        assertTrue(firstErrorLine(r).contains(a) && firstErrorLine(r).contains(b), firstErrorLine(r));
        Walship.Result ls = Walship.run(Duration.ofSeconds(60), "ls", overlapping.root().toString());
        assertEquals(4, ls.exitCode(), ls.describe());
        assertTrue(ls.stdout().lines().anyMatch(l -> l.startsWith("PROBLEM: segments " + a + " and " + b)), ls.stdout());
        assertEquals(4, Walship.run(Duration.ofSeconds(60), "verify", overlapping.root().toString()).exitCode());

        FileReplicaStorage partial = new FileReplicaStorage(dir.resolve("partial"));
        snapshot(partial, dir, state, FIRST);
        String low = run(partial, dir, state, 0, 2, 6);
        run(partial, dir, state, 0, 7, 9);
        String high = run(partial, dir, state, 1, 4, 9);
        r = Walship.run(Duration.ofSeconds(60), "restore", "-o", dir.resolve("y.db").toString(), partial.root().toString());
        assertEquals(4, r.exitCode(), r.describe());
        assertTrue(firstErrorLine(r).contains(high) && firstErrorLine(r).contains(low), firstErrorLine(r));

        FileReplicaStorage twice = new FileReplicaStorage(dir.resolve("twice"));
        String s1 = snapshot(twice, dir, state, FIRST);
        ObjectHeader other = ObjectHeader.snapshot(4096, state.length / 4096, 1, T0.plusMillis(1), FIRST, 0600);
        r = Walship.run(Duration.ofSeconds(60), "restore", "-o", dir.resolve("z.db").toString(), twice.root().toString());
        assertEquals(0, r.exitCode(), "one snapshot so far: " + r.describe());
        Files.delete(dir.resolve("z.db"));
        // A second snapshot at txid 1 (another time in its key and header).
        writeSnapshotAt(twice, dir, state, other);
        r = Walship.run(Duration.ofSeconds(60), "restore", "-o", dir.resolve("z.db").toString(), twice.root().toString());
        assertEquals(4, r.exitCode(), r.describe());
        assertTrue(firstErrorLine(r).contains(s1) && firstErrorLine(r).contains(ObjectKeys.of(other)), firstErrorLine(r));
    }

    private static void writeSnapshotAt(FileReplicaStorage storage, Path scratch, byte[] state, ObjectHeader h)
            throws Exception {
        Path tmp = Files.createTempFile(scratch, "snapshot", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SnapshotWriter w = new SnapshotWriter(out, h);
            for (long p = 1; p <= h.databasePages(); p++) {
                w.page(state, (int) ((p - 1) * 4096));
            }
            w.finish();
        }
        storage.put(ObjectKeys.of(h), tmp);
        Files.delete(tmp);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void progressLinesOnlyWhenAsked() throws Exception {
        byte[] state = database("p.db", 200, 3000);
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        snapshot(storage, dir, state, FIRST);
        long pages = state.length / 4096;
        for (long txid = 2; txid <= 6; txid++) {
            segment(storage, dir, state, FIRST, txid, 2, pages);
        }
        Path quietOut = dir.resolve("quiet.db");
        Walship.Result quiet = Walship.run(Duration.ofSeconds(60), "restore", "-o", quietOut.toString(),
                storage.root().toString());
        assertEquals(0, quiet.exitCode(), quiet.describe());
        assertFalse(quiet.stderr().contains("walship: restore:"), "no terminal, not asked: " + quiet.stderr());

        Path out = dir.resolve("loud.db");
        Walship.Result loud = Walship.run(Duration.ofSeconds(60), "restore", "--progress", "-o", out.toString(),
                storage.root().toString());
        assertEquals(0, loud.exitCode(), loud.describe());
        List<String> lines = loud.stderr().lines().filter(l -> l.startsWith("walship: restore: ")).toList();
        assertFalse(lines.isEmpty(), loud.stderr());
        assertTrue(lines.get(lines.size() - 1).matches(
                "walship: restore: 6/6 objects, ([0-9.]+)/\\1 MiB, [0-9.]+ MiB/s, ended after [0-9]+s"), lines.toString());
        assertArrayEquals(state, Files.readAllBytes(out));
        assertEquals(quiet.stderr().lines().count() + lines.size(), loud.stderr().lines().count(),
                "the progress lines are all that --progress adds");

        // At a terminal, with standard output sent to a file: stderr is still the terminal, so progress shows without
        // --progress (script(1) gives the command a pseudo-terminal; before, walship looked at stdin and stdout).
        if (Files.isExecutable(Path.of("/usr/bin/script"))) {
            Path ttyOut = dir.resolve("tty.db");
            String cmd = Walship.command(true, List.of("restore", "-o", ttyOut.toString(), storage.root().toString()))
                    .stream().map(a -> "'" + a + "'").collect(java.util.stream.Collectors.joining(" "))
                    + " > " + dir.resolve("stdout.txt");
            Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String terminal = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script ended");
            assertEquals(0, p.exitValue(), terminal);
            assertTrue(terminal.contains("walship: restore: 6/6 objects"), "progress on the terminal: " + terminal);
            assertFalse(Files.readString(dir.resolve("stdout.txt")).contains("walship: restore: "),
                    "progress goes to stderr only");
            assertArrayEquals(state, Files.readAllBytes(ttyOut));
        }
    }

    /**
     * A 48 MiB database and five segments that each rewrite 40 MiB of it, restored with a 40 MiB heap: the downloads run
     * ahead of the apply thread only as far as the prefetch window lets them, so the restore does not run out of memory.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aRestoreFarLargerThanTheHeapStaysWithinIt() throws Exception {
        byte[] state = database("big.db", 12_000, 4000);
        assertTrue(state.length > 40 << 20, "database size " + state.length);
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        snapshot(storage, dir, state, FIRST);
        long pages = state.length / 4096;
        for (long txid = 2; txid <= 6; txid++) {
            segment(storage, dir, state, FIRST, txid, 2, Math.min(pages, 10_000));
        }
        Path out = dir.resolve("big-out.db");
        Walship.Result r = Walship.run(Duration.ofSeconds(200), List.of("-Xmx40m", "-XX:+ExitOnOutOfMemoryError"),
                List.of("restore", "--prefetch", "8", "-o", out.toString(), storage.root().toString()));
        assertEquals(0, r.exitCode(), r.describe());
        assertFalse(r.stderr().contains("OutOfMemoryError"), r.describe());
        assertEquals(-1, Files.mismatch(dir.resolve("big.db"), out), "restored byte for byte");
    }

    /** The AWS SDK is never loaded (let alone initialised) for a file:// replica, so restores of one start faster. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFileReplicaLoadsNoAwsClass() throws Exception {
        byte[] state = database("s.db", 10, 100);
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        snapshot(storage, dir, state, FIRST);
        Path classes = dir.resolve("classes.txt");
        Walship.Result r = Walship.run(Duration.ofSeconds(60), List.of("-Xlog:class+load=info:file=" + classes),
                List.of("restore", "-o", dir.resolve("s-out.db").toString(), "file://" + storage.root()));
        assertEquals(0, r.exitCode(), r.describe());
        List<String> loaded = Files.readAllLines(classes);
        assertTrue(loaded.stream().anyMatch(l -> l.contains("io.walship.replica.FileReplicaStorage")), "the log works");
        assertEquals(List.of(), loaded.stream().filter(l -> l.contains("software.amazon.")).limit(5).toList());
    }
}
