package io.walship.replica;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
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
        this.raw = new TransportMarking(in);
        in = this.raw;
        byte[] head;
        try {
            // The version (bytes 4..5) says how long the header is; read exactly that much, no byte of the body.
            byte[] start = in.readNBytes(6);
            int version = start.length < 6 ? 0 : ((start[4] & 0xff) << 8) | (start[5] & 0xff);
            byte[] rest = in.readNBytes(Math.max(0, ObjectHeader.encodedSize(version) - start.length));
            head = java.util.Arrays.copyOf(start, start.length + rest.length);
            System.arraycopy(rest, 0, head, start.length, rest.length);
        } catch (TransportException e) {
            throw (IOException) e.getCause();
        }
        this.header = ObjectHeader.decode(key, head);
        try {
            // The native decompressor where lz4-java has one for the platform (else the Java one): its safe decompressor
            // checks malformed input as the Java one does (lz4-java 1.8.1 fixed the bounds checks of CVE-2025-12183), and
            // decompresses about 5 GB/s here against 1.3 GB/s for the Java one once compiled; a short restore runs the
            // Java one interpreted at first, where LZ4 took half of a 263 MiB restore's CPU samples.
            this.lz4 = new LZ4FrameInputStream(in, LZ4Factory.fastestInstance().safeDecompressor(),
                    XXHashFactory.fastestInstance().hash32(), true);
        } catch (IOException | RuntimeException e) {
            throw classify(e);
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
            } catch (IOException | RuntimeException e) {
                throw classify(e);
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
        } catch (IOException | RuntimeException e) {
            throw classify(e);
        }
        byte[] t = new byte[ObjectWriter.TRAILER_SIZE];
        try {
            new DataInputStream(raw).readFully(t);
        } catch (EOFException e) {
            throw corrupt("object is truncated (trailer missing)");
        } catch (TransportException e) {
            throw (IOException) e.getCause();
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
        int after;
        try {
            after = raw.read();
        } catch (TransportException e) {
            throw (IOException) e.getCause();
        }
        if (after != -1) {
            throw corrupt("unexpected bytes after the trailer");
        }
    }

    /**
     * A failure of the stream underneath (a dropped connection, a disk error) is not corruption: it passes through
     * as the I/O error it is. Everything else the LZ4 decoder says is about the bytes, so the object is corrupt.
     */
    private IOException classify(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransportException transport) {
                return (IOException) transport.getCause();
            }
        }
        if (e instanceof CorruptObjectException c) {
            return c;
        }
        return corrupt("bad LZ4 data: " + e.getMessage());
    }

    /** Wraps the underlying stream's own I/O errors so that they can be told apart from decoding errors. */
    private static final class TransportException extends IOException {
        TransportException(IOException cause) {
            super(cause);
        }
    }

    private static final class TransportMarking extends java.io.FilterInputStream {
        TransportMarking(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new TransportException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new TransportException(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                throw new TransportException(e);
            }
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
