package io.walship.restore;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything in a replica with its times, as {@code walship ls} shows it.
 *
 * @param replica    the replica's description, such as {@code file:///backups/app}
 * @param snapshots  snapshots whose times are known (from the key, or from a header read and checked), in txid order
 * @param segments   segments whose times are known, in txid order
 * @param unreadable objects whose header is corrupt or contradicts the key, so an operator sees them too
 * @param latestTxid the highest txid any object's key names, 0 for an empty replica
 * @param conflicts  objects no restore may combine: several lineages, overlapping segments, duplicate snapshots
 */
public record ReplicaListing(String replica, List<Entry> snapshots, List<Entry> segments, List<Unreadable> unreadable,
                             long latestTxid, List<HistoryConflict> conflicts) {

    public ReplicaListing {
        snapshots = List.copyOf(snapshots);
        segments = List.copyOf(segments);
        unreadable = List.copyOf(unreadable);
        conflicts = List.copyOf(conflicts);
    }

    /** The lineages of every listed object, usable or not, in order. */
    public SortedSet<Lineage> lineages() {
        SortedSet<Lineage> out = new TreeSet<>();
        snapshots.forEach(e -> out.add(e.object().lineage()));
        segments.forEach(e -> out.add(e.object().lineage()));
        unreadable.forEach(u -> out.add(u.object().lineage()));
        return out;
    }

    /** The same listing restricted to one lineage's objects and conflicts. */
    public ReplicaListing only(Lineage lineage) {
        return new ReplicaListing(replica,
                snapshots.stream().filter(e -> e.object().lineage().equals(lineage)).toList(),
                segments.stream().filter(e -> e.object().lineage().equals(lineage)).toList(),
                unreadable.stream().filter(u -> u.object().lineage().equals(lineage)).toList(),
                latestTxid(lineage),
                conflicts.stream().filter(c -> !(c instanceof HistoryConflict.MixedLineages)
                        && c.objects().get(0).lineage().equals(lineage)).toList());
    }

    private long latestTxid(Lineage lineage) {
        long latest = 0;
        for (Entry e : snapshots) {
            latest = e.object().lineage().equals(lineage) ? Math.max(latest, e.object().lastTxid()) : latest;
        }
        for (Entry e : segments) {
            latest = e.object().lineage().equals(lineage) ? Math.max(latest, e.object().lastTxid()) : latest;
        }
        for (Unreadable u : unreadable) {
            latest = u.object().lineage().equals(lineage) ? Math.max(latest, u.object().lastTxid()) : latest;
        }
        return latest;
    }

    /**
     * The restorable windows and gaps as the keys and readable headers show them, and every listed object counted by
     * kind. Meaningful for one lineage: with several, use {@link #summaries()}. The listing cannot show a corrupt
     * payload: {@link ReplicaVerifier} reads every object to its end for that.
     */
    public ReplicaSummary summary() {
        List<ReplicaObject> all = new ArrayList<>();
        snapshots.forEach(e -> all.add(e.object()));
        segments.forEach(e -> all.add(e.object()));
        unreadable.forEach(u -> all.add(u.object()));
        return ReplicaSummary.of(RestorableHistory.of(snapshots, segments, latestTxid), all, latestTxid);
    }

    /** One summary per lineage, in lineage order. */
    public SortedMap<Lineage, ReplicaSummary> summaries() {
        SortedMap<Lineage, ReplicaSummary> out = new TreeMap<>();
        for (Lineage l : lineages()) {
            out.put(l, only(l).summary());
        }
        return out;
    }

    /**
     * One object and its times.
     *
     * @param header the object's header when it was read (a version-1 object, whose key holds no times); a
     *               version-2 object is listed from its key alone
     */
    public record Entry(ReplicaObject object, Instant firstTime, Instant lastTime, Optional<ObjectHeader> header) {
        /** An entry for an object whose header was read and checked against its key. */
        public Entry(ReplicaObject object, ObjectHeader header) {
            this(object, header.firstTime(), header.lastTime(), Optional.of(header));
        }
    }

    /** One object whose header could not be used, with the reason. */
    public record Unreadable(ReplicaObject object, String problem) {
    }
}
