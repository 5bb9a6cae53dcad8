package io.walship.replica;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

/**
 * The fixed header at the start of every replica object: 80 bytes in format version 2, 64 bytes in version 1. All
 * integers are big-endian. Readers decide by the version field; walship writes version 2 and still reads version 1.
 *
 * <pre>
 *  version 2 (80 bytes)
 *  offset size field
 *  ------ ---- ---------------------------------------------------------------
 *       0    4 magic, ASCII "WSHP"
 *       4    2 format version, 2
 *       6    1 kind: 1 = snapshot, 2 = segment
 *       7    1 level: 0 for snapshots and shipped segments; 1, 2, ... for compacted segments
 *       8    4 page size in bytes (512 .. 65536)
 *      12    4 database size in pages after the last transaction
 *      16    8 first txid
 *      24    8 last txid (equal to the first for a snapshot)
 *      32    8 first transaction time, milliseconds since the Unix epoch, UTC
 *      40    8 last transaction time, likewise
 *      48    4 count: transactions in a segment, pages stored in a snapshot
 *      52    8 lineage id (random, never 0)
 *      60    2 database file mode bits (snapshots: the source database's permission bits; 0 unknown; segments 0)
 *      62   14 reserved, 0
 *      76    4 CRC32C (Castagnoli) of bytes 0..75
 *
 *  version 1 (64 bytes): offsets 0..51 as above, except that offset 7 is "flags, 0" (read as level 0); then
 *      52    8 reserved, 0 (read as the legacy lineage 0 and file mode 0)
 *      60    4 CRC32C of bytes 0..59
 * </pre>
 *
 * @param version   the format version, 1 or 2
 * @param level     0 for snapshots and segments as shipped; compaction writes segments of level 1 and up (at most 99)
 * @param lineage   the history the object belongs to; {@link Lineage#LEGACY} exactly for version 1
 * @param fileMode  a snapshot's source database permission bits (such as {@code 0600}); 0 when unknown and for
 *                  segments
 */
