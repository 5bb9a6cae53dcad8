package io.walship.restore;

import static io.walship.restore.RestoreAssertions.assertRestored;
import static io.walship.restore.RestoreAssertions.restored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How restores choose their snapshot and segments, and how they refuse targets the replica cannot reach. */
@SuppressWarnings("deprecation")
class RestorePlannerTest {
    @TempDir
    Path dir;

    private DatabaseHistory history;
    private FileReplicaStorage storage;
    private Path outDir;

    @BeforeEach
    void setUp() throws Exception {
        history = DatabaseHistory.standard(dir.resolve("source.db"), 4096, true);
        storage = new FileReplicaStorage(dir.resolve("replica"));
        outDir = Files.createDirectory(dir.resolve("out"));
    }

    @AfterEach
    void tearDown() throws Exception {
        history.close();
    }

    private RestorePlan plan(RestoreTarget target) throws Exception {
        return new RestorePlanner(ReplicaCatalog.load(storage)).plan(target);
    }

    private static List<String> keys(RestorePlan plan) {
        return plan.segments().stream().map(ReplicaObject::key).collect(Collectors.toList());
    }

    private void assertRestoresEveryTxid(long from, long to) throws Exception {
        Restorer restorer = new Restorer(storage, Clock.systemUTC());
        for (long txid = from; txid <= to; txid++) {
            RestoreResult result = restored(restorer.restore(RestoreRequest.to(outDir.resolve("at-" + txid + ".db"))
                    .withTarget(RestoreTarget.txid(txid))));
            assertRestored(history, txid, result);
        }
    }

