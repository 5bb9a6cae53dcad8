package io.walship.replicator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ByteSize;
import io.walship.config.ReplicationSettings;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.LineagePolicy;
import io.walship.replicator.TmpfsMount;
import io.walship.restore.RestoreTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Continuity rules of the capture, in process: when walship can prove it saw every transaction it continues the
 * txid sequence without a snapshot; when it cannot, it takes one. Every restore is compared with the app's own
 * state after the matching transaction.
 */
@Timeout(180)
class ContinuityTest extends InProcessScenario {
    ContinuityTest() {
        super(7);
    }

    private static ReplicationSettings settings() {
        return ReplicationSettings.defaults().withSyncInterval(Duration.ZERO).withMonitorInterval(Duration.ofMillis(50))
                .withCheckpointPages(200);
    }

    private void startReplicator(ReplicationSettings settings) throws Exception {
        startReplicator(settings, LineagePolicy.REFUSE);
    }

    private void startReplicator(ReplicationSettings settings, LineagePolicy policy) throws Exception {
        replicator = new DatabaseReplicator(db, storage, settings, Clock.systemUTC());
        replicator.lineagePolicy(policy);
        replicator.start();
    }

    private void stopReplicator() throws InterruptedException {
        replicator.stop(Duration.ofSeconds(10));
        replicator = null;
    }

    @Test
    void restartWithTheWalIntactResumesWithoutASnapshot() throws Exception {
        // No checkpoint may empty the WAL while walship is away: a fully checkpointed WAL is restarted by the app's
        // next write, and then continuity can no longer be proven (that case is the test below).
        ReplicationSettings noCheckpoints = settings().withCheckpointPages(100_000);
        app.send("tx 20");
        startReplicator(noCheckpoints);
        awaitReplicated();
        app.send("tx 20");
        awaitReplicated();
        stopReplicator();
        app.send("tx 15");
        startReplicator(noCheckpoints);
        app.send("tx 10");
        awaitReplicated();
        assertEquals(1, snapshots().size(), "continuity was provable: no second snapshot " + snapshots());
        verifyRestores();
    }

    @Test
    void appCheckpointsOfEveryModeWhileReplicatingNeedNoSnapshot() throws Exception {
        app.send("tx 5");
        startReplicator(settings());
        for (int round = 0; round < 3; round++) {
            app.send("tx 8");
            app.send("checkpoint PASSIVE");
            app.send("tx 8");
            awaitReplicated();
            app.send("checkpoint RESTART");
            app.send("tx 8");
            awaitReplicated();
            app.send("checkpoint TRUNCATE");
            app.send("tx 8");
        }
        awaitReplicated();
        assertEquals(1, snapshots().size(), "the app's checkpoints must not break continuity " + snapshots());
        verifyRestores();
    }

    @Test
    void walshipStoppedWhileTheAppTruncatesTakesASnapshot() throws Exception {
        app.send("tx 10");
        startReplicator(settings());
        awaitReplicated();
        long before = replicator.capturedTxid();
        stopReplicator();
        app.send("tx 10");
        app.send("checkpoint TRUNCATE");
        app.send("tx 5");
        startReplicator(settings());
        awaitReplicated();
        List<Long> snaps = snapshots();
        assertEquals(2, snaps.size(), "continuity could not be proven: a new snapshot " + snaps);
        assertEquals(before + 1, snaps.get(1), "the new snapshot continues the txid sequence");
        verifyRestores();
    }

    @Test
    void aLostSpoolContinuesTheSequenceFromTheReplica() throws Exception {
        app.send("tx 10");
        startReplicator(settings());
        awaitReplicated();
        long before = replicator.shippedTxid();
        stopReplicator();
        deleteRecursively(DatabaseReplicator.defaultSpoolDir(db));
        app.send("tx 5");
        // By default a fresh spool does not write into a replica that holds a history: walship cannot tell this
        // database from another one pointed at the same path, so the operator must say so.
        startReplicator(settings());
        long deadline = System.currentTimeMillis() + 20_000;
        String refused = null;
        while (refused == null && System.currentTimeMillis() < deadline) {
            refused = replicator.failure();
            Thread.sleep(50);
        }
        assertTrue(refused != null && refused.contains("-adopt-lineage"), "refused: " + refused);
        assertEquals(List.of(1L), snapshots(), "nothing was written");
        stopReplicator();
        deleteRecursively(DatabaseReplicator.defaultSpoolDir(db));
        startReplicator(settings(), LineagePolicy.ADOPT);
        awaitReplicated();
        List<Long> snaps = snapshots();
        assertEquals(List.of(1L, before + 1), snaps);
        verifyRestores();
    }

