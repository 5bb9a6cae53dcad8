package io.walship.replicator.wal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a WAL file by hand, the way SQLite's {@code sqlite3WalFrames} does: a 32-byte header, then frames whose
 * checksums continue a running checksum that starts at the header's. The checksum byte order follows the magic
 * unless a test deliberately computes frame checksums in the other order.
 */
final class WalBuilder {
    private final boolean frameChecksumBigEndian;
    private final int pageSize;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<WalChecksum> checksums = new ArrayList<>();
    private int salt1;
    private int salt2;
    private WalChecksum running;

    WalBuilder(boolean bigEndian, int pageSize, int checkpointSequence, int salt1, int salt2) {
        this(WalHeader.encode(bigEndian, pageSize, checkpointSequence, salt1, salt2), bigEndian, pageSize);
    }

    /** Starts from arbitrary header bytes; the running checksum starts from the header's stored checksum fields. */
    WalBuilder(byte[] header, boolean frameChecksumBigEndian, int pageSize) {
        this.frameChecksumBigEndian = frameChecksumBigEndian;
        this.pageSize = pageSize;
        ByteBuffer h = ByteBuffer.wrap(header);
        this.salt1 = h.getInt(16);
        this.salt2 = h.getInt(20);
        this.running = new WalChecksum(h.getInt(24), h.getInt(28));
        out.writeBytes(header);
    }

    /** Frames written from now on carry these salts (the checksum does not cover the salts). */
    WalBuilder salts(int salt1, int salt2) {
        this.salt1 = salt1;
        this.salt2 = salt2;
        return this;
    }

    WalBuilder frame(long pgno, long commitSize, byte[] page, int offset) {
        ByteBuffer h = ByteBuffer.allocate(WalFrame.HEADER_SIZE);
        h.putInt((int) pgno).putInt((int) commitSize).putInt(salt1).putInt(salt2);
        running = running.update(frameChecksumBigEndian, h.array(), 0, 8)
                .update(frameChecksumBigEndian, page, offset, pageSize);
        h.putInt(running.s1()).putInt(running.s2());
        checksums.add(running);
        out.writeBytes(h.array());
        out.write(page, offset, pageSize);
        return this;
    }

    /** One transaction: the pages of {@code image} listed in {@code pgnos}, the last frame committing {@code dbPages}. */
    WalBuilder transaction(byte[] image, List<Long> pgnos, long dbPages) {
        for (int i = 0; i < pgnos.size(); i++) {
            long pgno = pgnos.get(i);
            frame(pgno, i == pgnos.size() - 1 ? dbPages : 0, image, Math.toIntExact((pgno - 1) * pageSize));
        }
        return this;
    }

    List<WalChecksum> checksums() {
        return checksums;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** A header with arbitrary fields, its checksum computed over bytes 0..23 in the given byte order. */
    static byte[] rawHeader(int magic, int version, int pageSize, int checkpointSequence, int salt1, int salt2,
                            boolean checksumBigEndian) {
        ByteBuffer b = ByteBuffer.allocate(WalHeader.SIZE);
        b.putInt(magic).putInt(version).putInt(pageSize).putInt(checkpointSequence).putInt(salt1).putInt(salt2);
        WalChecksum sum = WalChecksum.ZERO.update(checksumBigEndian, b.array(), 0, 24);
        b.putInt(sum.s1()).putInt(sum.s2());
        return b.array();
    }
}
