package io.walship.restore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a restore reads: one snapshot, then segments that together hold every transaction after it up to the target,
 * in order and without a gap.
 *
 * @param target         what was asked for
 * @param snapshot       the snapshot the restore starts from
 * @param segments       the segments to apply, in txid order; the first may start at or before the snapshot, and
 *                       consecutive segments may overlap (a transaction found twice is applied once)
 * @param lastTxid       the last transaction to apply; for a timestamp target, an upper bound
 * @param notAfter       for a timestamp target, the time no applied transaction may be after; application stops
 *                       before the first transaction committed later
 */
public record RestorePlan(RestoreTarget target, ReplicaObject snapshot, List<ReplicaObject> segments, long lastTxid,
                          Optional<Instant> notAfter) {

    public RestorePlan {
        segments = List.copyOf(segments);
        if (lastTxid < snapshot.lastTxid()) {
            throw new IllegalArgumentException("plan ends at txid " + lastTxid + " before its snapshot " + snapshot.key());
        }
    }

    /** Every object the restore reads, in the order it applies them: the snapshot, then the segments. */
    public List<ReplicaObject> objects() {
        List<ReplicaObject> all = new java.util.ArrayList<>(segments.size() + 1);
        all.add(snapshot);
        all.addAll(segments);
        return all;
    }

    /** The stored bytes of every object the restore reads. */
    public long bytes() {
        return objects().stream().mapToLong(ReplicaObject::size).sum();
    }

    /** Whether a transaction is part of the restored history, given the plan's txid and time limits. */
    public boolean includes(long txid, Instant time) {
        return txid <= lastTxid && notAfter.map(limit -> !time.isAfter(limit)).orElse(true);
    }

    /** A one-line description for logs. */
    public String describe() {
        return "snapshot " + snapshot.key() + " (txid " + snapshot.lastTxid() + ") then "
                + segments.size() + " segment" + (segments.size() == 1 ? "" : "s") + " up to txid " + lastTxid
                + notAfter.map(t -> " and time " + t).orElse("");
    }
}
