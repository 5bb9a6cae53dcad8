package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.RestoreCheck;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.TmpfsMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;

/**
 * The chaos run (issue 8, section 7): for {@code -Dwalship.chaos.minutes} minutes (2 by default, as in CI) everything
 * that can go wrong around walship goes wrong at random, all in one run, while an app (Python's sqlite3,
 * {@code writer.py}) commits, spills and rolls back transactions, checkpoints, VACUUMs and reopens, recording the
 * digest of every commit:
 * <ul>
 *   <li>the app and walship are killed with {@code kill -9} and restarted;</li>
 *   <li>the S3 replica (S3Proxy behind a {@link FaultProxy}) has outages (every connection reset) and bursts of
 *       500/503/429 answers, connection resets (also after the server did the work) and latency;</li>
 *   <li>walship's spool is on a tmpfs that runs full: a filler file takes every free byte (healed by deleting it), or
 *       the tmpfs is remounted just above what it holds (healed by remounting it larger). Space the spool frees by
 *       shipping is taken up again until walship meets ENOSPC. Where {@code mount} is refused this ingredient is
 *       skipped with a note;</li>
 *   <li>a second walship is started on the same database: it must exit 14 at once and touch nothing;</li>
 *   <li>a second daemon replicates a copy of the database (changed, so its content is on no record of the app) to the
 *       same replica path with {@code --adopt-lineage} (two hosts restored from one backup): the writer's lease must
 *       stop it (exit 8) before it writes a single object.</li>
 * </ul>
 * At the end the replica's txids chain without gap or overlap; the latest txid, the default restore, a restore at
 * "now", every snapshot (up to 8) and 200 random txids restore exactly the app's state at the restored i with
 * integrity_check ok; every txid the replica had acknowledged during the run (sampled every 5 s) still restores a
 * state of the app, in order, so nothing walship acknowledged was lost; and the main daemon's log holds no ERROR
 * line (the refusals the test provokes log into the second processes' own logs).
 *
 * <p>A long run: {@code ./mvnw -B -o -pl it -am verify -Dtest=ChaosTest -Dwalship.chaos.minutes=30
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dwalship.it.seed=N} repeats a run's random choices. The result
 * line starts with {@code CHAOS RESULT} in {@code it/target/surefire-reports/io.walship.it.s3.ChaosTest-output.txt}.
 */
class ChaosTest extends SpoolDiskScenario {
    static final double MINUTES = Double.parseDouble(System.getProperty("walship.chaos.minutes", "2"));
    /** The spool's file system; walship's spool size limit is half of it (free space at start), out of this run's reach. */
    static final long SPOOL_TMPFS = 1L << 30;
    static final String ENOSPC = "No space left on device";
    /**
     * ERROR lines the main daemon may log because the test caused them: none. A full spool disk is retried at WARN;
     * the spool's size limit (half the free space at start, at least 128 MiB) is not reached while the replica is away
     * at most 15 s at a time and the filler lies beside the spool folder, not in it; the lease conflict and the spool
     * lock refusal are logged by the second processes, into their own logs.
     */
    static final List<Pattern> EXPECTED_ERRORS = List.of();

    @Test
    void chaos() {
        // Every wait inside is bounded; this bound only turns a bug that hangs into a failure.
        assertTimeoutPreemptively(Duration.ofSeconds((long) (MINUTES * 60) + 900), this::run);
    }

    /** The counts the result line reports. */
    private static final class Counts {
        int appRuns;
        int appKills;
        int walshipKills;
        int outages;
        long outageMillis;
        int bursts;
        int diskFulls;
        int diskFullsWithEnospc;
        int fillerSpells;
        int shrinkSpells;
        int secondOnDatabase;
        int secondOnPath;
        String diskNote = "";
    }

