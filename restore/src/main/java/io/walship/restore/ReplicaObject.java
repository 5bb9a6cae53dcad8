package io.walship.restore;

import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;

/**
 * A walship object as the replica's listing names it: its key, what the key says about its kind and txid range, and
 * its stored size. Nothing here has been read from the object itself; its header may still disagree.
 */
public record ReplicaObject(String key, ObjectKind kind, long firstTxid, long lastTxid, long size) {

    static ReplicaObject of(ObjectKeys.ObjectName name, long size) {
        return new ReplicaObject(name.key(), name.kind(), name.firstTxid(), name.lastTxid(), size);
    }

    public boolean isSnapshot() {
        return kind == ObjectKind.SNAPSHOT;
    }

    /** Whether this object holds transaction {@code txid} (for a snapshot: is the state right after it). */
    public boolean covers(long txid) {
        return firstTxid <= txid && txid <= lastTxid;
    }
}
