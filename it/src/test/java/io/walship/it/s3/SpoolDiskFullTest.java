package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import io.walship.restore.RestoreTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The spool's disk runs full (issue 8, section 2): walship's spool folder is a 2 MiB tmpfs. First a filler file takes
 * every free byte while the app commits and checkpoints; then the filler goes, and later the app's transactions
 * (1 MiB blobs) are bigger than the whole disk, until the tmpfs is remounted larger. Each time walship keeps running
 * (no exit 8: a failed spool write is truncated back, never left torn), and when space returns capture and shipping
 * resume by themselves; at the end every txid of the replica restores exactly a state the app committed, with
 * integrity_check ok, and the latest is the app's final state.
 *
 * <p>Skipped (JUnit assumption) where {@code mount -t tmpfs} is refused. Before the spool truncated failed writes
 * (commit a308e6b), the first ENOSPC left a torn record and walship exited 8 on that run and every later start.
 */
class SpoolDiskFullTest extends SpoolDiskScenario {
    static final long SMALL = 2L << 20;
    static final long LARGE = 64L << 20;
    static final String ENOSPC = "No space left on device";

    /** What the scenario left for the assertions. */
    private record Outcome(TreeMap<Long, Restored> byTxid, List<Long> snapshots, long finalI, long full1, long full2) {
    }

