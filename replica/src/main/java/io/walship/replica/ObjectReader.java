package io.walship.replica;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Reads and verifies the envelope written by {@link ObjectWriter}. Every failure, including a short or
 * truncated stream and a bad LZ4 frame, surfaces as {@link CorruptObjectException} naming the key.
 */
final class ObjectReader implements AutoCloseable {
    private final String key;
    private final InputStream raw;
    private final ObjectHeader header;
    private final LZ4FrameInputStream lz4;
    private final CRC32C crc = new CRC32C();
    private long length;

    ObjectReader(String key, InputStream in) throws IOException {
        this.key = key;
        this.raw = in;
        this.header = ObjectHeader.decode(key, in.readNBytes(ObjectHeader.SIZE));
        try {
            this.lz4 = new LZ4FrameInputStream(in, LZ4Factory.fastestJavaInstance().safeDecompressor(),
                    XXHashFactory.fastestJavaInstance().hash32(), true);
        } catch (IOException | LZ4Exception e) {
            throw corrupt("bad LZ4 frame: " + e.getMessage());
        }
    }

    ObjectHeader header() {
        return header;
    }

    String key() {
        return key;
    }

    /** Reads exactly {@code len} content bytes. */
    void readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n;
            try {
                n = lz4.read(b, off + done, len - done);
            } catch (LZ4Exception | IOException e) {
                if (e instanceof CorruptObjectException c) {
                    throw c;
                }
                throw corrupt("bad LZ4 data: " + e.getMessage());
            }
            if (n < 0) {
                throw corrupt("content ends early after " + (length + done) + " bytes");
            }
            done += n;
        }
        crc.update(b, off, len);
        length += len;
    }

    long readLong() throws IOException {
        byte[] b = new byte[8];
        readFully(b, 0, 8);
        return ByteBuffer.wrap(b).getLong();
    }

    int readInt() throws IOException {
        byte[] b = new byte[4];
        readFully(b, 0, 4);
        return ByteBuffer.wrap(b).getInt();
    }

    /** Checks that the content ends here and that the trailer matches what was read. */
    void verifyEnd() throws IOException {
        try {
            if (lz4.read() != -1) {
                throw corrupt("content is longer than its records");
            }
        } catch (LZ4Exception e) {
            throw corrupt("bad LZ4 data: " + e.getMessage());
        } catch (IOException e) {
            if (e instanceof CorruptObjectException c) {
                throw c;
            }
            throw corrupt("bad LZ4 data: " + e.getMessage());
        }
        byte[] t = new byte[ObjectWriter.TRAILER_SIZE];
        try {
            new DataInputStream(raw).readFully(t);
        } catch (EOFException e) {
            throw corrupt("object is truncated (trailer missing)");
        }
        ByteBuffer b = ByteBuffer.wrap(t);
        long expectedLength = b.getLong();
        int expectedCrc = b.getInt();
        if (b.getInt() != ObjectWriter.END_MAGIC) {
            throw corrupt("bad trailer magic");
        }
        if (expectedLength != length) {
            throw corrupt("content length " + length + " does not match trailer " + expectedLength);
        }
        if (expectedCrc != (int) crc.getValue()) {
            throw corrupt("content CRC32C mismatch");
        }
        if (raw.read() != -1) {
            throw corrupt("unexpected bytes after the trailer");
        }
    }

    CorruptObjectException corrupt(String problem) {
        return new CorruptObjectException(key, problem);
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
