package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Retention from a listing: the anchor rule, levels (a covered lower-level segment goes only when the covering one is
 * there), other lineages left alone, and version-1 snapshots whose time is asked for. Each plan is also checked by
 * brute force: every txid from the anchor to the latest stays restorable from what is kept.
 */
@SuppressWarnings("deprecation")
class RetentionPlanTest {
    private static final Lineage L = new Lineage(0xabcL);
    private static final Lineage OTHER = new Lineage(0xdefL);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant at(long txid) {
        return T0.plusSeconds(txid);
    }

    private static ObjectKeys.ObjectName snapshot(long txid, Lineage lineage) {
        return ObjectKeys.parse(ObjectKeys.snapshot(txid, at(txid), lineage)).orElseThrow();
    }

    private static ObjectKeys.ObjectName segment(int level, long first, long last, Lineage lineage) {
        return ObjectKeys.parse(ObjectKeys.segment(level, first, last, at(first), at(last), lineage)).orElseThrow();
    }

    private static final RetentionPlan.SnapshotTimes NO_LOOKUP = s -> {
        throw new AssertionError("asked for the time of " + s.key());
    };

    @Test
    void theNewestSnapshotAtOrBeforeTheWindowStartIsTheAnchor() throws IOException {
        List<ObjectKeys.ObjectName> objects = List.of(snapshot(1, L), segment(0, 2, 5, L), segment(0, 6, 10, L),
                snapshot(10, L), segment(0, 11, 20, L), snapshot(20, L), segment(0, 21, 25, L));
        RetentionPlan plan = RetentionPlan.compute(objects, L, at(15), NO_LOOKUP);
        assertEquals(Optional.of(snapshot(10, L)), plan.anchor());
        assertEquals(List.of(snapshot(1, L).key(), segment(0, 2, 5, L).key(), segment(0, 6, 10, L).key()), plan.delete());
        assertRestorableAfterAnchor(objects, plan);

        RetentionPlan none = RetentionPlan.compute(objects, L, at(0), NO_LOOKUP);
        assertEquals(Optional.empty(), none.anchor());
        assertEquals(List.of(), none.delete(), "no snapshot is old enough: nothing goes");

        RetentionPlan late = RetentionPlan.compute(objects, L, at(1000), NO_LOOKUP);
        assertEquals(Optional.of(snapshot(20, L)), late.anchor(), "the newest snapshot is never deleted");
        assertTrue(!late.delete().contains(snapshot(20, L).key()) && !late.delete().contains(segment(0, 21, 25, L).key()));
        assertRestorableAfterAnchor(objects, late);
    }

    @Test
    void coveredLowerLevelSegmentsGoOnlyWhenTheCoveringSegmentExists() throws IOException {
        List<ObjectKeys.ObjectName> objects = new ArrayList<>(List.of(snapshot(1, L), segment(0, 2, 5, L),
                segment(0, 6, 8, L), segment(0, 9, 12, L), segment(0, 13, 14, L), segment(1, 6, 12, L)));
        RetentionPlan plan = RetentionPlan.compute(objects, L, at(1), NO_LOOKUP);
        assertEquals(Optional.of(snapshot(1, L)), plan.anchor());
        assertEquals(List.of(segment(0, 6, 8, L).key(), segment(0, 9, 12, L).key()), plan.covered());
        assertEquals(plan.covered(), plan.delete(), "the level-1 segment stays, and what it does not cover");
        assertRestorableAfterAnchor(objects, plan);

        // Without the compacted segment the same level-0 segments are needed and stay.
        objects.remove(segment(1, 6, 12, L));
        RetentionPlan without = RetentionPlan.compute(objects, L, at(1), NO_LOOKUP);
        assertEquals(List.of(), without.delete());
        assertRestorableAfterAnchor(objects, without);

        // A level-2 segment covering level-1 and level-0 ones: both lower levels go, the highest stays.
        List<ObjectKeys.ObjectName> three = List.of(snapshot(1, L), segment(0, 2, 3, L), segment(0, 4, 6, L),
                segment(1, 2, 6, L), segment(0, 7, 9, L), segment(2, 2, 9, L), segment(0, 10, 11, L));
        RetentionPlan p3 = RetentionPlan.compute(three, L, at(1), NO_LOOKUP);
        assertEquals(new TreeSet<>(List.of(segment(0, 2, 3, L).key(), segment(0, 4, 6, L).key(), segment(1, 2, 6, L).key(),
                segment(0, 7, 9, L).key())), new TreeSet<>(p3.delete()));
        assertRestorableAfterAnchor(three, p3);
    }

