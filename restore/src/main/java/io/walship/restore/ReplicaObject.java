package io.walship.restore;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.time.Instant;
import java.util.Optional;

/**
 * A walship object as the replica's listing names it: what its key says (kind, txid range, level, lineage and, for
 * format version 2, times) and its stored size. Nothing here has been read from the object itself; its header may still
 * disagree, which makes it corrupt.
 */
public record ReplicaObject(ObjectKeys.ObjectName name, long size) {

    static ReplicaObject of(ObjectKeys.ObjectName name, long size) {
        return new ReplicaObject(name, size);
    }

    public String key() {
        return name.key();
    }

    public ObjectKind kind() {
        return name.kind();
    }

    public long firstTxid() {
        return name.firstTxid();
    }

    public long lastTxid() {
        return name.lastTxid();
    }

    /** 0 for snapshots and segments as shipped, 1 and up for compacted segments. */
    public int level() {
        return name.level();
    }

    public Lineage lineage() {
        return name.lineage();
    }

    /** The first transaction's time as the key names it; empty for a version-1 key (the header holds it). */
    public Optional<Instant> keyFirstTime() {
        return name.firstTime();
    }

    /** The last transaction's time as the key names it; empty for a version-1 key. */
    public Optional<Instant> keyLastTime() {
        return name.lastTime();
    }

    public boolean isSnapshot() {
        return kind() == ObjectKind.SNAPSHOT;
    }

    /** Whether this object holds transaction {@code txid} (for a snapshot: is the state right after it). */
    public boolean covers(long txid) {
        return firstTxid() <= txid && txid <= lastTxid();
    }

    /** Whether the txid ranges of the two objects share a txid. */
    public boolean overlaps(ReplicaObject other) {
        return firstTxid() <= other.lastTxid() && other.firstTxid() <= lastTxid();
    }

    /** Whether this object's txid range holds all of {@code other}'s. */
    public boolean contains(ReplicaObject other) {
        return firstTxid() <= other.firstTxid() && other.lastTxid() <= lastTxid();
    }
}
