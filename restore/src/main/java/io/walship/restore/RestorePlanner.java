package io.walship.restore;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the objects a restore reads, before anything is downloaded, so that an unrestorable target fails fast and
 * says why.
 *
 * <p>The rules follow from how the replicator writes: txids are contiguous for the life of a replica, a snapshot at
 * txid N is the state right after N, and when the replicator loses continuity it takes a snapshot under a new txid
 * that no segment holds. So a restore to txid T starts from the newest snapshot at or before T (for a timestamp: the
 * newest taken at or before it) and needs segments holding every txid after the snapshot up to T. A txid that no
 * segment holds is a gap and an error naming the missing range: a restore never silently returns a shorter history.
 *
 * <p>Planning works from the listing alone for format-version-2 objects, whose keys name their times: a restore to a
 * timestamp reads no header. A version-1 object's header is read (one small range request) only when its time is
 * needed. The catalog must hold one lineage without conflicting objects ({@link ReplicaCatalog#conflicts()}); otherwise
 * planning fails naming them, since combining two histories would restore a database that never existed.
 *
 * <p>A snapshot found corrupt or missing can be excluded ({@link #plan(RestoreTarget, java.util.Set)}): the plan then
 * starts from the next older snapshot, which reaches the same target only if segments carry it all the way there.
 */
public final class RestorePlanner {
    private final ReplicaCatalog catalog;

    public RestorePlanner(ReplicaCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Plans a restore to {@code target}.
     *
     * @throws RestoreException {@link RestoreException.Reason#NOT_RESTORABLE} when the replica cannot reach the target,
     *                          {@link RestoreException.Reason#CONFLICTING_OBJECTS} when the catalog holds objects no
     *                          restore may combine ({@link ReplicaCatalog#conflicts()}: choose a lineage first), or a
     *                          corrupt, missing or unreadable reason when a version-1 header needed for its time fails
     */
    public RestorePlan plan(RestoreTarget target) throws RestoreException {
        return plan(target, Set.of());
    }

    /**
     * Plans a restore to {@code target} that starts from none of the {@code unusable} snapshots (keys of snapshots
     * found corrupt or missing when they were read), so that a restore can fall back to an older snapshot.
     *
     * @throws RestoreException as {@link #plan(RestoreTarget)}; {@link RestoreException#objectKey()} names the
     *                          snapshot when its header is corrupt or it is gone, so that the caller can exclude it
     */
    RestorePlan plan(RestoreTarget target, Set<String> unusable) throws RestoreException {
        List<HistoryConflict> conflicts = catalog.conflicts();
        if (!conflicts.isEmpty()) {
            throw conflict(catalog.replica(), conflicts);
        }
        if (catalog.snapshots().isEmpty()) {
            throw notRestorable("replica " + catalog.replica() + " holds no snapshot, so there is nothing to restore;"
                    + " check the replica URL, or wait for the replicator to upload its first snapshot");
        }
        if (target instanceof RestoreTarget.AtTime at) {
            return planForTime(target, at.time(), unusable);
        }
        long latest = catalog.latestTxid();
        long txid = target instanceof RestoreTarget.AtTxid at ? at.txid() : latest;
        if (txid > latest) {
            throw notRestorable("txid " + txid + " is beyond replica " + catalog.replica() + ", whose latest txid is "
                    + latest + "; choose a txid up to " + latest);
        }
        ReplicaObject snapshot = newestSnapshotAtOrBefore(txid, unusable);
        if (snapshot == null) {
            ReplicaObject oldest = catalog.snapshots().get(0);
            if (oldest.lastTxid() <= txid) {
                throw notRestorable("replica " + catalog.replica() + " holds no usable snapshot at or before txid "
                        + txid);
            }
            throw notRestorable("replica " + catalog.replica() + " holds no snapshot at or before txid " + txid
                    + "; the oldest snapshot is " + oldest.key() + " at txid " + oldest.lastTxid()
                    + ", so choose a txid from " + oldest.lastTxid() + " on");
        }
        SegmentChain chain = new SegmentChain(snapshot);
        while (chain.next() <= txid) {
            if (!chain.extend()) {
                throw gap(target, snapshot, chain, Math.min(txid, chain.nextAvailable() - 1));
            }
        }
        return new RestorePlan(target, snapshot, chain.segments(), txid, Optional.empty());
    }

    private RestorePlan planForTime(RestoreTarget target, Instant time, Set<String> unusable) throws RestoreException {
        ReplicaObject snapshot = null;
        ReplicaObject oldest = null;
        Instant oldestTime = null;
        List<ReplicaObject> snapshots = catalog.snapshots();
        for (int i = snapshots.size() - 1; i >= 0 && snapshot == null; i--) {
            if (unusable.contains(snapshots.get(i).key())) {
                continue;
            }
            Instant t = lastTime(snapshots.get(i));
            oldest = snapshots.get(i);
            oldestTime = t;
            if (!t.isAfter(time)) {
                snapshot = snapshots.get(i);
            }
        }
        if (snapshot == null && oldest == null) {
            throw notRestorable("replica " + catalog.replica() + " holds no usable snapshot taken at or before "
                    + time);
        }
        if (snapshot == null) {
            throw notRestorable("timestamp " + time + " is before the oldest snapshot in replica " + catalog.replica()
                    + " (" + oldest.key() + ", taken at " + oldestTime + "); choose a time at or after " + oldestTime);
        }
        long latest = catalog.latestTxid();
        SegmentChain chain = new SegmentChain(snapshot);
        long lastTxid = snapshot.lastTxid();
        while (true) {
            long next = chain.next();
            if (!chain.extend()) {
                // The history from this snapshot ends legitimately at the end of the replica, or where the replicator
                // lost continuity and started over with a new snapshot, which is newer than the requested time.
                if (next > latest || hasSnapshotAt(next)) {
                    break;
                }
                // Missing transactions may have committed before the requested time; restoring without them would
                // silently lose history.
                throw gap(target, snapshot, chain, chain.nextAvailable() - 1);
            }
            ReplicaObject segment = chain.last();
            if (firstTime(segment).isAfter(time)) {
                chain.dropLast();
                break;
            }
            lastTxid = segment.lastTxid();
            if (lastTime(segment).isAfter(time)) {
                break;
            }
        }
        return new RestorePlan(target, snapshot, chain.segments(), lastTxid, Optional.of(time));
    }

    private ReplicaObject newestSnapshotAtOrBefore(long txid, Set<String> unusable) {
        ReplicaObject found = null;
        for (ReplicaObject s : catalog.snapshots()) {
            if (s.lastTxid() <= txid && !unusable.contains(s.key())) {
                found = s;
            }
        }
        return found;
    }

    private boolean hasSnapshotAt(long txid) {
        return catalog.snapshots().stream().anyMatch(s -> s.lastTxid() == txid);
    }

    /** The object's first time: from its key, or for a version-1 object from its header (one range request). */
    private Instant firstTime(ReplicaObject object) throws RestoreException {
        try {
            return catalog.firstTime(object);
        } catch (IOException e) {
            throw RestoreException.fromReplica(e, catalog.replica());
        }
    }

    private Instant lastTime(ReplicaObject object) throws RestoreException {
        try {
            return catalog.lastTime(object);
        } catch (IOException e) {
            throw RestoreException.fromReplica(e, catalog.replica());
        }
    }

    /** The restore fails naming the first conflict's objects; the message counts the others. */
    static RestoreException conflict(String replica, List<HistoryConflict> conflicts) {
        HistoryConflict first = conflicts.get(0);
        String more = conflicts.size() == 1 ? "" : " (and " + (conflicts.size() - 1) + " more conflict"
                + (conflicts.size() == 2 ? "" : "s") + "; 'walship ls' lists them)";
        String advice = first instanceof HistoryConflict.MixedLineages ? ""
                : "; restore never combines them: remove the objects of the writer that should not be there, or"
                        + " restore from another replica";
        return new RestoreException(RestoreException.Reason.CONFLICTING_OBJECTS, "replica " + replica + ": "
                + first.describe() + more + advice, first.objects().get(0).key(), null);
    }

    private RestoreException gap(RestoreTarget target, ReplicaObject snapshot, SegmentChain chain, long missingTo) {
        long from = chain.next();
        String missing = from == missingTo ? "txid " + from + " is" : "txids " + from + ".." + missingTo + " are";
        long reachable = from - 1;
        return notRestorable("cannot restore " + target.describe() + " from replica " + catalog.replica() + ": "
                + missing + " missing from every segment after snapshot " + snapshot.key() + "; the newest point"
                + " restorable from that snapshot is txid " + reachable + " (restore that txid explicitly to accept"
                + " the loss), or restore from another replica");
    }

    private static RestoreException notRestorable(String message) {
        return new RestoreException(RestoreException.Reason.NOT_RESTORABLE, message);
    }

    /**
     * Walks the sorted segments forward from a snapshot, one txid range at a time. At each step it prefers a segment
     * that starts exactly at the next needed txid (no transaction is read twice) and otherwise the overlapping one that
     * reaches furthest; either way the walk finds a contiguous cover whenever one exists, because a segment it passes
     * over stays a candidate for later steps.
     */
    private final class SegmentChain {
        private final List<ReplicaObject> sorted = catalog.segments();
        private final List<ReplicaObject> chosen = new ArrayList<>();
        private int scanned;
        private ReplicaObject farthest;
        private long next;

        SegmentChain(ReplicaObject snapshot) {
            this.next = snapshot.lastTxid() + 1;
        }

        /** The first txid the chain does not hold yet. */
        long next() {
            return next;
        }

        /**
         * Adds a segment holding {@link #next()}; false when no segment holds it. Of the segments holding it, the one
         * reaching furthest wins; on a tie one that starts exactly there (nothing read twice), then the higher level (a
         * compacted segment replaces the run it holds with one object).
         */
        boolean extend() {
            while (scanned < sorted.size() && sorted.get(scanned).firstTxid() <= next) {
                ReplicaObject s = sorted.get(scanned++);
                if (farthest == null || s.lastTxid() > farthest.lastTxid()
                        || s.lastTxid() == farthest.lastTxid() && s.level() > farthest.level()) {
                    farthest = s;
                }
            }
            ReplicaObject pick = farthest != null && farthest.lastTxid() >= next ? farthest : null;
            for (int i = scanned - 1; i >= 0 && sorted.get(i).firstTxid() == next; i--) {
                ReplicaObject s = sorted.get(i);
                if (pick == null || s.lastTxid() > pick.lastTxid() || s.lastTxid() == pick.lastTxid()
                        && (pick.firstTxid() != next || s.level() > pick.level())) {
                    pick = s;
                }
            }
            if (pick == null) {
                return false;
            }
            chosen.add(pick);
            next = pick.lastTxid() + 1;
            return true;
        }

        /** The first txid after {@link #next()} that some segment starts at, or past the end of the replica. */
        long nextAvailable() {
            for (int i = scanned; i < sorted.size(); i++) {
                if (sorted.get(i).firstTxid() > next) {
                    return sorted.get(i).firstTxid();
                }
            }
            return Math.max(next, catalog.latestTxid()) + 1;
        }

        ReplicaObject last() {
            return chosen.get(chosen.size() - 1);
        }

        /** Removes the segment just added; the walk ends there, so {@link #next()} is no longer meaningful. */
        void dropLast() {
            chosen.remove(chosen.size() - 1);
        }

        List<ReplicaObject> segments() {
            return chosen;
        }
    }
}
