package io.walship.replicator.spool;

import io.walship.replica.Crc32c;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Reads durable spool records in order. {@link #next()} returns null when no more durable records exist yet; calling
 * it again later continues where it stopped. Page records are returned as references; {@link #readPage} loads one.
 */
public final class SpoolReader implements Closeable {
    private final Spool spool;
    private Spool.SpoolFile file;
    private FileChannel channel;
    private long position;

    SpoolReader(Spool spool) {
        this.spool = spool;
    }

    /** The next durable record (rest points skipped), or null if there is none yet. */
    public SpoolRecord next() throws IOException {
        while (true) {
            if (file == null) {
                if (!open(spool.fileAfter(null))) {
                    return null;
                }
            }
            if (position < file.durableEnd) {
                SpoolRecord r = readRecord();
                if (r != null) {
                    return r;
                }
                continue;
            }
            if (!file.sealed) {
                return null;
            }
            Spool.SpoolFile following = spool.fileAfter(file);
            if (following == null || !open(following)) {
                return null;
            }
        }
    }

    private boolean open(Spool.SpoolFile f) throws IOException {
        if (f == null) {
            return false;
        }
        if (channel != null) {
            channel.close();
        }
        channel = FileChannel.open(f.path, StandardOpenOption.READ);
        file = f;
        position = Spool.FILE_HEADER;
        return true;
    }

    private SpoolRecord readRecord() throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5);
        Spool.read(channel, head, position);
        int length = head.getInt(0);
        byte type = head.get(4);
        long start = position;
        long end = position + SpoolRecord.FRAME_OVERHEAD + Integer.toUnsignedLong(length);
        if (type == SpoolRecord.PAGE) {
            // Page images are verified when loaded; here only the txid and page number are needed.
            ByteBuffer ids = ByteBuffer.allocate(12);
            Spool.read(channel, ids, position + 5);
            position = end;
            return new SpoolRecord.Page(ids.getLong(0), Integer.toUnsignedLong(ids.getInt(8)), file.path, start, length - 12);
        }
        ByteBuffer rec = ByteBuffer.allocate((int) (end - start));
        Spool.read(channel, rec, start);
        int crcAt = rec.capacity() - 4;
        if (rec.hasRemaining() || rec.getInt(crcAt) != Crc32c.of(rec.array(), 0, crcAt)) {
            throw new SpoolCorruptException("spool file " + file.path + " is corrupt at offset " + start);
        }
        position = end;
        if (type == SpoolRecord.REST) {
            // A clean stop: local knowledge for the capturer, nothing to ship.
            return null;
        }
        CapturePoint p = SpoolRecord.parsePoint(rec.position(5).limit(crcAt).slice());
        return type == SpoolRecord.SNAPSHOT ? new SpoolRecord.Snapshot(p) : new SpoolRecord.Commit(p);
    }

    /**
     * Loads a page image into {@code into}, checking the record's CRC, which covers the image. The page must be in
     * the file this reader is on or an earlier one still present.
     */
    public static void readPage(SpoolRecord.Page page, byte[] into) throws IOException {
        try (FileChannel ch = FileChannel.open(page.file(), StandardOpenOption.READ)) {
            readPage(ch, page, into);
        }
    }

    /** Like {@link #readPage(SpoolRecord.Page, byte[])} through a channel the caller keeps open. */
    public static void readPage(FileChannel ch, SpoolRecord.Page page, byte[] into) throws IOException {
        int total = SpoolRecord.FRAME_OVERHEAD + 12 + page.pageSize();
        ByteBuffer rec = ByteBuffer.allocate(total);
        Spool.read(ch, rec, page.dataOffset());
        int crcAt = total - 4;
        if (rec.hasRemaining() || rec.getInt(crcAt) != Crc32c.of(rec.array(), 0, crcAt)) {
            throw new SpoolCorruptException("spool file " + page.file() + " has a damaged page record at offset " + page.dataOffset()
                    + "; move the spool folder aside and restart walship to take a new snapshot");
        }
        System.arraycopy(rec.array(), 5 + 12, into, 0, page.pageSize());
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
