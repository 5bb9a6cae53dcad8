package io.walship.replicator;

import io.walship.config.CompactionSettings;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What one compaction pass does for one lineage, worked out from a listing alone: no storage access, no clock of its
 * own.
 *
 * <p>The rules, which keep every txid restorable and never produce objects a restore refuses to combine
 * ({@code HistoryConflict} in the restore module):
 * <ul>
 *   <li><b>Cover.</b> A segment is covered when a segment of a higher level holds all of its txids. The uncovered
 *       segments (the "top cover") hold every txid any segment holds, each exactly once.</li>
 *   <li><b>Merges.</b> For level {@code n} from the highest down to 1, the uncovered segments of levels below {@code n}
 *       are cut into runs: consecutive txids (a txid no segment holds, as at a snapshot that starts a new chain, ends
 *       a run), the same window of level {@code n}'s interval by their first transaction's time (windows are aligned
 *       to the epoch), and at most {@code maxMergeBytes} listed bytes. A run of at least two segments whose window has
 *       ended, plus a settling delay ({@link #settle}) for its last segments to be shipped, becomes one segment of
 *       level {@code n}. Its inputs are uncovered, so it overlaps no segment of its own or a higher level, and every
 *       lower-level segment it shares a txid with lies inside it. A segment shipped late into a window already merged
 *       goes into a later merge of its own; nothing is ever rewritten.</li>
 *   <li><b>Deletions.</b> A covered segment is deleted once a segment covering it has been in the replica for the
 *       settings' input retention, so that a restore that listed the replica before the merge can still read it.</li>
 *   <li><b>Conflicts.</b> When the lineage's segments already overlap (two of one level share a txid, or a higher one
 *       holds part of a lower one), nothing is merged or deleted: that history needs an operator, and a merge could
 *       only make it worse.</li>
 * </ul>
 * Levels are processed from the highest down, so that a window whose longer level has ended too is merged once, into
 * the longer level, instead of first into each level below it.
 *
 * @param merges    what to write, highest level first; no merge takes another one's output as an input
 * @param deletions covered segments whose covering segment has been there long enough
 * @param nextDue   when the next pass has something to do that this one did not (a window ends, an input retention
 *                  passes); empty when nothing will be due unless new segments arrive
 * @param conflict  why nothing was planned, when the listing holds overlapping segments of the lineage
 */
record CompactionPlan(List<Merge> merges, List<ObjectKeys.ObjectName> deletions, Optional<Instant> nextDue,
                      Optional<String> conflict) {
    /** The most listed bytes merged into one object, so that a merge's temporary file and upload stay bounded. */
    static final long MAX_MERGE_BYTES = 512L << 20;
    /** The longest wait after a window ends before it is merged. */
    static final Duration MAX_SETTLE = Duration.ofSeconds(10);

    CompactionPlan {
        merges = List.copyOf(merges);
        deletions = List.copyOf(deletions);
    }

    /** An object of the listing: its parsed key and size in bytes. */
    record Listed(ObjectKeys.ObjectName name, long size) {
    }

    /** One merge: consecutive segments of lower levels into one segment of {@code level}. */
    record Merge(int level, List<ObjectKeys.ObjectName> inputs) {
        Merge {
            inputs = List.copyOf(inputs);
        }

        ObjectKeys.ObjectName output() {
            ObjectKeys.ObjectName first = inputs.get(0);
            ObjectKeys.ObjectName last = inputs.get(inputs.size() - 1);
            return ObjectKeys.parse(ObjectKeys.segment(level, first.firstTxid(), last.lastTxid(),
                    first.firstTime().orElseThrow(), last.lastTime().orElseThrow(), first.lineage())).orElseThrow();
        }
    }

    /**
     * How long after a level's window ends it is merged: a tenth of the interval, at most {@link #MAX_SETTLE}, so that
     * the shipper (which batches for its sync interval) has uploaded the window's last transactions.
     */
    static Duration settle(Duration interval) {
        Duration tenth = interval.dividedBy(10);
        return tenth.compareTo(MAX_SETTLE) > 0 ? MAX_SETTLE : tenth;
    }

    /**
     * Plans a pass.
     *
     * @param listing   everything the replica listed (other lineages, snapshots and version-1 keys are ignored)
     * @param writtenAt since when a segment has been in the replica, as far as the caller knows; asked only for
     *                  segments that cover others
     * @param skip      keys of segments found corrupt: they end runs, are never merged, and what they cover is never
     *                  deleted
     */
    static CompactionPlan compute(Collection<Listed> listing, Lineage lineage, CompactionSettings settings, Instant now,
                                  Function<String, Instant> writtenAt, Set<String> skip, long maxMergeBytes) {
        Segments segments = new Segments();
        for (Listed l : listing) {
            ObjectKeys.ObjectName n = l.name();
            if (n.kind() == ObjectKind.SEGMENT && n.lineage().equals(lineage) && n.hasTimes()) {
                segments.add(l, false);
            }
        }
        Optional<String> conflict = segments.conflict();
        if (conflict.isPresent()) {
            return new CompactionPlan(List.of(), List.of(), Optional.empty(), conflict);
        }
        List<Duration> levels = settings.levels();
        List<Merge> merges = new ArrayList<>();
        for (int level = levels.size(); level >= 1; level--) {
            for (List<Listed> run : segments.runs(level, levels.get(level - 1), skip, maxMergeBytes)) {
                if (run.size() >= 2 && !now.isBefore(closes(run, levels.get(level - 1)))) {
                    Merge m = new Merge(level, run.stream().map(Listed::name).toList());
                    merges.add(m);
                    segments.add(new Listed(m.output(), run.stream().mapToLong(Listed::size).sum()), true);
                }
            }
        }
        Instant due = null;
        for (int level = 1; level <= levels.size(); level++) {
            for (List<Listed> run : segments.runs(level, levels.get(level - 1), skip, maxMergeBytes)) {
                Instant closes = closes(run, levels.get(level - 1));
                if (run.size() >= 2 && now.isBefore(closes)) {
                    due = due == null || closes.isBefore(due) ? closes : due;
                }
            }
        }
        List<ObjectKeys.ObjectName> deletions = new ArrayList<>();
        for (Segments.Entry e : segments.real()) {
            Instant settled = null;
            for (Segments.Entry cover : segments.coverers(e)) {
                // A covering segment found corrupt holds nothing a restore can use: what it covers stays.
                if (!cover.planned && !skip.contains(cover.listed.name().key())) {
                    Instant t = writtenAt.apply(cover.listed.name().key()).plus(settings.inputRetention());
                    settled = settled == null || t.isBefore(settled) ? t : settled;
                }
            }
            if (settled == null) {
                continue;
            }
            if (!now.isBefore(settled)) {
                deletions.add(e.listed.name());
            } else {
                due = due == null || settled.isBefore(due) ? settled : due;
            }
        }
        return new CompactionPlan(merges, deletions, Optional.ofNullable(due), Optional.empty());
    }

    /** When the window of a run (the window of its first segment) has ended and settled. */
    static Instant closes(List<Listed> run, Duration interval) {
        return windowEnd(run.get(0).name(), interval).plus(settle(interval));
    }

    /** The end of the window of {@code interval} that holds the segment's first transaction. */
    static Instant windowEnd(ObjectKeys.ObjectName segment, Duration interval) {
        long ms = interval.toMillis();
        long window = Math.floorDiv(segment.firstTime().orElseThrow().toEpochMilli(), ms);
        return Instant.ofEpochMilli((window + 1) * ms);
    }

    /** One lineage's segments by level, each level ordered by first txid; planned merges are added as they are planned. */
    private static final class Segments {
        private final Map<Integer, TreeMap<Long, Entry>> byLevel = new TreeMap<>();
        /** Listed segments that start where another of their level starts; only the conflict check needs them. */
        private final List<Entry> duplicates = new ArrayList<>();

        private static final class Entry {
            final Listed listed;
            final boolean planned;

            Entry(Listed listed, boolean planned) {
                this.listed = listed;
                this.planned = planned;
            }

            long first() {
                return listed.name().firstTxid();
            }

            long last() {
                return listed.name().lastTxid();
            }

            int level() {
                return listed.name().level();
            }
        }

        void add(Listed l, boolean planned) {
            TreeMap<Long, Entry> level = byLevel.computeIfAbsent(l.name().level(), k -> new TreeMap<>());
            Entry before = level.put(l.name().firstTxid(), new Entry(l, planned));
            if (before != null && !planned) {
                // Two listed segments of one level starting at one txid: keep both visible to the conflict check.
                level.put(l.name().firstTxid(), before);
                duplicates.add(new Entry(l, false));
            }
        }

        List<Entry> real() {
            List<Entry> out = new ArrayList<>();
            for (TreeMap<Long, Entry> level : byLevel.values()) {
                for (Entry e : level.values()) {
                    if (!e.planned) {
                        out.add(e);
                    }
                }
            }
            return out;
        }

        /** Overlapping segments of one level, or a higher-level one holding part of a lower one: the first found. */
        Optional<String> conflict() {
            if (!duplicates.isEmpty()) {
                Entry d = duplicates.get(0);
                return Optional.of("segments " + byLevel.get(d.level()).get(d.first()).listed.name().key() + " and "
                        + d.listed.name().key() + " both start at txid " + d.first());
            }
            for (TreeMap<Long, Entry> level : byLevel.values()) {
                Entry previous = null;
                for (Entry e : level.values()) {
                    if (previous != null && e.first() <= previous.last()) {
                        return Optional.of("segments " + previous.listed.name().key() + " and " + e.listed.name().key()
                                + " of one level share txids");
                    }
                    previous = e;
                }
            }
            for (TreeMap<Long, Entry> level : byLevel.values()) {
                for (Entry e : level.values()) {
                    for (Map.Entry<Integer, TreeMap<Long, Entry>> higher : byLevel.entrySet()) {
                        if (higher.getKey() <= e.level()) {
                            continue;
                        }
                        // Within a level segments are disjoint (checked above): only the one starting at or before
                        // e's last txid can share a txid with e and start before it; any other starts inside e.
                        Map.Entry<Long, Entry> floor = higher.getValue().floorEntry(e.last());
                        if (floor != null && floor.getValue().last() >= e.first() && !contains(floor.getValue(), e)) {
                            return Optional.of("level-" + higher.getKey() + " segment "
                                    + floor.getValue().listed.name().key() + " holds part of level-" + e.level()
                                    + " segment " + e.listed.name().key());
                        }
                    }
                }
            }
            return Optional.empty();
        }

        private static boolean contains(Entry outer, Entry inner) {
            return outer.first() <= inner.first() && inner.last() <= outer.last();
        }

        /** The segments of higher levels than {@code e} that hold all of its txids (at most one per level). */
        List<Entry> coverers(Entry e) {
            List<Entry> out = new ArrayList<>();
            for (Map.Entry<Integer, TreeMap<Long, Entry>> level : byLevel.entrySet()) {
                if (level.getKey() > e.level()) {
                    Map.Entry<Long, Entry> floor = level.getValue().floorEntry(e.first());
                    if (floor != null && contains(floor.getValue(), e)) {
                        out.add(floor.getValue());
                    }
                }
            }
            return out;
        }

        /**
         * The runs level {@code n} could merge: uncovered segments of lower levels, cut where txids do not follow each
         * other, where the window of {@code interval} changes, where {@code maxBytes} would be passed, and at segments
         * to {@code skip} (left out).
         */
        List<List<Listed>> runs(int n, Duration interval, Set<String> skip, long maxBytes) {
            List<Entry> candidates = new ArrayList<>();
            for (Map.Entry<Integer, TreeMap<Long, Entry>> level : byLevel.entrySet()) {
                if (level.getKey() >= n) {
                    continue;
                }
                for (Entry e : level.getValue().values()) {
                    if (coverers(e).isEmpty()) {
                        candidates.add(e);
                    }
                }
            }
            candidates.sort(Comparator.comparingLong(Entry::first));
            List<List<Listed>> runs = new ArrayList<>();
            List<Listed> run = new ArrayList<>();
            long bytes = 0;
            Instant window = null;
            for (Entry c : candidates) {
                Listed prev = run.isEmpty() ? null : run.get(run.size() - 1);
                Instant w = windowEnd(c.listed.name(), interval);
                boolean skipped = skip.contains(c.listed.name().key());
                if (prev != null && (skipped || c.first() != prev.name().lastTxid() + 1 || !w.equals(window)
                        || bytes + c.listed.size() > maxBytes)) {
                    runs.add(run);
                    run = new ArrayList<>();
                    bytes = 0;
                }
                if (skipped) {
                    continue;
                }
                run.add(c.listed);
                bytes += c.listed.size();
                window = w;
            }
            if (!run.isEmpty()) {
                runs.add(run);
            }
            return runs;
        }
    }
}
