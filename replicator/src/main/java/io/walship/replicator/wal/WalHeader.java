package io.walship.replicator.wal;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The 32-byte header of a SQLite {@code -wal} file. All fields are big-endian.
 *
 * <pre>
 *  offset size field
 *       0    4 magic: 0x377f0682 (checksums over little-endian words) or 0x377f0683 (big-endian words)
 *       4    4 file format version, 3007000
 *       8    4 database page size
 *      12    4 checkpoint sequence number
 *      16    4 salt-1, incremented by one at every WAL restart
 *      20    4 salt-2, a new random value at every WAL restart
 *      24    4 checksum-1 over bytes 0..23
 *      28    4 checksum-2
 * </pre>
 * A header with a wrong magic, version, page size or checksum means "no valid WAL": SQLite itself then ignores
 * the file's frames.
 */
public record WalHeader(boolean bigEndianChecksum, int pageSize, int checkpointSequence, int salt1, int salt2,
                        WalChecksum checksum) {
    public static final int SIZE = 32;
    public static final int MAGIC_LE = 0x377f0682;
    public static final int MAGIC_BE = 0x377f0683;
    public static final int VERSION = 3007000;

    /** Parses {@code bytes[0..32)}; empty when they are not a valid WAL header. */
    public static Optional<WalHeader> parse(byte[] bytes) {
        if (bytes.length < SIZE) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, SIZE);
        int magic = b.getInt(0);
        if (magic != MAGIC_LE && magic != MAGIC_BE) {
            return Optional.empty();
        }
        boolean bigEndian = (magic & 1) == 1;
        int pageSize = b.getInt(8);
        if (b.getInt(4) != VERSION || pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            return Optional.empty();
        }
        WalChecksum sum = WalChecksum.ZERO.update(bigEndian, bytes, 0, 24);
        if (sum.s1() != b.getInt(24) || sum.s2() != b.getInt(28)) {
            return Optional.empty();
        }
        return Optional.of(new WalHeader(bigEndian, pageSize, b.getInt(12), b.getInt(16), b.getInt(20), sum));
    }

    /** Whether {@code next} is the header SQLite writes at the very next restart of this WAL. */
    public boolean isFollowedBy(WalHeader next) {
        return next.salt1 == salt1 + 1 && next.pageSize == pageSize && next.bigEndianChecksum == bigEndianChecksum;
    }

    /** Whether both headers describe the same WAL generation. */
    public boolean sameGeneration(WalHeader other) {
        return other.salt1 == salt1 && other.salt2 == salt2 && other.checkpointSequence == checkpointSequence
                && other.pageSize == pageSize && other.bigEndianChecksum == bigEndianChecksum;
    }

    /** Encodes a header with these fields and a freshly computed checksum; used by tests that hand-make WALs. */
    public static byte[] encode(boolean bigEndian, int pageSize, int checkpointSequence, int salt1, int salt2) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putInt(bigEndian ? MAGIC_BE : MAGIC_LE).putInt(VERSION).putInt(pageSize).putInt(checkpointSequence)
                .putInt(salt1).putInt(salt2);
        WalChecksum sum = WalChecksum.ZERO.update(bigEndian, b.array(), 0, 24);
        b.putInt(sum.s1()).putInt(sum.s2());
        return b.array();
    }

    @Override
    public String toString() {
        return String.format("WAL(page size %d, checkpoint %d, salts %08x/%08x)", pageSize, checkpointSequence, salt1, salt2);
    }
}
