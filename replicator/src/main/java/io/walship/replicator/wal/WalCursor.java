package io.walship.replicator.wal;

/**
 * A position inside one WAL generation: how many frames have been consumed (0 = none) and the running
 * checksum after the last consumed frame (the header's checksum when none). The next frame is only valid if
 * its checksum continues from this one.
 */
public record WalCursor(long frames, WalChecksum checksum) {
    public static WalCursor start(WalHeader header) {
        return new WalCursor(0, header.checksum());
    }

    /** Byte offset of frame {@code frameIndex} (1-based) in a WAL with this page size. */
    public static long frameOffset(long frameIndex, int pageSize) {
        return WalHeader.SIZE + (frameIndex - 1) * (WalFrame.HEADER_SIZE + (long) pageSize);
    }
}