    @Test
    void aRolledBackTransactionThatSpilledIntoTheWalIsNeverCaptured() throws Exception {
        app.send("tx 5");
        startReplicator(settings().withCheckpointPages(100_000));
        awaitReplicated();
        app.send("rollback-spill 3000");
        app.send("tx 3");
        awaitReplicated();
        app.send("rollback-spill 500");
        app.send("tx 2");
        awaitReplicated();
        assertEquals(1, snapshots().size());
        verifyRestores();
    }

    @Test
    void theEmergencyTruncateKeepsEveryTransaction() throws Exception {
        app.send("tx 3");
        startReplicator(settings().withCheckpointPages(100_000).withEmergencyWalSize(ByteSize.parse("64KiB")));
        for (int i = 0; i < 6; i++) {
            app.send("tx 10 12");
            awaitReplicated();
        }
        verifyRestores();
        // After the app goes quiet the WAL is small again: walship truncated it.
        long deadline = System.currentTimeMillis() + 10_000;
        Path wal = Path.of(db + "-wal");
        while (Files.size(wal) > 64 * 1024 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.size(wal) <= 64 * 1024, "WAL size " + Files.size(wal));
    }

    /**
     * A full spool disk: walship holds the WAL (its pin) so that the transactions of the spell stay capturable one by
     * one, but not past the emergency WAL size. There it lets go, so the app's own TRUNCATE checkpoint can empty the
     * WAL, and capture later starts a new chain with a snapshot (the held-pin case is SpoolDiskFullTest). Every txid
     * still restores a state the app committed.
     */
    @Test
    void pastTheEmergencyWalSizeAFullSpoolDiskLetsGoOfTheWal() throws Exception {
        TmpfsMount.Attempt attempt = TmpfsMount.tryMount(dir.resolve(".app.db-walship"), 2L << 20);
        org.junit.jupiter.api.Assumptions.assumeTrue(attempt.mount().isPresent(), "no tmpfs for the spool: "
                + attempt.refusal());
        try (TmpfsMount mount = attempt.mount().get()) {
            app.send("tx 3");
            startReplicator(settings().withCheckpointPages(100_000).withEmergencyWalSize(ByteSize.parse("256KiB")));
            awaitReplicated();
            mount.fill();
            Path wal = Path.of(db + "-wal");
            app.send("tx 40 12");
            // The WAL is past 256 KiB; once walship let go, the app's TRUNCATE empties it (busy while the pin holds).
            long deadline = System.currentTimeMillis() + 20_000;
            while (Files.size(wal) > 0 && System.currentTimeMillis() < deadline) {
                app.send("checkpoint TRUNCATE");
                Thread.sleep(200);
            }
            assertEquals(0, Files.size(wal), "the app's TRUNCATE emptied the WAL while the spool's disk was full");
            app.send("tx 5");
            mount.unfill();
            awaitReplicated();
            assertEquals(2, snapshots().size(), "the chain broken by the WAL walship let go of: " + snapshots());
            verifyRestores();
            stopReplicator();
        }
    }

    @Test
    void aTransactionLargerThanTheCheckpointThresholdIsCapturedWhole() throws Exception {
        app.send("tx 3");
        startReplicator(settings().withCheckpointPages(50));
        app.send("bigtx 3000");
        app.send("tx 3");
        app.send("vacuum");
        app.send("tx 2");
        awaitReplicated();
        assertEquals(1, snapshots().size());
        verifyRestores();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private List<Long> snapshots() throws Exception {
        return history.snapshotTxids();
    }

    /** Waits until the replica's latest state is the app's latest transaction. */
    private void awaitReplicated() throws Exception {
        history.awaitReplicated(replicator, app::seq);
    }

    /** Restores the latest state and up to 25 txids and compares each with the app's state after that transaction. */
    private void verifyRestores() throws Exception {
        long first = snapshots().get(0);
        long latest = history.latestTxid();
        List<Long> txids = new ArrayList<>();
        Random rnd = new Random(latest);
        if (latest - first <= 25) {
            for (long t = first; t <= latest; t++) {
                txids.add(t);
            }
        } else {
            for (int i = 0; i < 25; i++) {
                txids.add(first + (long) (rnd.nextDouble() * (latest - first + 1)));
            }
            txids.add(first);
            txids.add(latest);
        }
        txids = txids.stream().distinct().sorted().toList();
        long prevSeq = -1;
        for (long t : txids) {
            ExactHistory.State s = restore(new RestoreTarget.AtTxid(t), "t" + t);
            assertTrue(s.seq() >= prevSeq, "app sequence must not go back as txids grow: txid " + t + " -> " + s.seq());
            prevSeq = s.seq();
        }
        ExactHistory.State last = restore(new RestoreTarget.Latest(), "latest");
        assertEquals(app.seq(), last.seq(), "latest restore is the app's last transaction");
    }

    private ExactHistory.State restore(RestoreTarget target, String name) throws Exception {
        return history.restore(target, name);
    }
}