public record ObjectHeader(int version, ObjectKind kind, int level, int pageSize, long databasePages, long firstTxid,
                           long lastTxid, Instant firstTime, Instant lastTime, long count, Lineage lineage,
                           int fileMode) {
    /** The size of a version-2 header: the most bytes a reader needs to decode a header of either version. */
    public static final int SIZE = 80;
    /** The size of a version-1 header. */
    public static final int V1_SIZE = 64;
    public static final int MAGIC = 0x57534850; // "WSHP"
    /** The version walship writes. */
    public static final int FORMAT_VERSION = 2;
    /** The highest compaction level: keys spell the level with two decimal digits. */
    public static final int MAX_LEVEL = 99;
    /** The latest time a version-2 key can spell (12 hex digits of milliseconds, about the year 10889). */
    public static final long MAX_TIME_MILLIS = 0xFFFF_FFFF_FFFFL;

    public ObjectHeader {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("format version " + version + " does not exist");
        }
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("invalid page size " + pageSize);
        }
        if (firstTxid < 1 || lastTxid < firstTxid) {
            throw new IllegalArgumentException("invalid txid range " + firstTxid + ".." + lastTxid);
        }
        if (kind == ObjectKind.SNAPSHOT && firstTxid != lastTxid) {
            throw new IllegalArgumentException("a snapshot names one txid, not " + firstTxid + ".." + lastTxid);
        }
        if (databasePages < 0 || databasePages > 0xFFFF_FFFFL || count < 0 || count > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("invalid database size " + databasePages + " or count " + count);
        }
        if (version == 1) {
            if (level != 0 || !lineage.isLegacy() || fileMode != 0) {
                throw new IllegalArgumentException("a version-1 header has no level, lineage or file mode");
            }
        } else {
            if (lineage.isLegacy()) {
                throw new IllegalArgumentException("lineage 0 is reserved for version-1 objects");
            }
            if (level < 0 || level > MAX_LEVEL || kind == ObjectKind.SNAPSHOT && level != 0) {
                throw new IllegalArgumentException("invalid level " + level + " for a " + kind);
            }
            if (fileMode < 0 || fileMode > 07777 || kind == ObjectKind.SEGMENT && fileMode != 0) {
                throw new IllegalArgumentException("invalid file mode " + Integer.toOctalString(fileMode) + " for a "
                        + kind);
            }
            long first = firstTime.toEpochMilli();
            long last = lastTime.toEpochMilli();
            if (first < 0 || last > MAX_TIME_MILLIS || last < first) {
                throw new IllegalArgumentException("invalid time range " + firstTime + ".." + lastTime);
            }
            if (kind == ObjectKind.SNAPSHOT && first != last) {
                throw new IllegalArgumentException("a snapshot has one time, not " + firstTime + ".." + lastTime);
            }
        }
    }

    /**
     * A version-1 header.
     *
     * @deprecated version 1 has no lineage; use {@link #snapshot} or {@link #segment}. Kept until the replicator
     *             writes version 2.
     */
    @Deprecated
    public ObjectHeader(ObjectKind kind, int pageSize, long databasePages, long firstTxid, long lastTxid,
                        Instant firstTime, Instant lastTime, long count) {
        this(1, kind, 0, pageSize, databasePages, firstTxid, lastTxid, firstTime, lastTime, count, Lineage.LEGACY, 0);
    }

    /** A version-2 snapshot header; its count is the number of pages a snapshot of that size stores. */
    public static ObjectHeader snapshot(int pageSize, long databasePages, long txid, Instant time, Lineage lineage,
                                       int fileMode) {
        return new ObjectHeader(2, ObjectKind.SNAPSHOT, 0, pageSize, databasePages, txid, txid, time, time,
                SnapshotWriter.storedPages(databasePages, pageSize), lineage, fileMode);
    }

    /** A version-2 segment header of {@code level} (0 as shipped) holding transactions {@code firstTxid..lastTxid}. */
    public static ObjectHeader segment(int level, int pageSize, long databasePages, long firstTxid, long lastTxid,
                                       Instant firstTime, Instant lastTime, Lineage lineage) {
        return new ObjectHeader(2, ObjectKind.SEGMENT, level, pageSize, databasePages, firstTxid, lastTxid, firstTime,
                lastTime, lastTxid - firstTxid + 1, lineage, 0);
    }

    /** The header's size in bytes for this version. */
    public int encodedSize() {
        return encodedSize(version);
    }

    /** The header size of a format version: 64 for version 1, 80 otherwise. */
    public static int encodedSize(int version) {
        return version == 1 ? V1_SIZE : SIZE;
    }

    public byte[] encode() {
        int size = encodedSize();
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC);
        b.putShort((short) version);
        b.put((byte) kind.code());
        b.put((byte) level);
        b.putInt(pageSize);
        b.putInt((int) databasePages);
        b.putLong(firstTxid);
        b.putLong(lastTxid);
        b.putLong(firstTime.toEpochMilli());
        b.putLong(lastTime.toEpochMilli());
        b.putInt((int) count);
        b.putLong(lineage.id());
        if (version >= 2) {
            b.putShort((short) fileMode);
        }
        b.putInt(size - 4, Crc32c.of(b.array(), 0, size - 4));
        return b.array();
    }

    /**
     * Parses and checks a header of either version from the start of {@code bytes} (bytes after the header are
     * ignored, so a reader may fetch {@link #SIZE} bytes whatever the version); {@code key} names the object in errors.
     */
    public static ObjectHeader decode(String key, byte[] bytes) throws CorruptObjectException {
        if (bytes.length < 6) {
            throw new CorruptObjectException(key, "shorter than a header (" + bytes.length + " bytes)");
        }
        ByteBuffer head = ByteBuffer.wrap(bytes);
        if (head.getInt(0) != MAGIC) {
            throw new CorruptObjectException(key, "not a walship object (bad magic)");
        }
        int version = head.getShort(4) & 0xffff;
        if (version != 1 && version != 2) {
            throw new CorruptObjectException(key, "format version " + version + " is not supported by this walship"
                    + " (it reads versions 1 and 2); upgrade walship");
        }
        int size = encodedSize(version);
        if (bytes.length < size) {
            throw new CorruptObjectException(key, "shorter than the " + size + "-byte header (" + bytes.length
                    + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(Arrays.copyOf(bytes, size));
        if (b.getInt(size - 4) != Crc32c.of(b.array(), 0, size - 4)) {
            throw new CorruptObjectException(key, "header checksum mismatch");
        }
        ObjectKind kind = ObjectKind.ofCode(b.get(6));
        if (kind == null) {
            throw new CorruptObjectException(key, "unknown object kind " + b.get(6));
        }
        // Version 1 calls offset 7 flags and 52..59 reserved; both are written as 0 and not interpreted.
        int level = version == 1 ? 0 : b.get(7) & 0xff;
        Lineage lineage = version == 1 ? Lineage.LEGACY : new Lineage(b.getLong(52));
        int fileMode = version == 1 ? 0 : b.getShort(60) & 0xffff;
        try {
            return new ObjectHeader(version, kind, level, b.getInt(8), Integer.toUnsignedLong(b.getInt(12)),
                    b.getLong(16), b.getLong(24), Instant.ofEpochMilli(b.getLong(32)),
                    Instant.ofEpochMilli(b.getLong(40)), Integer.toUnsignedLong(b.getInt(48)), lineage, fileMode);
        } catch (IllegalArgumentException e) {
            throw new CorruptObjectException(key, e.getMessage());
        }
    }
}
