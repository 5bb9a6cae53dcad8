package io.walship.replicator.spool;

import io.walship.replica.Crc32c;
import io.walship.replicator.wal.WalChecksum;
import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalGeneration;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.zip.CRC32C;

/**
 * The bytes of a spool file, encoded and decoded in this one place. All integers are big-endian.
 *
 * <pre>
 *  file header, 48 bytes:
 *     0  4 magic "WSPL"
 *     4  2 format version, 3
 *     6  2 reserved, 0
 *     8  8 lineage id of the history this spool captures
 *    16  8 txid of the first record (the file is named after it)
 *    24  4 CRC32C of bytes 0..23
 *    28  4 reserved, 0
 *    32  8 durable end: every byte before this offset was covered by a completed fsync
 *    40  4 CRC32C of bytes 32..39 (a torn or stale slot only makes the durable end smaller, never wrong)
 *    44  4 reserved, 0
 *  records from offset 48, each:
 *     +----------------+---------+---------------------+------------------------------------------+
 *     | payload length | type u8 | payload             | CRC32C of length, type and payload  u32  |
 *     | u32            |         |                     |                                          |
 *     +----------------+---------+---------------------+------------------------------------------+
 *  type 1, page:     txid u64 | pgno u32 | page image (payload length - 12 bytes)
 *  type 2, commit:   point (72 bytes): txid u64 | time ms i64 | database pages u32 | page size u32 |
 *                    salt-1 u32 | salt-2 u32 | reserved 24 bytes (0) | frames u64 | checksum-1 u32 | checksum-2 u32
 *  type 3, snapshot: point; the snapshot object is snapshots/&lt;16 hex txid&gt;.snapshot beside the spool files
 *  type 4, rest:     point | database file length u64 | CRC32C of the database file u32
 *  type 5, released: txid u64 of a snapshot whose object every replica holds and that was deleted
 * </pre>
 *
 * <p>A transaction is its page records followed by its commit record. The durable end is written before each fsync
 * with the end the previous fsync covered, so after a crash it lags at most one fsync behind and never claims bytes
 * that a completed fsync did not cover: damage before it is corruption, damage after it is a torn tail that a crash
 * left and recovery drops. A sealed file's durable end is its length.
 */
final class SpoolFormat {
    static final int MAGIC = 0x5753504c; // "WSPL"
    static final int VERSION = 3;
    static final int HEADER = 48;
    static final int VERSION_AT = 4;
    static final int LINEAGE_AT = 8;
    static final int FIRST_TXID_AT = 16;
    static final int HEADER_CRC_AT = 24;
    static final int DURABLE_END_AT = 32;
    static final int DURABLE_END_SLOT = 8 + 4;
    /** A record's head: its payload length at 0 and its type at {@link #TYPE_AT}; the payload follows. */
    static final int FRAME_HEAD = 4 + 1;
    static final int TYPE_AT = 4;
    static final int CRC = 4;
    static final int FRAME_OVERHEAD = FRAME_HEAD + CRC;
    static final int POINT = 8 + 8 + 4 + 4 + 4 + 4 + 24 + 8 + 4 + 4;
    static final int REST = POINT + 8 + 4;
    static final int RELEASED = 8;
    static final int PAGE_IDS = 8 + 4;
    /** Where a page record's image starts, from the record's first byte. */
    static final int PAGE_IMAGE_AT = FRAME_HEAD + PAGE_IDS;

    static final byte TYPE_PAGE = 1;
    static final byte TYPE_COMMIT = 2;
    static final byte TYPE_SNAPSHOT = 3;
    static final byte TYPE_REST = 4;
    static final byte TYPE_RELEASED = 5;

    private SpoolFormat() {
    }

    /** What a file header says. */
    record FileHeader(long lineage, long firstTxid, long durableEnd) {
    }

    static byte[] header(long lineage, long firstTxid, long durableEnd) {
        ByteBuffer b = ByteBuffer.allocate(HEADER);
        b.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(lineage).putLong(firstTxid);
        b.putInt(HEADER_CRC_AT, Crc32c.of(b.array(), 0, HEADER_CRC_AT));
        b.put(DURABLE_END_AT, durableEnd(durableEnd));
        return b.array();
    }

    /** The 12-byte durable-end slot at offset 32: the value and its CRC. */
    static byte[] durableEnd(long end) {
        ByteBuffer b = ByteBuffer.allocate(DURABLE_END_SLOT);
        b.putLong(end);
        b.putInt(Crc32c.of(b.array(), 0, 8));
        return b.array();
    }

    /** Why the header is unusable, or null; see {@link #parseHeader}. */
    static String headerProblem(ByteBuffer b) {
        if (b.remaining() < HEADER) {
            return "file header cut short";
        }
        if (b.getInt(0) != MAGIC) {
            return "not a spool file (bad magic)";
        }
        if (b.getInt(HEADER_CRC_AT) != Crc32c.of(b.array(), b.arrayOffset(), HEADER_CRC_AT)) {
            return "file header checksum mismatch";
        }
        int version = b.getShort(VERSION_AT) & 0xffff;
        if (version != VERSION) {
            return "format version " + version + ", this walship reads version " + VERSION;
        }
        return null;
    }

