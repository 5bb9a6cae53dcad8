package io.walship.restore;

import io.walship.replica.ObjectHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything in a replica with its header, as {@code walship ls} shows it.
 *
 * @param replica    the replica's description, such as {@code file:///backups/app}
 * @param snapshots  snapshots whose header was read, in txid order
 * @param segments   segments whose header was read, in txid order
 * @param unreadable objects whose header is corrupt or contradicts the key, so an operator sees them too
 * @param latestTxid the highest txid any object's key names, 0 for an empty replica
 */
public record ReplicaListing(String replica, List<Entry> snapshots, List<Entry> segments, List<Unreadable> unreadable,
                             long latestTxid) {

    public ReplicaListing {
        snapshots = List.copyOf(snapshots);
        segments = List.copyOf(segments);
        unreadable = List.copyOf(unreadable);
    }

    /**
     * The restorable windows and gaps as the readable headers show them, and every listed object counted by kind. The
     * headers alone cannot show a corrupt payload: {@link ReplicaVerifier} reads every object to its end for that.
     */
    public ReplicaSummary summary() {
        List<ReplicaObject> all = new ArrayList<>();
        snapshots.forEach(e -> all.add(e.object()));
        segments.forEach(e -> all.add(e.object()));
        unreadable.forEach(u -> all.add(u.object()));
        return ReplicaSummary.of(RestorableHistory.of(snapshots, segments, latestTxid), all, latestTxid);
    }

    /** One object and its verified header. */
    public record Entry(ReplicaObject object, ObjectHeader header) {
    }

    /** One object whose header could not be used, with the reason. */
    public record Unreadable(ReplicaObject object, String problem) {
    }
}
