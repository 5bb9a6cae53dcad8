package io.walship.replicator.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read window over one spool file: one positioned read fills up to {@link #SIZE} bytes, and the records inside are
 * served from memory. The shipper reads a page record's head to batch it and its image to build the segment; with a
 * read per record each, a busy app's small transactions cost it several system calls and buffers per page.
 *
 * <p>A fill never reads past the limit its caller gives, the file's durable end at that moment: bytes after it may
 * still change (a failed write is rolled back and written again), and the window must not serve them later as if
 * they were the durable ones. Used by one thread.
 */
final class SpoolWindow {
    /** Larger than any record (a page record holds at most a 64 KiB image). */
    static final int SIZE = 256 << 10;

    private final ByteBuffer buffer = ByteBuffer.allocate(SIZE);
    /** The file offset of the window's first byte. */
    private long start;
    /** How many bytes from {@link #start} the window holds. */
    private int valid;

    /** Forgets what the window holds (another file, or a file that changed). */
    void reset() {
        valid = 0;
    }

    /**
     * Makes the file's bytes {@code [offset, offset + length)} available and returns where they start in
     * {@link #buffer()}; -1 when fewer than {@code length} bytes lie before {@code limit} and the file's end.
     */
    int at(FileChannel channel, long offset, long length, long limit) throws IOException {
        if (offset >= start && offset + length <= start + valid) {
            return (int) (offset - start);
        }
        if (length > SIZE || offset + length > limit) {
            return -1;
        }
        start = offset;
        valid = 0;
        buffer.clear().limit((int) Math.min(SIZE, limit - offset));
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, start + buffer.position()) < 0) {
                break;
            }
        }
        valid = buffer.position();
        return length <= valid ? 0 : -1;
    }

    /** The window's bytes, a heap buffer whose index 0 is the file offset of the last fill. */
    ByteBuffer buffer() {
        return buffer;
    }
}