    private void run() throws Exception {
        long seed = Long.getLong("walship.it.seed", System.nanoTime());
        step("chaos for " + MINUTES + " min, seed " + seed + " (rerun with -Dwalship.it.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Counts n = new Counts();

        // The spool (the configuration's meta-path) is a folder on its own small file system, beside which the filler
        // goes: the spool's size limit counts what is in its folder.
        Path disk = tmp.resolve("spool-disk");
        Path spoolDir = disk.resolve("spool");
        Optional<String> refused = mountSpool(disk, SPOOL_TMPFS);
        if (refused.isPresent()) {
            n.diskNote = "disk-full ingredient skipped: " + refused.get();
            step("NOTE: " + n.diskNote);
        }
        FaultProxy proxy = reap(FaultProxy.start(S3.port(), seed));
        String viaProxy = S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX);
        Path config = config("walship.yml", spoolDir, viaProxy);
        Path directConfig = config("walship-direct.yml", spoolDir, url());

        long t0 = System.nanoTime();
        long end = t0 + (long) (MINUTES * 60e9);
        WalshipProcess d = daemon(config);
        Writer w = null;
        long now = System.nanoTime();
        long nextWalshipKill = now + ms(2_000 + rnd.nextInt(6_000));
        long nextAppKill = now + ms(1_000 + rnd.nextInt(5_000));
        long nextBurst = now + ms(3_000 + rnd.nextInt(8_000));
        long nextOutage = now + ms(8_000 + rnd.nextInt(15_000));
        long nextSecondOnDatabase = now + ms(10_000 + rnd.nextInt(10_000));
        long nextSecondOnPath = now + ms(25_000 + rnd.nextInt(15_000));
        long nextDiskFull = now + ms(50_000 + rnd.nextInt(20_000));
        long nextMark = now + ms(5_000);
        long burstEnd = 0;
        long outageEnd = 0;
        long outageStart = 0;
        DiskFull full = null;
        long lastHealed = 0;
        SecondOnPath second = null;
        List<Long> marks = new ArrayList<>();

        while (System.nanoTime() < end) {
            now = System.nanoTime();
            if (w == null || !w.isAlive()) {
                if (w != null) {
                    int code = w.awaitExit(Duration.ofSeconds(5));
                    assertTrue(code == 0 || code == 137, "the app exited with " + code + "\n" + diagnostics());
                }
                n.appRuns++;
                // Each run draws other random values, so a transaction a killed run never committed is written again
                // with other content: a captured phantom would not match the app's record.
                w = writer("app-" + n.appRuns).seed(seed + n.appRuns).txs(1_000_000).sleep(0.008 + rnd.nextInt(8) / 1000.0)
                        .maxOps(6).every(37, "rollback-spill:300").every(53, "checkpoint:TRUNCATE").every(97, "vacuum")
                        .every(71, "close-reopen").every(89, "bigtx:1").checkpointBusyTimeoutMs(100).untilStopped().start();
            }
            if (now > nextAppKill) {
                w.close();
                n.appKills++;
                nextAppKill = now + ms(500 + rnd.nextInt(6_000));
            }
            if (now > nextWalshipKill && second == null) {
                d.close(); // SIGKILL, and waits for the process to be gone
                n.walshipKills++;
                // Sometimes walship stays away a while, so the app's checkpoints and WAL restarts happen without it.
                sleep(rnd.nextInt(3) == 0 ? 500 + rnd.nextInt(2_000) : rnd.nextInt(200));
                d = daemon(config);
                nextWalshipKill = System.nanoTime() + ms(2_000 + rnd.nextInt(8_000));
            }
            // S3: bursts of errors and resets, and outages; never both at once, and neither while a second daemon is
            // waiting for the lease (an outage longer than the lease would let it take an expired lease over).
            if (burstEnd == 0 && outageEnd == 0 && second == null && now > nextBurst) {
                double e = 0.15 + 0.35 * rnd.nextDouble();
                double r = 0.05 + 0.15 * rnd.nextDouble();
                proxy.errors(e).resets(r).latency(Duration.ofMillis(rnd.nextInt(20)));
                burstEnd = now + ms(2_000 + rnd.nextInt(6_000));
                n.bursts++;
                step(String.format("fault burst %d: errors %.2f, resets %.2f", n.bursts, e, r));
            } else if (burstEnd != 0 && now > burstEnd) {
                proxy.passThrough();
                burstEnd = 0;
                nextBurst = now + ms(4_000 + rnd.nextInt(11_000));
            }
            if (outageEnd == 0 && burstEnd == 0 && second == null && now > nextOutage) {
                proxy.outage(true);
                outageStart = now;
                outageEnd = now + ms(2_000 + rnd.nextInt(13_000));
                n.outages++;
                step("S3 outage " + n.outages + " for " + (outageEnd - now) / 1_000_000 + " ms");
            } else if (outageEnd != 0 && now > outageEnd) {
                proxy.outage(false);
                n.outageMillis += (now - outageStart) / 1_000_000;
                outageEnd = 0;
                nextOutage = now + ms(15_000 + rnd.nextInt(25_000));
            }
            // The spool's disk runs full.
            if (mount != null && full == null && second == null && now > nextDiskFull) {
                full = DiskFull.begin(mount, rnd.nextBoolean(), Logs.count(daemonLog, ENOSPC), now + ms(3_000 + rnd.nextInt(7_000)));
                n.diskFulls++;
                if (full.shrunk) {
                    n.shrinkSpells++;
                } else {
                    n.fillerSpells++;
                }
                step("spool disk full " + n.diskFulls + ": " + full.how);
            } else if (full != null && Logs.count(daemonLog, ENOSPC) <= full.enospcBefore && now <= full.until + ms(20_000)) {
                full.keepFull(mount);
            }
            if (full != null && now > full.until
                    && (Logs.count(daemonLog, ENOSPC) > full.enospcBefore || now > full.until + ms(20_000))) {
                boolean hit = Logs.count(daemonLog, ENOSPC) > full.enospcBefore;
                full.heal(mount);
                if (hit) {
                    n.diskFullsWithEnospc++;
                }
                step("spool disk healed (" + (full.shrunk ? "remounted larger" : "filler deleted") + ", taken up again "
                        + full.retaken + " times as the spool freed space)" + (hit ? "; walship met ENOSPC" : "; walship wrote nothing meanwhile"));
                full = null;
                lastHealed = now;
                nextDiskFull = now + ms(40_000 + rnd.nextInt(80_000));
            }
            // A second walship on the same database.
            if (now > nextSecondOnDatabase) {
                if (secondOnSameDatabase(spoolDir, directConfig, n.secondOnDatabase + 1)) {
                    n.secondOnDatabase++;
                    nextSecondOnDatabase = System.nanoTime() + ms(60_000 + rnd.nextInt(120_000));
                } else {
                    nextSecondOnDatabase = now + ms(1_000);
                }
            }
            // A second daemon on the same replica path, from another database copy. Not within a minute of a full disk:
            // capture may still be backing off then (up to 30 s), and a first daemon that uploads nothing for the
            // lease's 30 s would rightly lose the lease to the second.
            if (second == null && outageEnd == 0 && full == null && now > nextSecondOnPath
                    && (lastHealed == 0 || now - lastHealed > ms(60_000))) {
                if (freshLease()) {
                    second = startSecondOnPath(n.secondOnPath + 1);
                    n.secondOnPath++;
                } else {
                    nextSecondOnPath = now + ms(500);
                }
            } else if (second != null && !second.daemon.isAlive()) {
                checkSecondOnPath(second);
                second = null;
                nextSecondOnPath = System.nanoTime() + ms(120_000 + rnd.nextInt(180_000));
            } else if (second != null && now - second.started > ms(180_000)) {
                throw new AssertionError("the writer's lease did not stop the second daemon on the replica path within 180 s\n"
                        + Logs.tail(second.log, 60) + diagnostics());
            }
            if (now > nextMark) {
                long latest = view().latestTxid();
                if (latest > 0 && (marks.isEmpty() || latest != marks.get(marks.size() - 1))) {
                    marks.add(latest);
                }
                nextMark = now + ms(5_000);
            }
            d.assertAlive();
            sleep(20);
        }

        // Calm: every fault heals, and the app finishes on purpose.
        double chaosMinutes = (System.nanoTime() - t0) / 60e9;
        step("chaos over; healing everything");
        proxy.passThrough();
        if (outageEnd != 0) {
            n.outageMillis += (System.nanoTime() - outageStart) / 1_000_000;
        }
        if (full != null) {
            if (Logs.count(daemonLog, ENOSPC) > full.enospcBefore) {
                n.diskFullsWithEnospc++;
            }
            full.heal(mount);
        }
        if (second != null) {
            assertEquals(8, second.daemon.awaitExit(180), "the second daemon on the replica path\n" + Logs.tail(second.log, 60));
            checkSecondOnPath(second);
        }
        if (w.isAlive()) {
            w.requestStop();
            w.awaitSuccess(Duration.ofSeconds(60));
        }
        writer("app-final").seed(seed - 1).txs(20).sleep(0.002).start().awaitSuccess(Duration.ofSeconds(60));
        long finalI = Digest.readFile(digestFile()).lastKey();
        step("app runs " + (n.appRuns + 1) + ", app kills " + n.appKills + ", walship kills " + n.walshipKills + ", writer at i="
                + finalI + "; " + proxy.stats());
        WalshipProcess last = d;
        long synced = awaitSynced(Duration.ofSeconds(240), last::assertAlive);
        marks.add(synced);
        assertEquals(0, d.stop(), "SIGTERM exits 0 after the chaos\n" + Logs.tail(daemonLog, 60));

        // The main daemon's log: every ERROR must be one the test caused (none, see EXPECTED_ERRORS).
        List<String> unexpected = Logs.lines(daemonLog).stream()
                .filter(l -> l.contains(" ERROR ") || l.startsWith("walship: "))
                .filter(l -> EXPECTED_ERRORS.stream().noneMatch(p -> p.matcher(l).find()))
                .toList();
        assertEquals(List.of(), unexpected, "ERROR lines in the walship log that the test did not cause");
        List<String> warns = Logs.lines(daemonLog).stream().filter(l -> l.contains(" WARN ")).toList();

        // Restores: the oracle, 200 random txids, and every txid the replica acknowledged during the run.
        S3RestoreCheck.Report report = restoreCheck().seed(seed).randomTxids(200).viaJar(3).namedViaJar(true).run();
        int markRestores = checkAcknowledged(marks);
        List<S3ReplicaView.Obj> objects = report.objects();
        long snapshots = objects.stream().filter(S3ReplicaView.Obj::snapshot).count();

        if (MINUTES >= 2) {
            // Each ingredient ran at least once (the schedule above puts the first of each within the first 70 s).
            String counts = "app kills " + n.appKills + ", walship kills " + n.walshipKills + ", outages " + n.outages + ", bursts "
                    + n.bursts + ", second on the database " + n.secondOnDatabase + ", second on the path " + n.secondOnPath
                    + ", disk full " + n.diskFulls + " (ENOSPC met in " + n.diskFullsWithEnospc + ")";
            assertTrue(n.appKills > 0 && n.walshipKills > 0 && n.outages > 0 && n.bursts > 0, counts);
            assertTrue(n.secondOnDatabase > 0 && n.secondOnPath > 0, counts);
            assertTrue(mount == null || n.diskFullsWithEnospc > 0, "walship met a full spool disk at least once: " + counts);
        }
        step(String.format("CHAOS RESULT: passed after %.1f min of chaos (seed %d): the app committed %d transactions in %d runs;"
                        + " kill -9: app %d, walship %d; S3 outages %d (%.1f s in all), fault bursts %d (proxy: %s);"
                        + " spool disk full %d times (%d filler, %d remount-small; walship met ENOSPC in %d)%s;"
                        + " second walship on the database %d times (each exit 14), second daemon on the replica path %d times (each"
                        + " stopped by the lease, exit 8, no object written); replica: txids 1..%d, %d snapshots, %d segments;"
                        + " restored and checked: %d txids (200 random, snapshots, latest) + %d acknowledged marks + default +"
                        + " timestamp; walship log: %d WARN lines (%d ENOSPC, %d snapshot reasons), 0 ERROR lines",
                chaosMinutes, seed, finalI, n.appRuns + 1, n.appKills, n.walshipKills, n.outages, n.outageMillis / 1000.0, n.bursts,
                proxy.stats(), n.diskFulls, n.fillerSpells, n.shrinkSpells, n.diskFullsWithEnospc,
                n.diskNote.isEmpty() ? "" : " (" + n.diskNote + ")", n.secondOnDatabase, n.secondOnPath, report.latest(), snapshots,
                objects.size() - snapshots, report.byTxid().size(), markRestores, warns.size(), Logs.count(daemonLog, ENOSPC),
                Logs.warnSnapshotLines(daemonLog).size()));
    }

