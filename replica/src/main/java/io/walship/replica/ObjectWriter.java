package io.walship.replica;

import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * Writes the envelope shared by both object kinds: header, LZ4 body, trailer. The kind-specific
 * writers ({@link SegmentWriter}, {@link SnapshotWriter}) write the uncompressed content through
 * {@link #content()}.
 *
 * <pre>
 *  +----------------------+-------------------------------------+-----------------------------+
 *  | header, 64 bytes     | body: one LZ4 frame of the content  | trailer, 16 bytes           |
 *  | see {@link ObjectHeader} | 64 KiB independent blocks,      | u64 content length          |
 *  |                      | content checksum (xxHash32) on      | u32 CRC32C of the content   |
 *  |                      |                                     | u32 end magic "WEND"        |
 *  +----------------------+-------------------------------------+-----------------------------+
 * </pre>
 */
final class ObjectWriter {
    static final int TRAILER_SIZE = 16;
    static final int END_MAGIC = 0x57454e44; // "WEND"

    private final OutputStream raw;
    private final CRC32C crc = new CRC32C();
    private final LZ4FrameOutputStream lz4;
    private final DataOutputStream content;
    private long length;

    ObjectWriter(OutputStream out, ObjectHeader header) throws IOException {
        this.raw = out;
        raw.write(header.encode());
        // The LZ4 stream closes what it wraps on close; the trailer still has to follow, so shield the raw stream.
        OutputStream shielded = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        this.lz4 = new LZ4FrameOutputStream(shielded, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
        this.content = new DataOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                crc.update(b, off, len);
                length += len;
                lz4.write(b, off, len);
            }
        });
    }

    DataOutputStream content() {
        return content;
    }

    long contentLength() {
        return length;
    }

    /** Ends the LZ4 frame and writes the trailer; the caller still owns and closes the raw stream. */
    void finish() throws IOException {
        content.flush();
        lz4.close();
        ByteBuffer t = ByteBuffer.allocate(TRAILER_SIZE);
        t.putLong(length);
        t.putInt((int) crc.getValue());
        t.putInt(END_MAGIC);
        raw.write(t.array());
        raw.flush();
    }
}
