package io.walship.restore;

import java.util.Collection;

/**
 * What a replica amounts to, in the few numbers an operator looks at first: which txids it can restore and where its
 * history has gaps, how many objects of each kind it holds and how many bytes they take.
 *
 * @param history    the restorable windows and gaps, computed from the objects that could be used
 * @param snapshots  every snapshot listed, usable or not
 * @param segments   every segment listed, usable or not
 * @param latestTxid the highest txid any object's key names, 0 for an empty replica
 */
public record ReplicaSummary(RestorableHistory history, Totals snapshots, Totals segments, long latestTxid) {

    /** A number of objects and their stored size in bytes. */
    public record Totals(int count, long bytes) {
    }

    /** Counts {@code objects} by kind. */
    static ReplicaSummary of(RestorableHistory history, Collection<ReplicaObject> objects, long latestTxid) {
        int snapshots = 0;
        long snapshotBytes = 0;
        int segments = 0;
        long segmentBytes = 0;
        for (ReplicaObject o : objects) {
            if (o.isSnapshot()) {
                snapshots++;
                snapshotBytes += o.size();
            } else {
                segments++;
                segmentBytes += o.size();
            }
        }
        return new ReplicaSummary(history, new Totals(snapshots, snapshotBytes), new Totals(segments, segmentBytes),
                latestTxid);
    }
}