    /**
     * The stronger promise of the spool (its class comment): the frames a failed write lost "are still in the WAL,
     * because the pin moves only past what the spool holds durably", so a full disk costs no snapshot and every
     * transaction the app committed meanwhile stays restorable on its own. Before the fix a capture failure closed
     * walship's SQLite session, which dropped the pin; the app's own TRUNCATE checkpoint (or SQLite's automatic one)
     * then restarted the WAL, and walship took a new snapshot of the whole database ("... while walship was not
     * running"): the transactions committed during the spell collapsed into that one snapshot. Capture now keeps its
     * session, and works through the backlog in small durable batches so that shipping frees the space the rest needs.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aFullSpoolDiskCostsNoSnapshotAndEveryCommittedTransactionStaysRestorable() throws Exception {
        Outcome o = diskFullScenario();
        assertTrue(o.full1() > 0 && o.full2() > 0, "walship met ENOSPC in both spells: " + o.full1() + ", " + o.full2());
        TreeSet<Long> restoredIs = new TreeSet<>();
        o.byTxid().values().forEach(r -> restoredIs.add(r.i()));
        // From the state of the first snapshot on: what the app committed before walship started is in that snapshot.
        List<Long> missing = new ArrayList<>();
        for (long i = o.byTxid().firstEntry().getValue().i(); i <= o.finalI(); i++) {
            if (!restoredIs.contains(i)) {
                missing.add(i);
            }
        }
        assertEquals(List.of(), missing.size() > 40 ? List.of(missing.size() + " states, from i=" + missing.get(0) + " to i="
                + missing.get(missing.size() - 1)) : missing, "every state the app committed is restorable by its own txid"
                + " (snapshots at " + o.snapshots() + ")");
        assertEquals(1, o.snapshots().size(), "the disk-full spells cost no snapshot: " + o.snapshots());
    }

    private Outcome diskFullScenario() throws Exception {
        Path spoolDir = db.resolveSibling("." + db.getFileName() + "-walship");
        Optional<String> refused = mountSpool(spoolDir, SMALL);
        assumeTrue(refused.isEmpty(), () -> "no tmpfs for the spool: " + refused.orElseThrow());

        writer("setup").seed(1).txs(20).sleep(0).maxOps(4).start().awaitSuccess(Duration.ofSeconds(60));
        WalshipProcess d = daemon();
        awaitSynced(Duration.ofSeconds(60), d::assertAlive);

        // Spell 1: a filler takes every free byte while the app commits, and checkpoints with TRUNCATE now and then.
        long filler = mount.fill();
        step("filler took " + filler + " bytes; " + mount.free() + " bytes free");
        long before = Logs.count(daemonLog, ENOSPC);
        Writer w1 = writer("while-full").seed(2).txs(150).sleep(0.01).maxOps(4).every(40, "checkpoint:TRUNCATE")
                .checkpointBusyTimeoutMs(100).start();
        // The app is never blocked by walship's full disk.
        step("app done while the disk was full: " + w1.awaitSuccess(Duration.ofSeconds(120)));
        long full1 = awaitLogCount(d, before, "the spool's writes failing with ENOSPC");
        sleep(2_000);
        d.assertAlive();
        mount.unfill();
        step("filler deleted after " + full1 + " ENOSPC line(s); " + mount.free() + " bytes free");
        awaitSynced(Duration.ofSeconds(120), d::assertAlive);

        // Spell 2: transactions bigger than the whole disk, until the tmpfs is remounted larger.
        before = Logs.count(daemonLog, ENOSPC);
        Writer w2 = writer("big").seed(3).txs(12).sleep(0.05).maxOps(2).every(3, "bigtx:1").start();
        step("app done with transactions larger than the disk: " + w2.awaitSuccess(Duration.ofSeconds(120)));
        long full2 = awaitLogCount(d, before, "ENOSPC for a transaction larger than the disk");
        sleep(2_000);
        d.assertAlive();
        assertTrue(mount.resize(LARGE), "remounting the tmpfs larger");
        step("remounted with " + LARGE + " bytes after " + full2 + " more ENOSPC line(s)");
        writer("after").seed(4).txs(30).sleep(0.01).maxOps(4).start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(Duration.ofSeconds(120), d::assertAlive);
        assertEquals(0, d.stop(), "SIGTERM exits 0\n" + Logs.tail(daemonLog, 40));

        List<String> errors = Logs.lines(daemonLog).stream().filter(l -> l.contains(" ERROR ") || l.startsWith("walship: ")).toList();
        assertEquals(List.of(), errors, "a full disk is retried at WARN, never an ERROR or an exit");
        step("WARN lines: " + Logs.lines(daemonLog).stream().filter(l -> l.contains(" WARN ")).count() + ", of which snapshots: "
                + Logs.warnSnapshotLines(daemonLog).size());

        TreeMap<Long, Restored> byTxid = restoreEveryTxid();
        restoreCheck().viaJar(1).run();
        return new Outcome(byTxid, view().snapshotTxids(), Digest.readFile(digestFile()).lastKey(), full1, full2);
    }

    private WalshipProcess daemon() {
        return onSpoolDisk(startJarDaemon(url(), List.of("-Xmx256m")));
    }

    /** Waits until the daemon log holds more lines naming ENOSPC than {@code before}; returns how many more. */
    private long awaitLogCount(WalshipProcess d, long before, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long now = Logs.count(daemonLog, ENOSPC);
            if (now > before) {
                return now - before;
            }
            d.assertAlive();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("walship never reported " + what + " within 60 s" + diagnostics());
            }
            sleep(100);
        }
    }

    /**
     * Restores every txid from the first snapshot to the latest in this JVM and checks each: integrity ok, the writer's
     * digest for the restored i, i never going back, and no writer transaction skipped between two txids of a chain.
     */
    private TreeMap<Long, Restored> restoreEveryTxid() throws Exception {
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        List<S3ReplicaView.Obj> objects = view().objects();
        List<String> chain = S3ReplicaView.continuityProblems(objects);
        assertEquals(List.of(), chain, "the replica's txids chain: " + view().summary());
        long first = objects.stream().filter(S3ReplicaView.Obj::snapshot).mapToLong(S3ReplicaView.Obj::first).min().orElseThrow();
        long latest = objects.stream().mapToLong(S3ReplicaView.Obj::last).max().orElseThrow();
        TreeSet<Long> snapshots = new TreeSet<>(view().snapshotTxids());
        TreeMap<Long, Restored> byTxid = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            TreeMap<Long, Future<Restored>> futures = new TreeMap<>();
            for (long t = first; t <= latest; t++) {
                long txid = t;
                // Each through a storage of its own: two restores sharing one can wait for each other's connections.
                futures.put(t, pool.submit(() -> S3RestoreCheck.restoreInProcess(url(), S3ProxyServer.env(), RestoreTarget.txid(txid), txid,
                        work.resolve("every-" + txid + ".db"))));
            }
            for (var e : futures.entrySet()) {
                byTxid.put(e.getKey(), e.getValue().get());
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> problems = new ArrayList<>();
        Restored previous = null;
        for (Restored r : byTxid.values()) {
            if (r.error() != null) {
                problems.add("txid " + r.txid() + ": " + r.error());
                continue;
            }
            if (!"ok".equals(r.integrity())) {
                problems.add("txid " + r.txid() + ": integrity_check says " + r.integrity());
            }
            if (!r.digest().equals(digests.get(r.i()))) {
                problems.add("txid " + r.txid() + " restores i=" + r.i() + " but not the writer's content for that i");
            }
            if (previous != null && r.i() < previous.i()) {
                problems.add("i went back: txid " + previous.txid() + " restores i=" + previous.i() + ", txid " + r.txid() + " i=" + r.i());
            }
            if (previous != null && previous.txid() == r.txid() - 1 && !snapshots.contains(r.txid()) && r.i() - previous.i() > 1) {
                problems.add("txid " + r.txid() + " restores i=" + r.i() + " right after i=" + previous.i()
                        + ": writer transactions skipped or merged inside a chain");
            }
            previous = r;
        }
        Restored last = byTxid.lastEntry().getValue();
        if (last.error() == null && last.i() != digests.lastKey()) {
            problems.add("latest txid " + latest + " restores i=" + last.i() + " but the writer ended at i=" + digests.lastKey());
        }
        assertEquals(List.of(), problems, "restores of every txid " + first + ".." + latest + diagnostics());
        step("restored every txid " + first + ".." + latest + " (" + byTxid.size() + "): each is the writer's state, integrity ok;"
                + " snapshots at " + snapshots);
        return byTxid;
    }
}