    @Test
    void aCompactedSegmentStraddlingTheAnchorIsKeptAndCoversWhatFollows() throws IOException {
        List<ObjectKeys.ObjectName> objects = List.of(snapshot(1, L), segment(0, 2, 4, L), segment(0, 5, 7, L),
                segment(1, 2, 7, L), snapshot(5, L), segment(0, 8, 9, L));
        RetentionPlan plan = RetentionPlan.compute(objects, L, at(6), NO_LOOKUP);
        assertEquals(Optional.of(snapshot(5, L)), plan.anchor());
        assertEquals(List.of(snapshot(1, L).key(), segment(0, 2, 4, L).key(), segment(0, 5, 7, L).key()), plan.delete());
        assertRestorableAfterAnchor(objects, plan);
    }

    @Test
    void otherLineagesAreNeverDeleted() throws IOException {
        List<ObjectKeys.ObjectName> objects = List.of(snapshot(1, OTHER), segment(0, 2, 9, OTHER), snapshot(1, L),
                segment(0, 2, 4, L), snapshot(4, L));
        RetentionPlan plan = RetentionPlan.compute(objects, L, at(100), NO_LOOKUP);
        assertEquals(List.of(snapshot(1, L).key(), segment(0, 2, 4, L).key()), plan.delete());
    }

    @Test
    void legacySnapshotTimesAreAskedForNewestFirstAndOnlyAsFarAsTheAnchor() throws IOException {
        List<ObjectKeys.ObjectName> objects = new ArrayList<>();
        for (long t : new long[] {1, 10, 20, 30}) {
            objects.add(ObjectKeys.parse(ObjectKeys.snapshot(t)).orElseThrow());
        }
        objects.add(ObjectKeys.parse(ObjectKeys.segment(2, 9)).orElseThrow());
        objects.add(ObjectKeys.parse(ObjectKeys.segment(11, 35)).orElseThrow());
        Map<String, Integer> asked = new HashMap<>();
        RetentionPlan plan = RetentionPlan.compute(objects, Lineage.LEGACY, at(25), s -> {
            asked.merge(s.key(), 1, Integer::sum);
            return at(s.firstTxid());
        });
        assertEquals(ObjectKeys.snapshot(20), plan.anchor().orElseThrow().key());
        assertEquals(Map.of(ObjectKeys.snapshot(30), 1, ObjectKeys.snapshot(20), 1), asked);
        assertEquals(List.of(ObjectKeys.snapshot(1), ObjectKeys.snapshot(10), ObjectKeys.segment(2, 9)), plan.delete());
    }

    /** Brute force: from the anchor, every txid up to the latest is held by some kept segment. */
    private static void assertRestorableAfterAnchor(List<ObjectKeys.ObjectName> objects, RetentionPlan plan) {
        long latest = objects.stream().mapToLong(ObjectKeys.ObjectName::lastTxid).max().orElse(0);
        List<ObjectKeys.ObjectName> kept = objects.stream().filter(o -> !plan.delete().contains(o.key())).toList();
        long from = plan.anchor().map(ObjectKeys.ObjectName::firstTxid)
                .orElse(objects.stream().filter(o -> o.kind() == ObjectKind.SNAPSHOT)
                        .mapToLong(ObjectKeys.ObjectName::firstTxid).min().orElse(0));
        assertTrue(kept.stream().anyMatch(o -> o.kind() == ObjectKind.SNAPSHOT && o.firstTxid() == from), "anchor kept");
        for (long t = from + 1; t <= latest; t++) {
            final long txid = t;
            boolean held = kept.stream().anyMatch(o -> o.kind() == ObjectKind.SEGMENT && o.firstTxid() <= txid
                    && txid <= o.lastTxid());
            assertTrue(held, "txid " + t + " is still held after retention " + plan);
        }
    }
}
