package io.walship.restore;

import io.walship.replica.Lineage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Objects a restore must never combine, found from their keys alone. Restore, {@code ls} and {@code verify} all apply
 * these rules, so what one of them refuses the others report.
 *
 * <ul>
 *   <li>{@link MixedLineages}: the replica path holds more than one lineage (two writers, or a history started over);
 *       each is a separate history, and one must be chosen. Legacy (version-1) objects count as one lineage.</li>
 *   <li>{@link OverlappingSegments}: within one lineage, two segments of the same level share a txid, as when two
 *       writers ship to one path.</li>
 *   <li>{@link PartialCover}: a segment of a higher level shares txids with a lower-level one without holding all of
 *       them. A compacted segment holds exactly a run of lower-level segments, so that is fine; a partial overlap is
 *       not.</li>
 *   <li>{@link DuplicateSnapshots}: two snapshots of one lineage at the same txid.</li>
 * </ul>
 */
public sealed interface HistoryConflict permits HistoryConflict.MixedLineages, HistoryConflict.OverlappingSegments,
        HistoryConflict.PartialCover, HistoryConflict.DuplicateSnapshots {

    /** The objects at fault, so that a message names them. */
    List<ReplicaObject> objects();

    /** One line naming the objects and the problem. */
    String describe();

    /** The replica holds several lineages; {@code examples} has one object of each, in lineage order. */
    record MixedLineages(List<ReplicaObject> examples) implements HistoryConflict {
        public MixedLineages {
            examples = List.copyOf(examples);
        }

        @Override
        public List<ReplicaObject> objects() {
            return examples;
        }

        public List<Lineage> lineages() {
            return examples.stream().map(ReplicaObject::lineage).toList();
        }

        @Override
        public String describe() {
            return "the replica holds " + examples.size() + " lineages (separate histories, as written by two"
                    + " walships on one path or by a history started over): " + examples.stream()
                    .map(o -> o.lineage() + " (such as " + o.key() + ")").collect(Collectors.joining(", "))
                    + "; choose one with --lineage";
        }
    }

    /** Two segments of one lineage and level hold the same txids. */
    record OverlappingSegments(ReplicaObject first, ReplicaObject second) implements HistoryConflict {
        @Override
        public List<ReplicaObject> objects() {
            return List.of(first, second);
        }

        @Override
        public String describe() {
            return "segments " + first.key() + " and " + second.key() + " of level " + first.level()
                    + " both hold txids " + Math.max(first.firstTxid(), second.firstTxid()) + ".."
                    + Math.min(first.lastTxid(), second.lastTxid()) + " (two writers on one replica path?)";
        }
    }

    /** A higher-level segment shares txids with a lower-level one without holding all of them. */
    record PartialCover(ReplicaObject higher, ReplicaObject lower) implements HistoryConflict {
        @Override
        public List<ReplicaObject> objects() {
            return List.of(higher, lower);
        }

        @Override
        public String describe() {
            return "level-" + higher.level() + " segment " + higher.key() + " overlaps level-" + lower.level()
                    + " segment " + lower.key() + " without holding all of its txids";
        }
    }

    /** Two snapshots of one lineage at one txid. */
    record DuplicateSnapshots(ReplicaObject first, ReplicaObject second) implements HistoryConflict {
        @Override
        public List<ReplicaObject> objects() {
            return List.of(first, second);
        }

        @Override
        public String describe() {
            return "snapshots " + first.key() + " and " + second.key() + " are both at txid " + first.lastTxid();
        }
    }

    /** The objects grouped by lineage, lineages in order. */
    static SortedMap<Lineage, List<ReplicaObject>> byLineage(Collection<ReplicaObject> objects) {
        SortedMap<Lineage, List<ReplicaObject>> out = new TreeMap<>();
        for (ReplicaObject o : objects) {
            out.computeIfAbsent(o.lineage(), l -> new ArrayList<>()).add(o);
        }
        return out;
    }

    /** A {@link MixedLineages} when the objects belong to more than one lineage. */
    static Optional<HistoryConflict> mixedLineages(Collection<ReplicaObject> objects) {
        SortedMap<Lineage, List<ReplicaObject>> groups = byLineage(objects);
        if (groups.size() < 2) {
            return Optional.empty();
        }
        List<ReplicaObject> examples = new ArrayList<>();
        for (List<ReplicaObject> group : groups.values()) {
            // The newest object of each lineage is the one an operator recognises.
            examples.add(group.stream().max(Comparator.comparingLong(ReplicaObject::lastTxid)).orElseThrow());
        }
        return Optional.of(new MixedLineages(examples));
    }

    /**
     * The conflicts among objects of one lineage: same-level overlaps, partial overlaps across levels and duplicate
     * snapshots, each pair reported once, in txid order.
     */
    static List<HistoryConflict> withinLineage(Collection<ReplicaObject> objects) {
        List<HistoryConflict> out = new ArrayList<>();
        Comparator<ReplicaObject> byTxid = Comparator.comparingLong(ReplicaObject::firstTxid)
                .thenComparingLong(ReplicaObject::lastTxid).thenComparing(ReplicaObject::key);
        Map<Long, ReplicaObject> snapshots = new TreeMap<>();
        SortedMap<Integer, List<ReplicaObject>> levels = new TreeMap<>();
        for (ReplicaObject o : objects.stream().sorted(byTxid).toList()) {
            if (o.isSnapshot()) {
                ReplicaObject before = snapshots.putIfAbsent(o.lastTxid(), o);
                if (before != null) {
                    out.add(new DuplicateSnapshots(before, o));
                }
            } else {
                levels.computeIfAbsent(o.level(), l -> new ArrayList<>()).add(o);
            }
        }
        // Same level: sorted by first txid, a segment overlaps an earlier one exactly when it starts at or before the
        // furthest end seen so far.
        for (List<ReplicaObject> level : levels.values()) {
            ReplicaObject furthest = null;
            for (ReplicaObject s : level) {
                if (furthest != null && s.firstTxid() <= furthest.lastTxid()) {
                    out.add(new OverlappingSegments(furthest, s));
                }
                if (furthest == null || s.lastTxid() > furthest.lastTxid()) {
                    furthest = s;
                }
            }
        }
        // Across levels: every lower-level segment that shares a txid with a higher-level one must lie inside it.
        List<Integer> levelNumbers = new ArrayList<>(levels.keySet());
        for (int hi = 1; hi < levelNumbers.size(); hi++) {
            List<ReplicaObject> higher = levels.get(levelNumbers.get(hi));
            for (int lo = 0; lo < hi; lo++) {
                for (ReplicaObject lower : levels.get(levelNumbers.get(lo))) {
                    for (ReplicaObject h : overlapping(higher, lower)) {
                        if (!h.contains(lower)) {
                            out.add(new PartialCover(h, lower));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The segments of {@code sorted} (by first txid) that share a txid with {@code s}. */
    private static List<ReplicaObject> overlapping(List<ReplicaObject> sorted, ReplicaObject s) {
        int lo = 0;
        int hi = sorted.size();
        while (lo < hi) { // first index whose first txid is beyond s's last
            int mid = (lo + hi) >>> 1;
            if (sorted.get(mid).firstTxid() <= s.lastTxid()) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        List<ReplicaObject> out = new ArrayList<>();
        for (int i = lo - 1; i >= 0; i--) {
            ReplicaObject h = sorted.get(i);
            if (h.overlaps(s)) {
                out.add(h);
            } else {
                // Within a level without overlaps (an overlap is reported on its own), ends ascend with starts:
                // nothing earlier reaches s.
                break;
            }
        }
        return out;
    }
}
