package io.walship.restore.litestream;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * SQLite's WAL file format, the bytes inside Litestream's WAL segments (https://www.sqlite.org/fileformat2.html#walformat).
 * All header fields are big-endian.
 *
 * <pre>
 * WAL header, 32 bytes:
 *  offset size field
 *       0    4 magic: 0x377f0682 (checksum words read little-endian) or 0x377f0683 (read big-endian)
 *       4    4 format version, 3007000
 *       8    4 page size (512 .. 65536, a power of two)
 *      12    4 checkpoint sequence number
 *      16    4 salt-1
 *      20    4 salt-2
 *      24    4 checksum-1 \ over bytes 0..23
 *      28    4 checksum-2 /
 * then frames, each a 24-byte header and one page:
 *       0    4 page number (1 or more)
 *       4    4 for a commit frame, the database size in pages after the commit; 0 otherwise
 *       8    4 salt-1 \ equal to the WAL header's, else the frame is left over from before the WAL was restarted
 *      12    4 salt-2 /
 *      16    4 checksum-1 \ cumulative: continues from the previous frame's (the header's for the first frame) over
 *      20    4 checksum-2 / this frame header's bytes 0..7 and its page
 *      24    n page data (n = page size)
 * </pre>
 * SQLite's recovery uses the frames from the first up to the last commit frame before the first frame that fails a
 * check; frames after that are ignored, as if never written.
 */
final class WalFormat {
    static final int HEADER_SIZE = 32;
    static final int FRAME_HEADER_SIZE = 24;
    static final int MAGIC_LITTLE_ENDIAN = 0x377f0682;
    static final int MAGIC_BIG_ENDIAN = 0x377f0683;
    static final int VERSION = 3007000;

    private WalFormat() {
    }

    /** A WAL header that passed every check SQLite's recovery makes. */
    record Header(ByteOrder checksumOrder, int pageSize, int salt1, int salt2, int checksum1, int checksum2) {
    }

    /** The running checksum, two 32-bit words. */
    record Checksum(int s1, int s2) {
    }

    /**
     * Parses and checks a WAL header; null when it is not one SQLite would use (bad magic, version, page size or
     * checksum); {@code problem} receives why.
     */
    static Header parseHeader(byte[] b, StringBuilder problem) {
        ByteBuffer buf = ByteBuffer.wrap(b, 0, HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        int magic = buf.getInt(0);
        if (magic != MAGIC_LITTLE_ENDIAN && magic != MAGIC_BIG_ENDIAN) {
            problem.append(String.format("no WAL header (magic %08x)", magic));
            return null;
        }
        int version = buf.getInt(4);
        if (version != VERSION) {
            problem.append("WAL format version ").append(version).append(" is not ").append(VERSION);
            return null;
        }
        int pageSize = buf.getInt(8);
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            problem.append("WAL header page size ").append(pageSize).append(" is invalid");
            return null;
        }
        ByteOrder order = magic == MAGIC_BIG_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Checksum sum = checksum(order, new Checksum(0, 0), b, 0, 24);
        if (sum.s1() != buf.getInt(24) || sum.s2() != buf.getInt(28)) {
            problem.append("WAL header checksum mismatch");
            return null;
        }
        return new Header(order, pageSize, buf.getInt(16), buf.getInt(20), sum.s1(), sum.s2());
    }

    /** SQLite's WAL checksum of {@code len} bytes (a multiple of 8) at {@code off}, continuing from {@code start}. */
    static Checksum checksum(ByteOrder order, Checksum start, byte[] b, int off, int len) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(order);
        int s1 = start.s1();
        int s2 = start.s2();
        for (int i = off; i < off + len; i += 8) {
            s1 += buf.getInt(i) + s2;
            s2 += buf.getInt(i + 4) + s1;
        }
        return new Checksum(s1, s2);
    }

    /** The page size a database file's header (its first 100 bytes) declares; 0 when it is not a SQLite database. */
    static int databasePageSize(byte[] header) {
        byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < magic.length; i++) {
            if (header[i] != magic[i]) {
                return 0;
            }
        }
        int raw = ((header[16] & 0xff) << 8) | (header[17] & 0xff);
        int pageSize = raw == 1 ? 65536 : raw;
        return pageSize >= 512 && Integer.bitCount(pageSize) == 1 ? pageSize : 0;
    }
}
