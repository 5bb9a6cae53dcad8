package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Restorable windows and gaps worked out from object headers, by the planner's rules. */
@SuppressWarnings("deprecation")
class RestorableHistoryTest {
    private final List<ReplicaListing.Entry> snapshots = new ArrayList<>();
    private final List<ReplicaListing.Entry> segments = new ArrayList<>();

    private static Instant time(long txid) {
        return DatabaseHistory.timeOf(txid);
    }

    private RestorableHistoryTest snapshot(long txid) {
        ObjectHeader h = new ObjectHeader(ObjectKind.SNAPSHOT, 4096, 3, txid, txid, time(txid), time(txid), 3);
        snapshots.add(new ReplicaListing.Entry(ReplicaObject.of(ObjectKeys.parse(ObjectKeys.snapshot(txid)).orElseThrow(),
                100), h));
        return this;
    }

    private RestorableHistoryTest segment(long first, long last) {
        ObjectHeader h = new ObjectHeader(ObjectKind.SEGMENT, 4096, 3, first, last, time(first), time(last),
                last - first + 1);
        // Added at the front, so the computation cannot rely on the order it is given.
        segments.add(0, new ReplicaListing.Entry(ReplicaObject.of(ObjectKeys.parse(ObjectKeys.segment(first, last))
                .orElseThrow(), 10), h));
        return this;
    }

    private RestorableHistory history(long latest) {
        return RestorableHistory.of(snapshots, segments, latest);
    }

    private static RestorableHistory.Window window(long first, long last) {
        return new RestorableHistory.Window(first, time(first), last, time(last));
    }

    private static RestorableHistory.Gap gap(long first, long last) {
        return new RestorableHistory.Gap(first, last);
    }

    @Test
    void contiguousSegmentsFromOneSnapshotAreOneWindow() {
        RestorableHistory h = snapshot(1).segment(2, 4).segment(5, 8).segment(9, 12).history(12);

        assertEquals(List.of(window(1, 12)), h.windows());
        assertEquals(List.of(), h.gaps());
        assertTrue(h.complete());
    }

    @Test
    void overlappingAndStraddlingSegmentsJoinTheirRuns() {
        RestorableHistory h = snapshot(1).snapshot(5).segment(2, 6).segment(4, 9).segment(7, 12).segment(10, 11)
                .history(12);

        assertEquals(List.of(window(1, 12)), h.windows());
        assertTrue(h.complete());
    }

    @Test
    void aMissingSegmentSplitsTheHistoryIntoTwoWindowsWithAGap() {
        RestorableHistory h = snapshot(1).segment(2, 4).segment(7, 12).snapshot(7).history(12);

        assertEquals(List.of(window(1, 4), window(7, 12)), h.windows());
        assertEquals(List.of(gap(5, 6)), h.gaps());
        assertEquals("txids 5..6", h.gaps().get(0).describe());
        assertFalse(h.complete());
    }

    @Test
    void missingTxidsAtTheEndAreAGapUpToTheLatestTxid() {
        RestorableHistory h = snapshot(1).segment(2, 8).segment(12, 12).history(12);

        assertEquals(List.of(window(1, 8)), h.windows());
        assertEquals(List.of(gap(9, 12)), h.gaps());
    }

    @Test
    void aSnapshotAfterLostContinuityTouchesThePreviousWindowWithoutAGap() {
        // Txid 6 is the new chain's snapshot, which no segment holds.
        RestorableHistory h = snapshot(1).segment(2, 5).snapshot(6).segment(7, 9).history(9);

        assertEquals(List.of(window(1, 9)), h.windows());
        assertEquals(List.of(), h.gaps());
    }

    @Test
    void txidsBeforeTheOldestSnapshotAreNotAGap() {
        RestorableHistory h = segment(1, 3).segment(4, 6).snapshot(5).segment(7, 9).history(9);

        assertEquals(List.of(window(5, 9)), h.windows());
        assertEquals(List.of(), h.gaps());
    }

    @Test
    void aSnapshotAloneIsAWindowOfOneTxid() {
        RestorableHistory h = snapshot(3).history(3);

        assertEquals(List.of(window(3, 3)), h.windows());
        assertTrue(h.complete());
    }

    @Test
    void withoutASnapshotNothingIsRestorable() {
        RestorableHistory h = segment(1, 4).history(4);

        assertEquals(List.of(), h.windows());
        assertEquals(List.of(), h.gaps());
        assertFalse(h.complete());
    }

    @Test
    void aSnapshotNewerThanEverySegmentEndsTheLastWindow() {
        RestorableHistory h = snapshot(1).segment(2, 4).snapshot(9).history(9);

        assertEquals(List.of(window(1, 4), window(9, 9)), h.windows());
        assertEquals(List.of(gap(5, 8)), h.gaps());
    }
}
