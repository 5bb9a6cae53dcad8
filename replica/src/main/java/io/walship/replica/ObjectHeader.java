package io.walship.replica;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

/**
 * The fixed 64-byte header at the start of every replica object. All integers are big-endian.
 *
 * <pre>
 *  offset size field
 *  ------ ---- ---------------------------------------------------------------
 *       0    4 magic, ASCII "WSHP"
 *       4    2 format version, currently 1
 *       6    1 kind: 1 = snapshot, 2 = segment
 *       7    1 flags, 0
 *       8    4 page size in bytes (512 .. 65536)
 *      12    4 database size in pages after the last transaction
 *      16    8 first txid
 *      24    8 last txid (equal to the first for a snapshot)
 *      32    8 first transaction time, milliseconds since the Unix epoch, UTC
 *      40    8 last transaction time, likewise
 *      48    4 count: transactions in a segment, pages stored in a snapshot
 *      52    8 reserved, 0
 *      60    4 CRC32C (Castagnoli) of bytes 0..59
 * </pre>
 */
public record ObjectHeader(ObjectKind kind, int pageSize, long databasePages, long firstTxid, long lastTxid,
                           Instant firstTime, Instant lastTime, long count) {
    public static final int SIZE = 64;
    public static final int MAGIC = 0x57534850; // "WSHP"
    public static final int FORMAT_VERSION = 1;

    public ObjectHeader {
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("invalid page size " + pageSize);
        }
        if (firstTxid < 1 || lastTxid < firstTxid) {
            throw new IllegalArgumentException("invalid txid range " + firstTxid + ".." + lastTxid);
        }
        if (kind == ObjectKind.SNAPSHOT && firstTxid != lastTxid) {
            throw new IllegalArgumentException("a snapshot names one txid, not " + firstTxid + ".." + lastTxid);
        }
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putInt(MAGIC);
        b.putShort((short) FORMAT_VERSION);
        b.put((byte) kind.code());
        b.put((byte) 0);
        b.putInt(pageSize);
        b.putInt((int) databasePages);
        b.putLong(firstTxid);
        b.putLong(lastTxid);
        b.putLong(firstTime.toEpochMilli());
        b.putLong(lastTime.toEpochMilli());
        b.putInt((int) count);
        b.putLong(0);
        b.putInt(Crc32c.of(b.array(), 0, 60));
        return b.array();
    }

    /** Parses and checks a header; {@code key} names the object in errors. */
    public static ObjectHeader decode(String key, byte[] bytes) throws CorruptObjectException {
        if (bytes.length < SIZE) {
            throw new CorruptObjectException(key, "shorter than the " + SIZE + "-byte header (" + bytes.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(Arrays.copyOf(bytes, SIZE));
        if (b.getInt(0) != MAGIC) {
            throw new CorruptObjectException(key, "not a walship object (bad magic)");
        }
        if (b.getInt(60) != Crc32c.of(b.array(), 0, 60)) {
            throw new CorruptObjectException(key, "header checksum mismatch");
        }
        int version = b.getShort(4) & 0xffff;
        if (version != FORMAT_VERSION) {
            throw new CorruptObjectException(key, "format version " + version + " is not supported by this walship (supports "
                    + FORMAT_VERSION + "); upgrade walship");
        }
        ObjectKind kind = ObjectKind.ofCode(b.get(6));
        if (kind == null) {
            throw new CorruptObjectException(key, "unknown object kind " + b.get(6));
        }
        try {
            return new ObjectHeader(kind, b.getInt(8), Integer.toUnsignedLong(b.getInt(12)), b.getLong(16), b.getLong(24),
                    Instant.ofEpochMilli(b.getLong(32)), Instant.ofEpochMilli(b.getLong(40)), Integer.toUnsignedLong(b.getInt(48)));
        } catch (IllegalArgumentException e) {
            throw new CorruptObjectException(key, e.getMessage());
        }
    }
}