    private WalshipProcess daemon(Path config) {
        return onSpoolDisk(reap(WalshipProcess.startWithConfig(config, S3ProxyServer.env(), List.of("-Xmx256m"), daemonLog)));
    }

    /** A configuration file for the app's database with its spool in {@code spoolDir}, replicating to {@code url}. */
    private Path config(String name, Path spoolDir, String url) throws IOException {
        return Files.writeString(work.resolve(name), "dbs:\n"
                + "  - path: " + db.toAbsolutePath() + "\n"
                + "    meta-path: " + spoolDir.toAbsolutePath() + "\n"
                + "    replicas:\n"
                + "      - url: " + url + "\n"
                + "        sync-interval: " + WalshipProcess.SYNC_INTERVAL + "\n");
    }

    /** One spell of a full spool disk: a filler file, or the tmpfs remounted just above what it holds. */
    private static final class DiskFull {
        /** The room a shrunk tmpfs keeps above what it holds, and the free space that counts as full. */
        static final long SLACK = 64 << 10;
        final boolean shrunk;
        final long enospcBefore;
        final long until;
        final String how;
        int retaken;

        private DiskFull(boolean shrunk, long enospcBefore, long until, String how) {
            this.shrunk = shrunk;
            this.enospcBefore = enospcBefore;
            this.until = until;
            this.how = how;
        }

