package io.walship.replica;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which objects of one lineage retention may delete, worked out from a listing alone: no storage access, no clock.
 *
 * <p>The rule: the <em>anchor</em> is the newest snapshot of the lineage taken at or before the window's start. Every
 * point inside the window is restorable from the anchor or a newer snapshot plus the segments after it, so snapshots
 * older than the anchor and segments (of any level) that end at or before its txid can go. When no snapshot is that
 * old yet there is no anchor and nothing is deleted by that rule; the newest snapshot is therefore never deleted.
 *
 * <p>Compaction writes a segment of a higher level holding exactly the transactions of a run of lower-level segments.
 * A lower-level segment after the anchor is deleted only when a segment of a higher level that holds all of its txids
 * is in the same listing, so every txid after the anchor stays restorable whichever of the two a restore reads.
 * Objects of other lineages are never deleted: they are another writer's history, or an old one an operator decides
 * about.
 *
 * @param anchor  the snapshot every kept point is restored from or after, empty when no snapshot is old enough
 * @param delete  the keys to delete, snapshots first, each kind in txid order
 * @param covered the subset of {@code delete} that are lower-level segments after the anchor, held by a compacted one
 */
public record RetentionPlan(Optional<ObjectKeys.ObjectName> anchor, List<String> delete, List<String> covered) {

    public RetentionPlan {
        delete = List.copyOf(delete);
        covered = List.copyOf(covered);
    }

    /** Where a snapshot's time comes from when its key does not say (a version-1 key): its header, read by the caller. */
    @FunctionalInterface
    public interface SnapshotTimes {
        Instant timeOf(ObjectKeys.ObjectName snapshot) throws IOException;
    }

    /**
     * Plans retention for {@code lineage}.
     *
     * @param objects     everything the replica listed (other lineages are ignored)
     * @param windowStart the oldest time that must stay restorable
     * @param legacyTimes times of snapshots whose key holds none; asked only for such snapshots
     * @throws IOException when {@code legacyTimes} fails
     */
    public static RetentionPlan compute(Collection<ObjectKeys.ObjectName> objects, Lineage lineage, Instant windowStart,
                                        SnapshotTimes legacyTimes) throws IOException {
        List<ObjectKeys.ObjectName> mine = objects.stream().filter(o -> o.lineage().equals(lineage))
                .sorted(Comparator.comparingLong(ObjectKeys.ObjectName::firstTxid)
                        .thenComparingLong(ObjectKeys.ObjectName::lastTxid))
                .toList();
        ObjectKeys.ObjectName anchor = null;
        // Newest first, so that at most the snapshots newer than the anchor and the anchor itself need a time.
        for (int i = mine.size() - 1; i >= 0 && anchor == null; i--) {
            ObjectKeys.ObjectName o = mine.get(i);
            if (o.kind() == ObjectKind.SNAPSHOT) {
                Instant t = o.firstTime().isPresent() ? o.firstTime().get() : legacyTimes.timeOf(o);
                if (!t.isAfter(windowStart)) {
                    anchor = o;
                }
            }
        }
        List<String> snapshots = new ArrayList<>();
        List<String> segments = new ArrayList<>();
        List<String> covered = new ArrayList<>();
        long keepFrom = anchor == null ? 0 : anchor.firstTxid();
        List<ObjectKeys.ObjectName> compacted = mine.stream()
                .filter(o -> o.kind() == ObjectKind.SEGMENT && o.level() > 0).toList();
        for (ObjectKeys.ObjectName o : mine) {
            if (o.kind() == ObjectKind.SNAPSHOT) {
                if (o.firstTxid() < keepFrom) {
                    snapshots.add(o.key());
                }
            } else if (o.lastTxid() <= keepFrom) {
                segments.add(o.key());
            } else if (coveredByHigherLevel(o, compacted)) {
                segments.add(o.key());
                covered.add(o.key());
            }
        }
        List<String> delete = new ArrayList<>(snapshots);
        delete.addAll(segments);
        return new RetentionPlan(Optional.ofNullable(anchor), delete, covered);
    }

    private static boolean coveredByHigherLevel(ObjectKeys.ObjectName segment, List<ObjectKeys.ObjectName> all) {
        for (ObjectKeys.ObjectName o : all) {
            if (o.kind() == ObjectKind.SEGMENT && o.level() > segment.level() && o.firstTxid() <= segment.firstTxid()
                    && segment.lastTxid() <= o.lastTxid()) {
                return true;
            }
        }
        return false;
    }
}
