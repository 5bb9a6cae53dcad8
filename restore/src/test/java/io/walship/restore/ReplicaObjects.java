package io.walship.restore;

import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentWriter;
import io.walship.replica.SnapshotWriter;
import io.walship.restore.DatabaseHistory.Transaction;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Snapshot and segment objects written to a replica the way the shipper writes them (a temp file in {@code scratch},
 * then one put under the key the header names), for the tests that build replicas from a recorded history. The
 * replicator's tests use it too (through this module's test-jar).
 */
public final class ReplicaObjects {
    private ReplicaObjects() {
    }

    /** Writes {@code state}, whole database bytes in pages of {@code pageSize}, as the snapshot {@code header}; returns its key. */
    public static String putSnapshot(ReplicaStorage storage, Path scratch, ObjectHeader header, byte[] state, int pageSize)
            throws IOException {
        long pages = state.length / pageSize;
        Path tmp = Files.createTempFile(scratch, "snapshot", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SnapshotWriter w = new SnapshotWriter(out, header);
            for (long p = 1; p <= pages; p++) {
                w.page(state, (int) ((p - 1) * pageSize));
            }
            w.finish();
        }
        return put(storage, header, tmp);
    }

    /** Writes {@code transactions}, in txid order, as the segment {@code header}; returns its key. */
    public static String putSegment(ReplicaStorage storage, Path scratch, ObjectHeader header, List<Transaction> transactions)
            throws IOException {
        Path tmp = Files.createTempFile(scratch, "segment", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SegmentWriter w = new SegmentWriter(out, header);
            for (Transaction tx : transactions) {
                w.beginTransaction(tx.txid(), tx.time().toEpochMilli(), tx.commitSize(), tx.pages().size());
                for (Map.Entry<Long, byte[]> e : tx.pages().entrySet()) {
                    w.page(e.getKey(), e.getValue(), 0);
                }
            }
            w.finish();
        }
        return put(storage, header, tmp);
    }

    private static String put(ReplicaStorage storage, ObjectHeader header, Path tmp) throws IOException {
        String key = ObjectKeys.of(header);
        storage.put(key, tmp);
        Files.delete(tmp);
        return key;
    }
}