        static DiskFull begin(TmpfsMount mount, boolean shrink, long enospcBefore, long until) throws IOException {
            if (shrink) {
                long used = mount.used();
                long small = roundUp(used + SLACK);
                if (mount.resize(small)) {
                    return new DiskFull(true, enospcBefore, until, "tmpfs remounted at " + small + " bytes (" + used + " used)");
                }
                // The spool grew between the measurement and the remount: fill it instead.
            }
            long filled = mount.fill();
            return new DiskFull(false, enospcBefore, until, "a filler took " + filled + " bytes, " + mount.free() + " left");
        }

        /**
         * Takes up again whatever space the spool freed since: shipping deletes uploaded segments, and a disk that
         * regains room as fast as capture fills it never answers ENOSPC (a CI run's only spell met none that way).
         */
        void keepFull(TmpfsMount mount) throws IOException {
            if (mount.free() <= SLACK) {
                return;
            }
            if (shrunk) {
                mount.resize(roundUp(mount.used() + SLACK));
            } else {
                mount.fill();
            }
            retaken++;
        }

        private static long roundUp(long bytes) {
            return (bytes + 4095) / 4096 * 4096;
        }

        void heal(TmpfsMount mount) throws IOException {
            if (shrunk) {
                assertTrue(mount.resize(SPOOL_TMPFS), "remounting the spool's tmpfs at its full size");
            } else {
                mount.unfill();
            }
        }
    }

