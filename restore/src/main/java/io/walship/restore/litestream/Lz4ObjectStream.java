package io.walship.restore.litestream;

import io.walship.replica.CorruptObjectException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The content of one Litestream object. Every Litestream 0.3 object is exactly one LZ4 frame (the LZ4 frame format,
 * https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md, as github.com/pierrec/lz4/v4 writes it: magic
 * {@code 04 22 4d 18}, independent blocks of up to 4 MiB, an xxHash32 content checksum after the end mark) and nothing
 * after it. Decoding verifies the content checksum when the frame has one; the stream ends (-1) only after the end
 * mark, the checksum and a check that no byte follows.
 *
 * <p>A failure of the storage underneath (a dropped connection, a disk error) passes through as the I/O error it is;
 * anything the decoder rejects, a truncated frame or trailing bytes is a {@link CorruptObjectException} naming the
 * key, so that the restore reports the object and never uses part of it silently.
 */
final class Lz4ObjectStream extends InputStream {
    private static final byte[] AGE_MAGIC = "age-encryption.org/".getBytes(StandardCharsets.US_ASCII);

    private final String key;
    private final TransportMarking raw;
    private final LZ4FrameInputStream lz4;
    private boolean ended;

    Lz4ObjectStream(String key, InputStream in) throws IOException {
        this.key = key;
        this.raw = new TransportMarking(new BufferedInputStream(in, AGE_MAGIC.length));
        try {
            rejectEncrypted();
            // The native decompressor where lz4-java has one for the platform (else the Java one): its safe decompressor
            // checks malformed input as the Java one does (lz4-java 1.8.1 fixed the bounds checks of CVE-2025-12183), and
            // decompresses about 5 GB/s here against 1.3 GB/s for the Java one once compiled; a short restore runs the
            // Java one interpreted at first, where LZ4 took half of a 263 MiB restore's CPU samples.
            this.lz4 = new LZ4FrameInputStream(raw, LZ4Factory.fastestInstance().safeDecompressor(),
                    XXHashFactory.fastestInstance().hash32(), true);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw classify(e);
        }
    }

    /**
     * Litestream's {@code age:} setting encrypts each object with age (https://age-encryption.org) around the LZ4
     * frame; walship has no keys for that, and says so rather than reporting bad LZ4 data.
     */
    private void rejectEncrypted() throws IOException {
        raw.mark(AGE_MAGIC.length);
        byte[] head = raw.readNBytes(AGE_MAGIC.length);
        raw.reset();
        if (Arrays.equals(head, AGE_MAGIC)) {
            throw new CorruptObjectException(key, "it is encrypted with age (Litestream's age: setting), which walship"
                    + " cannot decrypt; restore the replica with Litestream, then replicate the restored database with"
                    + " walship");
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (ended) {
            return -1;
        }
        int n;
        try {
            n = lz4.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            throw classify(e);
        }
        if (n < 0) {
            ended = true;
            int after;
            try {
                after = raw.read();
            } catch (TransportException e) {
                throw (IOException) e.getCause();
            }
            if (after != -1) {
                throw new CorruptObjectException(key, "bytes follow the LZ4 frame");
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }

    private IOException classify(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransportException transport) {
                return (IOException) transport.getCause();
            }
        }
        if (e instanceof CorruptObjectException c) {
            return c;
        }
        return new CorruptObjectException(key, "bad LZ4 data: " + e.getMessage());
    }

    /** Wraps the underlying stream's own I/O errors so that they can be told apart from decoding errors. */
    private static final class TransportException extends IOException {
        TransportException(IOException cause) {
            super(cause);
        }
    }

    private static final class TransportMarking extends FilterInputStream {
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
}
