package io.walship.replicator.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * The header SQLite keeps at the start of the wal-index (the {@code -shm} file): what every connection treats as the
 * committed end of the WAL. The file holds two copies of this 48-byte structure (bytes 0..47 and 48..95, the writer
 * updates the second first), followed by the checkpoint information. Integers are in the machine's native byte
 * order, because the wal-index is shared memory and never leaves the machine; the salts alone are copied byte for
 * byte from the WAL header and so stay big-endian.
 *
 * <pre>
 *  offset size field
 *       0    4 iVersion, 3007000
 *       4    4 unused
 *       8    4 iChange: incremented by every commit
 *      12    1 isInit: 1 once the header is valid
 *      13    1 bigEndCksum: the WAL's checksums are over big-endian words
 *      14    2 szPage: page size, with 65536 stored as 1
 *      16    4 mxFrame: the last frame of the last committed transaction (0: no committed frame)
 *      20    4 nPage: database size in pages after that transaction
 *      24    8 aFrameCksum: the cumulative checksum after frame mxFrame (the WAL header's when mxFrame is 0)
 *      32    8 aSalt: salt-1 and salt-2 of the WAL generation these frames belong to
 *      40    8 aCksum: checksum over bytes 0..39, native word order
 *  96.. 135    checkpoint information: nBackfill u32 at 96, five read marks, lock bytes, nBackfillAttempted
 * </pre>
 *
 * <p>Frames past {@code mxFrame} are not committed, whatever their checksums say: SQLite writes a transaction's frames,
 * syncs them, and only then publishes the new {@code mxFrame} here. An app that dies in between leaves checksum-valid
 * commit frames in the WAL that every connection ignores while the wal-index lives, and that the next writer
 * overwrites. So this header, not the WAL file, tells walship what SQLite committed.
 *
 * @param change iChange, which moves with every commit, so two equal headers prove no commit happened in between
 * @param frames mxFrame
 * @param frameChecksum the running checksum after frame {@code frames}
 */
public record WalIndexHeader(int change, boolean bigEndianChecksum, int pageSize, long frames, long databasePages,
                             WalChecksum frameChecksum, int salt1, int salt2) {
    /** Bytes to read from the start of the {@code -shm} file: both header copies and the checkpoint information. */
    public static final int READ_SIZE = 136;
    static final int COPY_SIZE = 48;
    static final int VERSION = 3007000;

    /**
     * Parses the start of a {@code -shm} file as SQLite does (both copies equal, initialised, checksum valid); empty
     * when the header is being written or not initialised, and the caller should read it again.
     */
    public static Optional<WalIndexHeader> parse(byte[] bytes) {
        if (bytes.length < 2 * COPY_SIZE) {
            return Optional.empty();
        }
        if (!Arrays.equals(bytes, 0, COPY_SIZE, bytes, COPY_SIZE, 2 * COPY_SIZE)) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, COPY_SIZE).order(ByteOrder.nativeOrder());
        if (b.getInt(0) != VERSION || bytes[12] == 0) {
            return Optional.empty();
        }
        boolean nativeBigEndian = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
        WalChecksum sum = WalChecksum.ZERO.update(nativeBigEndian, bytes, 0, 40);
        if (sum.s1() != b.getInt(40) || sum.s2() != b.getInt(44)) {
            return Optional.empty();
        }
        int sz = b.getShort(14) & 0xffff;
        int pageSize = (sz & 0xfe00) + ((sz & 1) << 16);
        ByteBuffer salts = ByteBuffer.wrap(bytes, 32, 8).order(ByteOrder.BIG_ENDIAN);
        return Optional.of(new WalIndexHeader(b.getInt(8), bytes[13] != 0, pageSize, Integer.toUnsignedLong(b.getInt(16)),
                Integer.toUnsignedLong(b.getInt(20)), new WalChecksum(b.getInt(24), b.getInt(28)), salts.getInt(32),
                salts.getInt(36)));
    }

    /** Whether the WAL file header {@code wal} starts the generation this wal-index describes. */
    public boolean describes(WalHeader wal) {
        return wal.salt1() == salt1 && wal.salt2() == salt2 && wal.pageSize() == pageSize
                && wal.bigEndianChecksum() == bigEndianChecksum;
    }

    public WalGeneration generation() {
        return WalGeneration.of(this);
    }

    @Override
    public String toString() {
        return String.format("wal-index(%d committed frames, salts %08x/%08x, change %d)", frames, salt1, salt2, change);
    }
}