    /**
     * Starts a second walship on the same database (and replica) while the first holds the spool; it must exit 14 at
     * once, name the holder, take no lease, and leave the spool's lock file as the holder wrote it. Returns false
     * (try again later) when the first daemon does not hold the spool right now (it is restarting).
     */
    private boolean secondOnSameDatabase(Path spoolDir, Path directConfig, int number) throws Exception {
        Path lockFile = spoolDir.resolve("lock");
        if (!Files.exists(lockFile)) {
            return false;
        }
        byte[] before = Files.readAllBytes(lockFile);
        Matcher m = Pattern.compile("^pid (\\d+) on ").matcher(new String(before, StandardCharsets.UTF_8));
        if (!m.find()) {
            return false;
        }
        long holder = Long.parseLong(m.group(1));
        boolean holderIsOurDaemon = ProcessHandle.of(holder).filter(ProcessHandle::isAlive)
                .flatMap(ProcessHandle::parent).map(p -> p.pid() == ProcessHandle.current().pid()).orElse(false);
        if (!holderIsOurDaemon) {
            return false;
        }
        Path log = work.resolve("second-on-database-" + number + ".log");
        // Straight to S3, not through the faults: what is under test is the spool lock, not the preflight.
        WalshipProcess s = reap(WalshipProcess.startWithConfig(directConfig, S3ProxyServer.env(), List.of("-Xmx256m"), log));
        int code = s.awaitExit(60);
        String out = String.join("\n", Logs.lines(log));
        assertEquals(14, code, "a second walship on the same database exits 14\n" + Logs.tail(log, 30));
        assertTrue(out.contains("another walship (pid " + holder + " on ") && out.contains("run one walship per database"),
                "the refusal names the holder\n" + Logs.tail(log, 30));
        assertTrue(!out.contains("took the writer's lease"), "the refused walship took no lease\n" + Logs.tail(log, 30));
        assertTrue(Arrays.equals(before, Files.readAllBytes(lockFile)), "the refused walship left the spool's lock file alone");
        step("second walship on the database: exit 14 (holder pid " + holder + ")");
        return true;
    }

