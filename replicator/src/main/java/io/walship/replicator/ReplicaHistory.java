package io.walship.replicator;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.time.Instant;

/**
 * What a replica holds of one history (lineage): its newest object and newest snapshot, as the listing names them.
 * Times come from the keys, or for format-1 keys from the objects' headers, read when asked. Built by a shipping
 * thread from one listing (every instance holds at least one object), then only read.
 */
final class ReplicaHistory {
    final Lineage lineage;
    private final ReplicaStorage storage;
    private ObjectKeys.ObjectName last;
    private ObjectKeys.ObjectName newestSnapshot;

    ReplicaHistory(Lineage lineage, ReplicaStorage storage) {
        this.lineage = lineage;
        this.storage = storage;
    }

    void add(ObjectKeys.ObjectName n) {
        if (last == null || n.lastTxid() > last.lastTxid()) {
            last = n;
        }
        if (n.kind() == ObjectKind.SNAPSHOT && (newestSnapshot == null || n.firstTxid() >= newestSnapshot.firstTxid())) {
            newestSnapshot = n;
        }
    }

    long lastTxid() {
        return last.lastTxid();
    }

    String lastKey() {
        return last.key();
    }

    Instant lastTime() throws IOException {
        return timeOf(last);
    }

    Instant newestSnapshotTime() throws IOException {
        return newestSnapshot == null ? Instant.EPOCH : timeOf(newestSnapshot);
    }

    private Instant timeOf(ObjectKeys.ObjectName n) throws IOException {
        if (n.lastTime().isPresent()) {
            return n.lastTime().get();
        }
        return ObjectHeader.decode(n.key(), storage.getRange(n.key(), 0, ObjectHeader.SIZE)).lastTime();
    }
}