    private RestoreException notRestorable(RestoreTarget target) {
        RestoreException e = assertThrows(RestoreException.class, () -> plan(target));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason(), e.getMessage());
        return e;
    }

    /**
     * Compaction writes a segment of a higher level holding exactly a run of lower-level ones: the planner reads the
     * highest level that reaches furthest, and every txid still restores exactly, including ones inside it.
     */
    @Test
    void compactedSegmentsOfAHigherLevelArePreferred() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 3);
        history.writeSegment(storage, 4, 6);
        history.writeSegment(storage, 7, 9);
        history.writeSegment(storage, 10, 12);
        String one = history.writeSegment(storage, 1, 2, 6);
        String two = history.writeSegment(storage, 2, 2, 9);

        assertEquals(List.of(two, DatabaseHistory.segmentKey(10, 12)), keys(plan(RestoreTarget.latest())));
        assertEquals(List.of(two), keys(plan(RestoreTarget.txid(5))));
        assertEquals(List.of(two), keys(plan(RestoreTarget.timestamp(DatabaseHistory.timeOf(4)))));
        assertRestoresEveryTxid(1, 12);

        // Without the level-2 segment, the level-1 one and the level-0 ones after it.
        Files.delete(storage.root().resolve(two));
        assertEquals(List.of(one, DatabaseHistory.segmentKey(7, 9), DatabaseHistory.segmentKey(10, 12)),
                keys(plan(RestoreTarget.latest())));
        try (var files = Files.list(outDir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        assertRestoresEveryTxid(1, 12);
    }

    /**
     * A compacted segment beside the run it holds (level 1 over txids 2..12 beside level-0 segments 2..4, 5..12) is no
     * conflict, and every restore reads it instead of the run: the snapshot and one segment, whatever the target,
     * counted in GETs. Without it, the run is read.
     */
    @Test
    void aCompactedSegmentBesideItsInputsIsReadInsteadOfThem() throws Exception {
        history.writeSnapshot(storage, 1);
        String a = history.writeSegment(storage, 2, 4);
        String b = history.writeSegment(storage, 5, 12);
        String compacted = history.writeSegment(storage, 1, 2, 12);
        assertEquals(List.of(), ReplicaCatalog.load(storage).conflicts());

        for (long txid = 1; txid <= 12; txid++) {
            CountingStorage counting = new CountingStorage(storage);
            RestoreResult result = restored(new Restorer(counting, Clock.systemUTC()).restore(RestoreRequest
                    .to(outDir.resolve("compacted-" + txid + ".db")).withTarget(RestoreTarget.txid(txid))));
            assertRestored(history, txid, result);
            assertEquals(txid == 1 ? 1 : 2, counting.counts().objectReads(), "objects read to restore txid " + txid);
        }
        assertEquals(List.of(compacted), keys(plan(RestoreTarget.latest())));
        assertEquals(List.of(compacted), keys(plan(RestoreTarget.timestamp(DatabaseHistory.timeOf(3)))));

        Files.delete(storage.root().resolve(compacted));
        CountingStorage counting = new CountingStorage(storage);
        assertRestored(history, 12, restored(new Restorer(counting, Clock.systemUTC()).restore(RestoreRequest
                .to(outDir.resolve("inputs.db")))));
        assertEquals(3, counting.counts().objectReads(), "the snapshot and both level-0 segments");
        assertEquals(List.of(a, b), keys(plan(RestoreTarget.latest())));
    }

    /** A compacted segment of another lineage is never combined with this one's objects, however well it fits. */
    @Test
    void aCompactedSegmentOfAnotherLineageIsNeverUsed() throws Exception {
        history.writeSnapshot(storage, 1);
        String a = history.writeSegment(storage, 2, 6);
        String b = history.writeSegment(storage, 7, 12);
        history.lineage(new io.walship.replica.Lineage(0x0ddba11L)).writeSegment(storage, 1, 2, 12);
        history.lineage(DatabaseHistory.LINEAGE);

        RestoreException e = assertThrows(RestoreException.class, () -> plan(RestoreTarget.latest()));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason(), e.getMessage());
        RestorePlan chosen = new RestorePlanner(ReplicaCatalog.load(storage).only(DatabaseHistory.LINEAGE))
                .plan(RestoreTarget.latest());
        assertEquals(List.of(a, b), keys(chosen));
    }

    @Test
    void overlappingSegmentsOfOneLevelAreRefusedNamingBoth() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 6);
        history.writeSegment(storage, 4, 12);

        RestoreException e = assertThrows(RestoreException.class, () -> plan(RestoreTarget.latest()));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertTrue(e.getMessage().contains(DatabaseHistory.segmentKey(2, 6))
                && e.getMessage().contains(DatabaseHistory.segmentKey(4, 12)), e.getMessage());
        assertTrue(e.getMessage().contains("both hold txids 4..6"), e.getMessage());
        assertThrows(RestoreException.class, () -> plan(RestoreTarget.txid(3)), "any target: the history is suspect");
    }

    @Test
    void legacyOverlappingSegmentsAreRefusedToo() throws Exception {
        history.lineage(io.walship.replica.Lineage.LEGACY);
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 6);
        history.writeSegment(storage, 2, 3);
        history.writeSegment(storage, 7, 12);

        RestoreException e = assertThrows(RestoreException.class, () -> plan(RestoreTarget.latest()));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertTrue(e.getMessage().contains(ObjectKeys.segment(2, 3)) && e.getMessage().contains(ObjectKeys.segment(2, 6)),
                e.getMessage());
    }

    @Test
    void aPartialOverlapAcrossLevelsIsRefused() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 6);
        history.writeSegment(storage, 7, 12);
        String partial = history.writeSegment(storage, 1, 4, 9);

        RestoreException e = assertThrows(RestoreException.class, () -> plan(RestoreTarget.latest()));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertTrue(e.getMessage().contains(partial) && e.getMessage().contains(DatabaseHistory.segmentKey(2, 6)),
                e.getMessage());
        assertTrue(e.getMessage().contains("and 1 more conflict"), "both lower segments are named: " + e.getMessage());
    }

    @Test
    void twoSnapshotsAtOneTxidAreRefused() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 12);
        String other = DatabaseHistory.writeSnapshot(storage, dir, 1, DatabaseHistory.timeOf(1).plusMillis(5),
                history.stateAt(1), 4096);

        RestoreException e = assertThrows(RestoreException.class, () -> plan(RestoreTarget.latest()));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertTrue(e.getMessage().contains(other) && e.getMessage().contains(DatabaseHistory.snapshotKey(1)),
                e.getMessage());
    }

    @Test
    void startsFromTheNewestSnapshotAtOrBeforeTheTarget() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSnapshot(storage, 5);
        history.writeSnapshot(storage, 9);
        history.writeSegment(storage, 2, 12);

        assertEquals(DatabaseHistory.snapshotKey(1), plan(RestoreTarget.txid(4)).snapshot().key());
        RestorePlan atFive = plan(RestoreTarget.txid(5));
        assertEquals(DatabaseHistory.snapshotKey(5), atFive.snapshot().key());
        assertEquals(List.of(), keys(atFive));
        RestorePlan atSeven = plan(RestoreTarget.txid(7));
        assertEquals(DatabaseHistory.snapshotKey(5), atSeven.snapshot().key());
        assertEquals(List.of(DatabaseHistory.segmentKey(2, 12)), keys(atSeven), "a segment straddling the snapshot is used");
        assertEquals(DatabaseHistory.snapshotKey(9), plan(RestoreTarget.latest()).snapshot().key());
        assertEquals(DatabaseHistory.snapshotKey(5),
                plan(RestoreTarget.timestamp(DatabaseHistory.timeOf(8).plusSeconds(1))).snapshot().key());
        assertRestoresEveryTxid(1, 12);
    }

    @Test
    void aSnapshotTakenAfterLostContinuityNeedsNoSegmentHoldingItsTxid() throws Exception {
        try (DatabaseHistory broken = new DatabaseHistory(dir.resolve("broken.db"), 512, true)) {
            history.close();
            history = broken;
            broken.commit("CREATE TABLE t (v)");
            for (int i = 2; i <= 5; i++) {
                broken.commit("INSERT INTO t VALUES ('before " + i + "')");
            }
            broken.commitUnrecorded(DatabaseHistory.series(30) + "INSERT INTO t SELECT 'lost ' || value FROM s");
            assertEquals(6, broken.breakContinuity());
            for (int i = 7; i <= 9; i++) {
                broken.commit("INSERT INTO t VALUES ('after " + i + "')");
            }
            broken.writeSnapshot(storage, 1);
            broken.writeSegment(storage, 2, 5);
            broken.writeSnapshot(storage, 6);
            broken.writeSegment(storage, 7, 9);

            assertEquals(DatabaseHistory.snapshotKey(1), plan(RestoreTarget.txid(5)).snapshot().key());
            assertEquals(DatabaseHistory.snapshotKey(6), plan(RestoreTarget.txid(6)).snapshot().key());
            RestorePlan byTime = plan(RestoreTarget.timestamp(DatabaseHistory.timeOf(5).plusSeconds(5)));
            assertEquals(DatabaseHistory.snapshotKey(1), byTime.snapshot().key());
            assertEquals(5, byTime.lastTxid());
            assertRestoresEveryTxid(1, 9);
            Restorer restorer = new Restorer(storage, Clock.systemUTC());
            assertRestored(broken, 9, restored(restorer.restore(RestoreRequest.to(outDir.resolve("latest.db")))));
            assertRestored(broken, 5, restored(restorer.restore(RestoreRequest.to(outDir.resolve("time.db"))
                    .withTarget(RestoreTarget.timestamp(DatabaseHistory.timeOf(5).plusSeconds(5))))));
        }
    }

    @Test
    void aGapIsAnErrorNamingTheMissingTxidsNeverAShorterHistory() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 4);
        history.writeSegment(storage, 7, 12);

        String latest = notRestorable(RestoreTarget.latest()).getMessage();
        assertTrue(latest.contains("txids 5..6 are missing"), latest);
        assertTrue(latest.contains("restorable from that snapshot is txid 4"), latest);
        assertTrue(notRestorable(RestoreTarget.txid(5)).getMessage().contains("txid 5 is missing"));
        assertTrue(notRestorable(RestoreTarget.txid(9)).getMessage().contains("txids 5..6 are missing"));
        String byTime = notRestorable(RestoreTarget.timestamp(DatabaseHistory.timeOf(9))).getMessage();
        assertTrue(byTime.contains("txids 5..6 are missing"), byTime);
        assertEquals(4, plan(RestoreTarget.txid(4)).lastTxid());

        Restorer restorer = new Restorer(storage, Clock.systemUTC());
        Path out = outDir.resolve("gap.db");
        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason());
        assertTrue(Files.notExists(out));
        RestoreAssertions.assertNoLeftovers(out);
    }

    @Test
    void aGapAtTheEndIsAnErrorForLatest() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 8);
        history.writeSegment(storage, 12, 12);

        assertTrue(notRestorable(RestoreTarget.latest()).getMessage().contains("txids 9..11 are missing"));
    }

    @Test
    void aTxidBeyondTheReplicaIsRefused() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 12);

        String message = notRestorable(RestoreTarget.txid(13)).getMessage();
        assertTrue(message.contains("txid 13 is beyond replica"), message);
        assertTrue(message.contains("latest txid is 12"), message);
    }

    @Test
    void aTargetBeforeTheOldestSnapshotIsRefused() throws Exception {
        history.writeSnapshot(storage, 5);
        history.writeSegment(storage, 6, 12);

        assertTrue(notRestorable(RestoreTarget.txid(3)).getMessage().contains("oldest snapshot is " + DatabaseHistory.snapshotKey(5)));
        String byTime = notRestorable(RestoreTarget.timestamp(DatabaseHistory.timeOf(5).minusMillis(1))).getMessage();
        assertTrue(byTime.contains("before the oldest snapshot"), byTime);
        assertEquals(5, plan(RestoreTarget.timestamp(DatabaseHistory.timeOf(5))).lastTxid());
    }

    @Test
    void aReplicaWithoutSnapshotsHasNothingToRestore() throws Exception {
        history.writeSegment(storage, 2, 12);

        assertTrue(notRestorable(RestoreTarget.latest()).getMessage().contains("holds no snapshot"));
    }
}
