package io.walship.replicator.spool;

import java.nio.file.Path;

/**
 * A durable spool record as a {@link SpoolReader} hands it to a shipper (the bytes are in {@link SpoolFormat}). Rest
 * points and snapshot releases are local bookkeeping and never reach a reader.
 */
public sealed interface SpoolRecord {
    long txid();

    /** A page image of a transaction; the image stays on disk at {@code recordOffset} of {@code file}. */
    record Page(long txid, long pgno, Path file, long recordOffset, int pageSize) implements SpoolRecord {
    }

    /** The end of a transaction. */
    record Commit(CapturePoint point) implements SpoolRecord {
        @Override
        public long txid() {
            return point.txid();
        }
    }

    /** A snapshot of the whole database as of {@code point.txid()}, stored beside the spool files. */
    record Snapshot(CapturePoint point) implements SpoolRecord {
        @Override
        public long txid() {
            return point.txid();
        }
    }
}
