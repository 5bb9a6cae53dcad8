package io.walship.replicator.spool;

import io.walship.replica.Crc32c;
import io.walship.replicator.wal.WalChecksum;
import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalGeneration;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One record of a spool file. Every record is framed the same way, all integers big-endian:
 * <pre>
 *  +----------------+---------+---------------------+------------------------------------------+
 *  | payload length | type u8 | payload             | CRC32C of length, type and payload  u32  |
 *  | u32            |         |                     |                                          |
 *  +----------------+---------+---------------------+------------------------------------------+
 *  type 1, page:     txid u64 | pgno u32 | page image (payload length - 12 bytes)
 *  type 2, commit:   txid u64 | time ms i64 | database pages u32 | page size u32 |
 *                    salt-1 u32 | salt-2 u32 | reserved 24 bytes (0) | frames u64 | checksum-1 u32 | checksum-2 u32
 *  type 3, snapshot: same payload as commit; the snapshot object is snapshots/&lt;txid&gt;.snapshot in the spool
 *  type 4, rest:     same payload as commit | database file length u64 | CRC32C of the database file u32
 * </pre>
 * The salts name the WAL generation the position is in (see {@code WalGeneration}); frames and checksums are the
 * position inside it.
 * A transaction is its page records followed by its commit record; page records without a commit record are a
 * transaction whose capture did not finish and are discarded.
 */
public sealed interface SpoolRecord {
    int FRAME_OVERHEAD = 4 + 1 + 4;
    byte PAGE = 1;
    byte COMMIT = 2;
    byte SNAPSHOT = 3;
    byte REST = 4;
    int POINT_PAYLOAD = 8 + 8 + 4 + 4 + 32 + 8 + 4 + 4;
    int REST_PAYLOAD = POINT_PAYLOAD + 8 + 4;

    long txid();

    /** A page image of a transaction in progress; the image stays on disk at {@code dataOffset} of {@code file}. */
    record Page(long txid, long pgno, Path file, long dataOffset, int pageSize) implements SpoolRecord {
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

    /** A clean stop at which the database file alone held the state at the point's txid. */
    record Rest(RestPoint rest) implements SpoolRecord {
        @Override
        public long txid() {
            return rest.point().txid();
        }
    }

    static byte[] framePage(long txid, long pgno, byte[] image, int offset, int pageSize) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_OVERHEAD + 12 + pageSize);
        b.putInt(12 + pageSize).put(PAGE).putLong(txid).putInt((int) pgno).put(image, offset, pageSize);
        return seal(b);
    }

    static byte[] framePoint(byte type, CapturePoint p) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_OVERHEAD + POINT_PAYLOAD);
        b.putInt(POINT_PAYLOAD).put(type);
        putPoint(b, p);
        return seal(b);
    }

    static byte[] frameRest(RestPoint r) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_OVERHEAD + REST_PAYLOAD);
        b.putInt(REST_PAYLOAD).put(REST);
        putPoint(b, r.point());
        b.putLong(r.databaseBytes()).putInt(r.databaseCrc());
        return seal(b);
    }

    private static void putPoint(ByteBuffer b, CapturePoint p) {
        b.putLong(p.txid()).putLong(p.time().toEpochMilli()).putInt((int) p.databasePages()).putInt(p.pageSize());
        b.putInt(p.generation().salt1()).putInt(p.generation().salt2()).put(new byte[24]);
        b.putLong(p.cursor().frames()).putInt(p.cursor().checksum().s1()).putInt(p.cursor().checksum().s2());
    }

    private static byte[] seal(ByteBuffer b) {
        int crcAt = b.capacity() - 4;
        b.putInt(crcAt, Crc32c.of(b.array(), 0, crcAt));
        return b.array();
    }

    static CapturePoint parsePoint(ByteBuffer payload) {
        long txid = payload.getLong();
        Instant time = Instant.ofEpochMilli(payload.getLong());
        long pages = Integer.toUnsignedLong(payload.getInt());
        int pageSize = payload.getInt();
        WalGeneration generation = new WalGeneration(payload.getInt(), payload.getInt());
        payload.position(payload.position() + 24);
        long frames = payload.getLong();
        WalChecksum sum = new WalChecksum(payload.getInt(), payload.getInt());
        return new CapturePoint(txid, time, pages, pageSize, generation, new WalCursor(frames, sum));
    }

    static RestPoint parseRest(ByteBuffer payload) {
        CapturePoint p = parsePoint(payload);
        return new RestPoint(p, payload.getLong(), payload.getInt());
    }
}