    /** The second daemon on the replica path, with what the replica held before it started. */
    private record SecondOnPath(WalshipProcess daemon, Path log, Path copy, long started, Set<String> keysBefore) {
    }

    /**
     * Whether the first daemon renewed the writer's lease within the last 5 s (it expires 30 s after a renewal), so
     * that a second daemon started now meets a live lease.
     */
    private boolean freshLease() {
        String prefix = PREFIX + "/lease/";
        List<String> keys = S3.listRaw(bucket, prefix).stream().map(o -> o.key()).sorted().toList();
        if (keys.isEmpty()) {
            return false;
        }
        try {
            String text = S3.client().getObjectAsBytes(b -> b.bucket(bucket).key(keys.get(keys.size() - 1))).asString(StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\nexpires (\\d+)\n").matcher(text);
            return m.find() && Long.parseLong(m.group(1)) - System.currentTimeMillis() > 25_000;
        } catch (RuntimeException e) {
            return false; // deleted meanwhile (only the newest three are kept)
        }
    }

    /**
     * Copies the app's database as it is now (VACUUM INTO from a read-only connection), adds a row the app never wrote
     * (so no state of the copy is on the app's record), and starts a daemon replicating the copy to the same replica
     * path, as a second host restored from the same backup would ({@code --adopt-lineage}).
     */
    private SecondOnPath startSecondOnPath(int number) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("copy-" + number));
        Path copy = dir.resolve("app.db");
        SQLiteConfig ro = new SQLiteConfig();
        ro.setReadOnly(true);
        ro.setBusyTimeout(30_000);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db, ro.toProperties()); Statement s = c.createStatement()) {
            s.execute("VACUUM INTO '" + copy.toString().replace("'", "''") + "'");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("INSERT INTO items(v, n) VALUES ('written by the second host " + number + "', 0)");
        }
        Set<String> before = S3.listRaw(bucket, PREFIX + "/").stream().map(o -> o.key()).collect(Collectors.toCollection(HashSet::new));
        Path log = work.resolve("second-on-path-" + number + ".log");
        WalshipProcess s = reap(WalshipProcess.start(copy, url(), S3ProxyServer.env(), List.of("-Xmx256m"), log, "--adopt-lineage"));
        step("second daemon " + number + " on the replica path, replicating a changed copy of the database");
        return new SecondOnPath(s, log, copy, System.nanoTime(), before);
    }

    /**
     * The second daemon on the replica path stopped: exit 8 with the lease conflict as its ERROR, no lease of its own
     * and no object of its own in the replica (each snapshot that appeared meanwhile restores a state on the app's
     * record, never the copy's).
     */
    private void checkSecondOnPath(SecondOnPath second) throws Exception {
        int code = second.daemon().awaitExit(10);
        List<String> lines = Logs.lines(second.log());
        String tail = Logs.tail(second.log(), 40);
        assertEquals(8, code, "the writer's lease stops the second daemon on the replica path (exit 8)\n" + tail);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" ERROR ") && (l.contains("is written by another walship")
                || l.contains("was taken by another walship at the same moment"))), "its ERROR names the lease holder\n" + tail);
        assertTrue(lines.stream().noneMatch(l -> l.contains("took the writer's lease")), "it never held the lease\n" + tail);
        String spoolId = Files.readAllLines(second.copy().resolveSibling(".app.db-walship").resolve("id")).get(1).strip();
        TreeSet<Long> newSnapshots = new TreeSet<>();
        for (var o : S3.listRaw(bucket, PREFIX + "/")) {
            if (second.keysBefore().contains(o.key())) {
                continue;
            }
            String key = o.key().substring(PREFIX.length() + 1);
            if (key.startsWith("lease/")) {
                String text = S3.client().getObjectAsBytes(b -> b.bucket(bucket).key(o.key())).asString(StandardCharsets.UTF_8);
                assertTrue(!text.contains("\nholder " + spoolId + "\n"), "a lease object of the second daemon: " + key + "\n" + text);
            }
            io.walship.replica.ObjectKeys.parse(key).filter(k -> k.kind() == io.walship.replica.ObjectKind.SNAPSHOT)
                    .ifPresent(k -> newSnapshots.add(k.firstTxid()));
        }
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        try (ReplicaStorage storage = S3Urls.open(url(), S3ProxyServer.env())) {
            for (long t : newSnapshots) {
                Restored r = RestoreCheck.restoreInProcess(storage, t, work.resolve("second-check-" + t + ".db"));
                assertTrue(r.error() == null && r.digest().equals(digests.get(r.i())), "snapshot " + t + ", which appeared while the"
                        + " second daemon ran, restores the app's state (not the copy's): " + r);
            }
        }
        step("second daemon on the replica path stopped by the lease: exit 8 after "
                + (System.nanoTime() - second.started()) / 1_000_000 + " ms; " + newSnapshots.size() + " snapshot(s) appeared meanwhile,"
                + " all the first daemon's");
    }

    /**
     * Every txid the replica acknowledged during the run still restores a state on the app's record, i never goes back
     * along them, and the last one is the app's final state. Returns how many were restored.
     */
    private int checkAcknowledged(List<Long> marks) throws Exception {
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        List<Long> distinct = new ArrayList<>(new TreeSet<>(marks));
        // At most 60, evenly spread, the last one always.
        List<Long> chosen = new ArrayList<>();
        for (int k = 0; k < Math.min(60, distinct.size()); k++) {
            chosen.add(distinct.get((int) ((long) k * distinct.size() / Math.min(60, distinct.size()))));
        }
        if (!chosen.contains(distinct.get(distinct.size() - 1))) {
            chosen.add(distinct.get(distinct.size() - 1));
        }
        assertEquals(marks, marks.stream().sorted().toList(), "the replica's latest txid never went back during the run");
        List<String> problems = new ArrayList<>();
        long previousI = -1;
        try (ReplicaStorage storage = S3Urls.open(url(), S3ProxyServer.env())) {
            for (long t : chosen) {
                Restored r = RestoreCheck.restoreInProcess(storage, t, work.resolve("mark-" + t + ".db"));
                if (r.error() != null) {
                    problems.add("acknowledged txid " + t + ": " + r.error());
                } else if (!"ok".equals(r.integrity()) || !r.digest().equals(digests.get(r.i()))) {
                    problems.add("acknowledged txid " + t + " restores i=" + r.i() + " with integrity '" + r.integrity()
                            + "' and content " + (r.digest().equals(digests.get(r.i())) ? "equal to" : "NOT equal to")
                            + " the app's state at that i");
                } else if (r.i() < previousI) {
                    problems.add("acknowledged txid " + t + " restores i=" + r.i() + ", before an earlier mark's i=" + previousI);
                } else {
                    previousI = r.i();
                }
            }
        }
        if (previousI != digests.lastKey()) {
            problems.add("the last acknowledged txid restores i=" + previousI + ", not the app's final i=" + digests.lastKey());
        }
        assertEquals(List.of(), problems, "txids the replica acknowledged during the chaos" + diagnostics());
        step("restored " + chosen.size() + " txids the replica had acknowledged during the run (of " + distinct.size()
                + " sampled): each the app's state, in order, the last one the final state");
        return chosen.size();
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
