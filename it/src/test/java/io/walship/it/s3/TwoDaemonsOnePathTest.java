package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two walship daemons (the real jar) on one replica path, once on an S3Proxy bucket path and once on a folder, while
 * both of their apps write: from two different databases (the second started with {@code -new-lineage}, so that only
 * the writer's lease stands between them), and from two copies of one database restored from one backup (the same
 * lineage: {@code walship restore} then {@code replicate -adopt-lineage}, or {@code replicate
 * -restore-if-db-not-exists}). In every case one daemon keeps the path and the other stops that replica with an ERROR
 * naming the holder's PID and host, within seconds of both writing, and exits 8 (its only replica failed); no object
 * and no lease object of the second ever reaches the replica; and every txid the replica lists restores exactly the
 * state the first one's app recorded for it (or, up to the backup, the original's).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TwoDaemonsOnePathTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();
    private static final Pattern LEASE_PID = Pattern.compile("(?m)^pid (\\d+)$");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    private final List<AutoCloseable> children = new ArrayList<>();

    @AfterEach
    void reap() {
        for (AutoCloseable c : children) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** Where the shared path is, and the test's own view of it (not walship's listing). */
    private interface Target {
        String url();

        /** Every key under the path, relative to it. */
        List<String> keys();

        byte[] read(String key);

        ReplicaStorage open();
    }

    private Target s3() {
        String bucket = S3.bucket();
        String prefix = "shared/app";
        return new Target() {
            public String url() {
                return S3.url(bucket, prefix);
            }

            public List<String> keys() {
                return S3.listRaw(bucket, prefix + "/").stream().map(o -> o.key().substring(prefix.length() + 1)).toList();
            }

            public byte[] read(String key) {
                return S3.client().getObjectAsBytes(b -> b.bucket(bucket).key(prefix + "/" + key)).asByteArray();
            }

            public ReplicaStorage open() {
                return S3Urls.open(url(), S3ProxyServer.env());
            }
        };
    }

    private Target folder() {
        Path root = tmp.resolve("shared-replica");
        return new Target() {
            public String url() {
                return "file://" + root;
            }

            public List<String> keys() {
                if (!Files.isDirectory(root)) {
                    return List.of();
                }
                try (Stream<Path> s = Files.walk(root)) {
                    return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
                } catch (IOException | java.io.UncheckedIOException e) {
                    // A file renamed or deleted while the walk ran (the stream reports it unchecked): look again.
                    return keys();
                }
            }

            public byte[] read(String key) {
                try {
                    return Files.readAllBytes(root.resolve(key));
                } catch (IOException e) {
                    return new byte[0];
                }
            }

            public ReplicaStorage open() {
                return new FileReplicaStorage(root);
            }
        };
    }

    @Test
    void twoDatabasesOnOneS3Path() throws Exception {
        twoDatabases(s3());
    }

    @Test
    void twoDatabasesOnOneFolder() throws Exception {
        twoDatabases(folder());
    }

    @Test
    void twoCopiesOfOneBackupOnOneS3PathViaRestoreAndAdoptLineage() throws Exception {
        twoCopies(s3(), false);
    }

    @Test
    void twoCopiesOfOneBackupOnOneFolderViaRestoreIfDbNotExists() throws Exception {
        twoCopies(folder(), true);
    }

    /**
     * Database A replicates to the path; then database B's daemon starts on it with -new-lineage while both apps
     * write. B waits for A's lease, sees A renew it, and stops.
     */
    private void twoDatabases(Target target) throws Exception {
        Path dirA = Files.createDirectories(tmp.resolve("a"));
        Path dirB = Files.createDirectories(tmp.resolve("b"));
        Writer appA = reap(Writer.python(dirA.resolve("app.db"), dirA, "app-a").seed(21).untilStopped().txs(100_000).sleep(0.01)
                .maxOps(6)).start();
        Writer appB = reap(Writer.python(dirB.resolve("app.db"), dirB, "app-b").seed(22).untilStopped().txs(100_000).sleep(0.01)
                .maxOps(6)).start();
        WalshipProcess a = daemon(dirA.resolve("app.db"), target, dirA.resolve("walship.log"));
        awaitObjects(target, 3, a);
        Set<String> lineageOfA = lineages(target);
        assertEquals(1, lineageOfA.size(), "A wrote one lineage: " + target.keys());

        WalshipProcess b = daemon(dirB.resolve("app.db"), target, dirB.resolve("walship.log"), "-new-lineage");
        Watch watch = watchUntilExit(target, b, a, Duration.ofSeconds(60));
        int code = b.awaitExit(5);
        assertEquals(8, code, "B's only replica failed: exit 8\n" + Logs.tail(b.log(), 40));
        assertEquals(lineageOfA, watch.lineages, "no object of B's lineage ever reached the path");
        assertEquals(Set.of(a.pid()), watch.leasePids, "every lease object on the path is A's");
        assertLoudLoser(b, a);
        System.out.printf("[TwoDaemonsOnePathTest] %s: B stopped %.1f s after it started; A's objects meanwhile: %d%n",
                target.url(), watch.seconds, watch.objectsOfWinner);

        appA.requestStop();
        appB.requestStop();
        assertEquals(0, appA.awaitExit(Duration.ofSeconds(30)));
        appB.awaitExit(Duration.ofSeconds(30));
        awaitFinalState(target, dirA, a);
        assertEquals(0, a.stop(), "A exits 0\n" + Logs.tail(a.log(), 40));
        assertEveryTxidIsTheWinners(target, dirA, dirB, -1);
    }

    /**
     * A backup of the original database, restored twice; each copy's app writes on, and each copy's daemon continues
     * the backup's lineage on the same path: exactly one of them may.
     */
    private void twoCopies(Target target, boolean restoreIfMissing) throws Exception {
        Path dir0 = Files.createDirectories(tmp.resolve("original"));
        Writer app0 = reap(Writer.python(dir0.resolve("app.db"), dir0, "app-0").seed(30).txs(60).sleep(0.005).maxOps(6)).start();
        WalshipProcess d0 = daemon(dir0.resolve("app.db"), target, dir0.resolve("walship.log"));
        app0.awaitSuccess(Duration.ofSeconds(60));
        awaitFinalState(target, dir0, d0);
        assertEquals(0, d0.stop(), Logs.tail(d0.log(), 40));
        TreeMap<Long, String> backup = Digest.readFile(dir0.resolve("digests.txt"));

        Path[] dirs = {Files.createDirectories(tmp.resolve("copy1")), Files.createDirectories(tmp.resolve("copy2"))};
        WalshipProcess[] daemons = new WalshipProcess[2];
        Writer[] apps = new Writer[2];
        for (int k = 0; k < 2; k++) {
            // The copies' apps resume after the backup's last transaction; the writer checks that state first.
            Files.copy(dir0.resolve("digests.txt"), dirs[k].resolve("digests.txt"), StandardCopyOption.REPLACE_EXISTING);
        }
        if (restoreIfMissing) {
            // The databases do not exist: each daemon restores its copy, then starts its app (-exec).
            for (int k = 0; k < 2; k++) {
                String app = "python3 -u " + Writer.script() + " --db " + dirs[k].resolve("app.db") + " --digest-file "
                        + dirs[k].resolve("digests.txt") + " --seed " + (41 + k) + " --txs 100000 --sleep 0.01 --max-ops 6"
                        + " --stop-file " + dirs[k].resolve("stop");
                daemons[k] = daemon(dirs[k].resolve("app.db"), target, dirs[k].resolve("walship.log"),
                        "-restore-if-db-not-exists", "-exec", app);
            }
        } else {
            for (int k = 0; k < 2; k++) {
                Walship.Result r = Walship.run(S3ProxyServer.env(), Duration.ofSeconds(60), "restore", "-o",
                        dirs[k].resolve("app.db").toString(), target.url());
                assertEquals(0, r.exitCode(), r.describe());
                apps[k] = reap(Writer.python(dirs[k].resolve("app.db"), dirs[k], "app-" + (k + 1)).seed(41 + k)
                        .untilStopped().txs(100_000).sleep(0.01).maxOps(6)).start();
            }
            for (int k = 0; k < 2; k++) {
                // The spool beside a restored copy does not exist: without -adopt-lineage it would be refused (exit 15).
                daemons[k] = daemon(dirs[k].resolve("app.db"), target, dirs[k].resolve("walship.log"), "-adopt-lineage");
            }
        }
        long t0 = System.nanoTime();
        int loser = -1;
        Watch watch = null;
        while (loser < 0) {
            for (int k = 0; k < 2 && loser < 0; k++) {
                if (!daemons[k].isAlive()) {
                    loser = k;
                }
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(90), "neither daemon stopped: both write?\n"
                    + Logs.tail(daemons[0].log(), 30) + Logs.tail(daemons[1].log(), 30) + target.keys());
            Thread.sleep(100);
        }
        int winner = 1 - loser;
        assertEquals(8, daemons[loser].awaitExit(5), "the second writer's only replica failed: exit 8\n"
                + Logs.tail(daemons[loser].log(), 40));
        double stoppedAfter = (System.nanoTime() - t0) / 1e9;
        assertTrue(daemons[winner].isAlive(), "the first writer goes on\n" + Logs.tail(daemons[winner].log(), 40));
        assertLoudLoser(daemons[loser], daemons[winner]);
        for (String key : target.keys()) {
            if (key.startsWith("lease/")) {
                Matcher m = LEASE_PID.matcher(new String(target.read(key), StandardCharsets.UTF_8));
                assertTrue(!m.find() || Long.parseLong(m.group(1)) != daemons[loser].pid(), "a lease object of the loser: " + key);
            }
        }
        System.out.printf("[TwoDaemonsOnePathTest] %s (%s): copy %d stopped %.1f s after both daemons started%n",
                target.url(), restoreIfMissing ? "-restore-if-db-not-exists" : "restore, -adopt-lineage", loser + 1,
                stoppedAfter);

        // The winner's app writes on for a while, then stops; the winner ships everything and exits 0.
        Thread.sleep(1500);
        for (int k = 0; k < 2; k++) {
            if (restoreIfMissing) {
                Files.writeString(dirs[k].resolve("stop"), "stop\n");
            } else {
                apps[k].requestStop();
                apps[k].awaitExit(Duration.ofSeconds(30));
            }
        }
        if (restoreIfMissing) {
            assertEquals(0, daemons[winner].awaitExit(60), "the app exited 0 and everything was shipped\n"
                    + Logs.tail(daemons[winner].log(), 40));
        } else {
            awaitFinalState(target, dirs[winner], daemons[winner]);
            assertEquals(0, daemons[winner].stop(), Logs.tail(daemons[winner].log(), 40));
        }
        Walship.Result ls = Walship.run(S3ProxyServer.env(), Duration.ofSeconds(60), "ls", target.url());
        assertEquals(0, ls.exitCode(), "one lineage, no overlap, no problem\n" + ls.describe());
        assertFalse(ls.stdout().contains("PROBLEM") || ls.stdout().contains("WARNING"), ls.describe());
        assertEveryTxidIsTheWinners(target, dirs[winner], dirs[loser], backup.lastKey());
    }

    private WalshipProcess daemon(Path db, Target target, Path log, String... extra) {
        return reap(WalshipProcess.start(db, target.url(), S3ProxyServer.env(), List.of("-Xmx256m"), log, extra));
    }

    private <T extends AutoCloseable> T reap(T child) {
        children.add(child);
        return child;
    }

    /** The loser said at WARN that it waits for the holder's lease, or at once why it stops; then one ERROR naming it. */
    private static void assertLoudLoser(WalshipProcess loser, WalshipProcess winner) throws IOException {
        String host = InetAddress.getLocalHost().getHostName();
        String log = String.join("\n", loser.ownLogLines());
        String holder = "pid " + winner.pid() + " on " + host;
        assertTrue(log.lines().anyMatch(l -> l.contains("ERROR") && l.contains("another walship") && l.contains(holder)
                && l.contains("this replica stops")), "an ERROR names the holder (" + holder + ")\n" + log);
        assertTrue(log.contains("every database stopped replicating; exiting"), log);
        assertTrue(log.lines().anyMatch(l -> l.startsWith("walship: ") && l.contains("another walship")),
                "the exit's 'walship: ' line says why\n" + log);
        assertFalse(log.lines().anyMatch(l -> l.contains("WARN") && l.contains("upload of")), "the loser never uploaded\n" + log);
        log.lines().filter(l -> l.contains("ERROR") || l.contains("WARN") && l.contains("lease"))
                .forEach(l -> System.out.println("[TwoDaemonsOnePathTest] the loser said: " + l));
    }

    /** What the path held while the loser ran. */
    private record Watch(Set<String> lineages, Set<Long> leasePids, double seconds, int objectsOfWinner) {
    }

    /** Polls the path until {@code loser} exits: the lineages of its objects and the PIDs in its lease objects. */
    private Watch watchUntilExit(Target target, WalshipProcess loser, WalshipProcess winner, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        Set<String> lineages = new TreeSet<>();
        Set<Long> pids = new TreeSet<>();
        Set<String> seen = new TreeSet<>();
        Set<String> before = new TreeSet<>(target.keys());
        while (loser.isAlive()) {
            assertTrue(System.nanoTime() - t0 < timeout.toNanos(), "the second daemon still runs after " + timeout + "\n"
                    + Logs.tail(loser.log(), 40));
            winner.assertAlive();
            for (String key : target.keys()) {
                if (!seen.add(key)) {
                    continue;
                }
                ObjectKeys.parse(key).ifPresent(n -> lineages.add(n.lineage().hex()));
                if (key.startsWith("lease/")) {
                    Matcher m = LEASE_PID.matcher(new String(target.read(key), StandardCharsets.UTF_8));
                    if (m.find()) {
                        pids.add(Long.parseLong(m.group(1)));
                    }
                }
            }
            Thread.sleep(100);
        }
        seen.removeAll(before);
        return new Watch(lineages, pids, (System.nanoTime() - t0) / 1e9,
                (int) seen.stream().filter(k -> !k.startsWith("lease/")).count());
    }

    private static Set<String> lineages(Target target) {
        Set<String> out = new TreeSet<>();
        for (String key : target.keys()) {
            ObjectKeys.parse(key).ifPresent(n -> out.add(n.lineage().hex()));
        }
        return out;
    }

    private static void awaitObjects(Target target, int n, WalshipProcess d) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (target.keys().stream().filter(k -> ObjectKeys.parse(k).isPresent()).count() < n) {
            assertTrue(System.nanoTime() < deadline, "no objects on " + target.url() + "\n" + Logs.tail(d.log(), 40));
            d.assertAlive();
            Thread.sleep(100);
        }
    }

    /** Waits until the path's latest state is the app's last recorded one. */
    private void awaitFinalState(Target target, Path appDir, WalshipProcess d) throws Exception {
        TreeMap<Long, String> digests = Digest.readFile(appDir.resolve("digests.txt"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Restored r = null;
        try (ReplicaStorage storage = target.open()) {
            while (System.nanoTime() < deadline) {
                r = RestoreCheck.restoreInProcess(storage, null, tmp.resolve("probe.db"));
                if (r.error() == null && r.i() == digests.lastKey() && digests.lastEntry().getValue().equals(r.digest())) {
                    return;
                }
                d.assertAlive();
                Thread.sleep(300);
            }
        }
        throw new AssertionError("the path never held the app's final state i=" + digests.lastKey() + ": last restore " + r
                + "\n" + Logs.tail(d.log(), 40));
    }

    /**
     * Restores every txid (or, past 80, the first, the latest and 60 random ones) and checks each against the digests
     * of the app that must have written it: the winner's, or up to {@code backupI} the backup's (which both copies
     * share); never the loser's own later states.
     */
    private void assertEveryTxidIsTheWinners(Target target, Path winnerDir, Path loserDir, long backupI) throws Exception {
        TreeMap<Long, String> winner = Digest.readFile(winnerDir.resolve("digests.txt"));
        TreeMap<Long, String> loser = Digest.readFile(loserDir.resolve("digests.txt"));
        long first;
        long latest;
        try (ReplicaStorage storage = target.open()) {
            List<ObjectKeys.ObjectName> names = new ArrayList<>();
            for (var info : storage.list("")) {
                ObjectKeys.parse(info.key()).ifPresent(names::add);
            }
            first = names.stream().filter(n -> n.kind() == io.walship.replica.ObjectKind.SNAPSHOT)
                    .mapToLong(ObjectKeys.ObjectName::firstTxid).min().orElseThrow();
            latest = names.stream().mapToLong(ObjectKeys.ObjectName::lastTxid).max().orElseThrow();
            List<Long> txids = new ArrayList<>();
            if (latest - first < 80) {
                for (long t = first; t <= latest; t++) {
                    txids.add(t);
                }
            } else {
                Random rnd = new Random(latest);
                txids.add(first);
                txids.add(latest);
                for (int i = 0; i < 60; i++) {
                    txids.add(first + (long) (rnd.nextDouble() * (latest - first + 1)));
                }
            }
            long prevI = -1;
            for (long t : new TreeSet<>(txids)) {
                Restored r = RestoreCheck.restoreInProcess(storage, t, tmp.resolve("check.db"));
                assertNull(r.error(), "txid " + t + ": " + r);
                assertEquals("ok", r.integrity(), "txid " + t);
                assertEquals(winner.get(r.i()), r.digest(), "txid " + t + " restores the winner's state i=" + r.i());
                if (r.i() > backupI && loser.containsKey(r.i()) && r.i() > 0) {
                    assertNotEquals(loser.get(r.i()), r.digest(), "txid " + t + " is not the loser's state");
                }
                assertTrue(r.i() >= prevI, "i never goes back as txids grow: txid " + t);
                prevI = r.i();
            }
            assertEquals(winner.lastKey(), prevI, "the latest txid is the winner's final state");
        }
        System.out.printf("[TwoDaemonsOnePathTest] %s: txids %d..%d restore the winner's states%n", target.url(), first, latest);
    }
}