    /** Parses a header that {@link #headerProblem} accepted; a durable end whose CRC fails reads as the header's end. */
    static FileHeader parseHeader(ByteBuffer b) {
        long end = b.getLong(DURABLE_END_AT);
        boolean slotOk = b.getInt(DURABLE_END_AT + 8) == Crc32c.of(b.array(), b.arrayOffset() + DURABLE_END_AT, 8);
        return new FileHeader(b.getLong(LINEAGE_AT), b.getLong(FIRST_TXID_AT), slotOk && end >= HEADER ? end : HEADER);
    }

    /** The whole length of the record whose {@link #FRAME_HEAD} bytes {@code head} holds (at its index 0). */
    static long recordLength(ByteBuffer head) {
        return FRAME_OVERHEAD + Integer.toUnsignedLong(head.getInt(0));
    }

    /** The type of the record whose head (or whole) {@code rec} holds. */
    static byte type(ByteBuffer rec) {
        return rec.get(TYPE_AT);
    }

    /** Whether a whole record read into {@code rec} (a heap buffer starting at the record) has a matching CRC. */
    static boolean intact(ByteBuffer rec) {
        return intact(rec.array(), 0, rec.capacity());
    }

    /** Whether the whole record of {@code length} bytes at {@code bytes[at]} has a matching CRC. */
    static boolean intact(byte[] bytes, int at, int length) {
        int crcAt = at + length - CRC;
        int stored = (bytes[crcAt] & 0xff) << 24 | (bytes[crcAt + 1] & 0xff) << 16 | (bytes[crcAt + 2] & 0xff) << 8
                | bytes[crcAt + 3] & 0xff;
        return stored == Crc32c.of(bytes, at, crcAt - at);
    }

    /** The payload of a whole record read into {@code rec}, as a view from its index 0. */
    static ByteBuffer payload(ByteBuffer rec) {
        return rec.duplicate().position(FRAME_HEAD).limit(rec.capacity() - CRC).slice();
    }

    /** The txid of a page record, from its payload. */
    static long pageTxid(ByteBuffer pagePayload) {
        return pagePayload.getLong(0);
    }

    /** The page number of a page record, from its payload (or from its first {@link #PAGE_IDS} bytes). */
    static long pageNumber(ByteBuffer pagePayload) {
        return Integer.toUnsignedLong(pagePayload.getInt(8));
    }

    /** The length of a page record of {@code pageSize} bytes, as {@link #putPage} writes it. */
    static int pageRecordLength(int pageSize) {
        return FRAME_OVERHEAD + PAGE_IDS + pageSize;
    }

    /**
     * Writes a page record at {@code dst}'s position, without a copy of its own: capture appends one per WAL frame, tens
     * of thousands a second under a busy app. {@code crc} is scratch state.
     */
    static void putPage(ByteBuffer dst, CRC32C crc, long txid, long pgno, byte[] image, int offset, int pageSize) {
        int start = dst.position();
        dst.putInt(PAGE_IDS + pageSize).put(TYPE_PAGE).putLong(txid).putInt((int) pgno).put(image, offset, pageSize);
        ByteBuffer record = dst.duplicate();
        record.position(start).limit(dst.position());
        crc.reset();
        crc.update(record);
        dst.putInt((int) crc.getValue());
    }

    static byte[] point(byte type, CapturePoint p) {
        ByteBuffer b = frame(type, POINT);
        putPoint(b, p);
        return seal(b);
    }

    static byte[] rest(RestPoint r) {
        ByteBuffer b = frame(TYPE_REST, REST);
        putPoint(b, r.point());
        b.putLong(r.databaseBytes()).putInt(r.databaseCrc());
        return seal(b);
    }

    static byte[] released(long snapshotTxid) {
        ByteBuffer b = frame(TYPE_RELEASED, RELEASED);
        b.putLong(snapshotTxid);
        return seal(b);
    }

    /** The payload length a record of {@code type} must have; empty when it varies (pages) or the type is unknown. */
    static OptionalInt payloadLength(byte type) {
        return switch (type) {
            case TYPE_COMMIT, TYPE_SNAPSHOT -> OptionalInt.of(POINT);
            case TYPE_REST -> OptionalInt.of(REST);
            case TYPE_RELEASED -> OptionalInt.of(RELEASED);
            default -> OptionalInt.empty();
        };
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

    private static ByteBuffer frame(byte type, int payloadLength) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_OVERHEAD + payloadLength);
        b.putInt(payloadLength).put(type);
        return b;
    }

    private static void putPoint(ByteBuffer b, CapturePoint p) {
        b.putLong(p.txid()).putLong(p.time().toEpochMilli()).putInt((int) p.databasePages()).putInt(p.pageSize());
        b.putInt(p.generation().salt1()).putInt(p.generation().salt2()).put(new byte[24]);
        b.putLong(p.cursor().frames()).putInt(p.cursor().checksum().s1()).putInt(p.cursor().checksum().s2());
    }

    private static byte[] seal(ByteBuffer b) {
        int crcAt = b.capacity() - CRC;
        b.putInt(crcAt, Crc32c.of(b.array(), 0, crcAt));
        return b.array();
    }
}
