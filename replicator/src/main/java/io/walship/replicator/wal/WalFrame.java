package io.walship.replicator.wal;

/**
 * One WAL frame as the scanner hands it over. The frame's 24-byte header, big-endian:
 * <pre>
 *  offset size field
 *       0    4 page number
 *       4    4 for a commit frame, the database size in pages after the commit; 0 otherwise
 *       8    4 salt-1, copied from the WAL header
 *      12    4 salt-2, copied from the WAL header
 *      16    4 checksum-1: cumulative over all frames so far, covering bytes 0..7 of this header and the page
 *      20    4 checksum-2
 * </pre>
 * followed by the page image. {@code page} is a reused buffer: copy what must outlive the callback.
 */
public record WalFrame(long index, long pgno, long commitSize, byte[] page, WalChecksum checksum) {
    public static final int HEADER_SIZE = 24;

    public boolean isCommit() {
        return commitSize != 0;
    }
}
