package io.walship.replicator.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads durable spool records in order. {@link #next()} returns null when no more durable records exist yet; calling
 * it again later continues where it stopped. {@link #position()} and {@link #seek} let a shipper return to the first
 * record of a batch that did not reach its replica. Page records are returned as references; {@link #readPage} loads
 * one. Used by one shipping thread; the spool's files are shared, their state read as published values.
 */
public final class SpoolReader implements Closeable {
    private final Spool spool;
    private SpoolFile file;
    private FileChannel channel;
    private long position;

    /** Where a reader stands: before the record at {@code offset} of {@code file}. */
    public record Position(Path file, long offset) {
    }

    SpoolReader(Spool spool) {
        this.spool = spool;
    }

    /** The next durable record (rest points and releases skipped), or null if there is none yet. */
    public SpoolRecord next() throws IOException {
        while (true) {
            if (file == null && !open(spool.fileAfter(null), SpoolFormat.HEADER)) {
                return null;
            }
            // One read of the file's state: its end and whether it is sealed belong to the same moment.
            SpoolFile.State state = file.state();
            if (position < state.durableEnd()) {
                SpoolRecord r = readRecord();
                if (r != null) {
                    return r;
                }
                continue;
            }
            if (!state.sealed()) {
                return null;
            }
            SpoolFile following = spool.fileAfter(file);
            if (following == null || !open(following, SpoolFormat.HEADER)) {
                return null;
            }
        }
    }

    /** Where the next {@link #next()} starts; null before the first record was read. */
    public Position position() {
        return file == null ? null : new Position(file.path, position);
    }

    /**
     * Returns to {@code p}, taken earlier from {@link #position()}. When that file was released meanwhile, the reader
     * starts over at the oldest record the spool holds.
     */
    public void seek(Position p) throws IOException {
        SpoolFile f = p == null ? null : spool.file(p.file());
        if (f == null) {
            closeChannel();
            file = null;
            position = 0;
            return;
        }
        open(f, p.offset());
    }

    private boolean open(SpoolFile f, long at) throws IOException {
        if (f == null) {
            return false;
        }
        closeChannel();
        channel = FileChannel.open(f.path, StandardOpenOption.READ);
        file = f;
        position = at;
        return true;
    }

    private SpoolRecord readRecord() throws IOException {
        ByteBuffer head = ByteBuffer.allocate(SpoolFormat.FRAME_HEAD);
        SpoolLoader.read(channel, head, position);
        byte type = SpoolFormat.type(head);
        long start = position;
        long end = position + SpoolFormat.recordLength(head);
        if (type == SpoolFormat.TYPE_PAGE) {
            // Page images are verified when loaded; here only the txid and page number are needed.
            ByteBuffer ids = ByteBuffer.allocate(SpoolFormat.PAGE_IDS);
            SpoolLoader.read(channel, ids, position + SpoolFormat.FRAME_HEAD);
            position = end;
            return new SpoolRecord.Page(SpoolFormat.pageTxid(ids), SpoolFormat.pageNumber(ids), file.path, start,
                    (int) (end - start) - SpoolFormat.FRAME_OVERHEAD - SpoolFormat.PAGE_IDS);
        }
        ByteBuffer rec = ByteBuffer.allocate((int) (end - start));
        SpoolLoader.read(channel, rec, start);
        if (rec.hasRemaining() || !SpoolFormat.intact(rec)) {
            throw new SpoolCorruptException("spool file " + file.path + " is corrupt at offset " + start);
        }
        position = end;
        ByteBuffer payload = SpoolFormat.payload(rec);
        return switch (type) {
            case SpoolFormat.TYPE_COMMIT -> new SpoolRecord.Commit(SpoolFormat.parsePoint(payload));
            case SpoolFormat.TYPE_SNAPSHOT -> {
                CapturePoint p = SpoolFormat.parsePoint(payload);
                // A snapshot every replica already holds was released: its object is gone, nothing to ship.
                yield spool.hasSnapshot(p.txid()) ? new SpoolRecord.Snapshot(p) : null;
            }
            // Local bookkeeping, nothing to ship.
            case SpoolFormat.TYPE_REST, SpoolFormat.TYPE_RELEASED -> null;
            default -> throw new SpoolCorruptException("spool file " + file.path + " has an unknown record type " + type
                    + " at offset " + start);
        };
    }

    /** Loads a page image into {@code into}, checking the record's CRC; opens the page's file for the one read. */
    public static void readPage(SpoolRecord.Page page, byte[] into) throws IOException {
        try (FileChannel ch = FileChannel.open(page.file(), StandardOpenOption.READ)) {
            readPage(ch, page, into);
        }
    }

    /**
     * Loads a page image into {@code into} through a channel the caller keeps open, checking the record's CRC, which
     * covers the image.
     */
    public static void readPage(FileChannel ch, SpoolRecord.Page page, byte[] into) throws IOException {
        int total = SpoolFormat.FRAME_OVERHEAD + SpoolFormat.PAGE_IDS + page.pageSize();
        ByteBuffer rec = ByteBuffer.allocate(total);
        SpoolLoader.read(ch, rec, page.recordOffset());
        if (rec.hasRemaining() || !SpoolFormat.intact(rec)) {
            throw new SpoolCorruptException("spool file " + page.file() + " has a damaged page record at offset "
                    + page.recordOffset() + "; move the spool folder aside and restart walship with -adopt-lineage to continue"
                    + " the replica's history with a new snapshot");
        }
        System.arraycopy(rec.array(), SpoolFormat.PAGE_IMAGE_AT, into, 0, page.pageSize());
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeChannel();
    }
}
