package io.walship.replicator.spool;

import io.walship.replica.DatabasePages;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads durable spool records in order. {@link #next()} returns null when no more durable records exist yet; calling
 * it again later continues where it stopped. {@link #position()} and {@link #seek} let a shipper return to the first
 * record of a batch that did not reach its replica. Page records are returned as references; a {@link PageLoader}
 * (or {@link #readPage}) loads their images. Records are read through a {@link SpoolWindow}. Used by one shipping
 * thread; the spool's files are shared, their state read as published values.
 */
public final class SpoolReader implements Closeable {
    private final Spool spool;
    private SpoolFile file;
    private FileChannel channel;
    private long position;
    private final SpoolWindow window = new SpoolWindow();

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
                SpoolRecord r = readRecord(state.durableEnd());
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
        window.reset();
        file = f;
        position = at;
        return true;
    }

    /** Reads the record at {@link #position}, which starts before {@code durableEnd}; null for bookkeeping records. */
    private SpoolRecord readRecord(long durableEnd) throws IOException {
        long start = position;
        int at = window.at(channel, start, SpoolFormat.FRAME_HEAD, durableEnd);
        if (at < 0) {
            throw corrupt(start, "a record head past the durable end " + durableEnd);
        }
        ByteBuffer w = window.buffer();
        long length = SpoolFormat.FRAME_OVERHEAD + Integer.toUnsignedLong(w.getInt(at));
        byte type = w.get(at + SpoolFormat.TYPE_AT);
        if (length > SpoolWindow.SIZE) {
            throw corrupt(start, "a record of " + length + " bytes, longer than any spool record");
        }
        // Within the window's size (checked above), so the image's length fits an int.
        if (type == SpoolFormat.TYPE_PAGE
                && !DatabasePages.validPageSize((int) (length - SpoolFormat.FRAME_OVERHEAD - SpoolFormat.PAGE_IDS))) {
            throw corrupt(start, "a page record of " + length + " bytes, which holds no page of a valid size");
        }
        at = window.at(channel, start, length, durableEnd);
        if (at < 0) {
            throw corrupt(start, "a record of " + length + " bytes that does not end before the durable end " + durableEnd);
        }
        long end = start + length;
        if (type == SpoolFormat.TYPE_PAGE) {
            // Page images are verified when loaded; here only the txid and page number are needed.
            ByteBuffer ids = w.duplicate().position(at + SpoolFormat.FRAME_HEAD).slice();
            position = end;
            return new SpoolRecord.Page(SpoolFormat.pageTxid(ids), SpoolFormat.pageNumber(ids), file.path, start,
                    (int) length - SpoolFormat.FRAME_OVERHEAD - SpoolFormat.PAGE_IDS);
        }
        if (!SpoolFormat.intact(w.array(), at, (int) length)) {
            throw corrupt(start, "checksum mismatch");
        }
        position = end;
        ByteBuffer payload = w.duplicate().position(at + SpoolFormat.FRAME_HEAD).limit(at + (int) length - SpoolFormat.CRC)
                .slice();
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

    private SpoolCorruptException corrupt(long offset, String problem) {
        return new SpoolCorruptException("spool file " + file.path + " is corrupt at offset " + offset + " (" + problem + ")");
    }

    /** A loader for the images of the page records this reader returns; see {@link PageLoader}. */
    public PageLoader pages() {
        return new PageLoader(spool);
    }

    /**
     * Loads the images of page records through one read window per file, with each image's record CRC checked: a
     * segment's pages come from a few neighbouring records, so one read serves many. Keeps the files it read open until
     * closed. Used by one thread.
     */
    public static final class PageLoader implements Closeable {
        private final Spool spool;
        private final Map<Path, FileChannel> open = new HashMap<>();
        private final SpoolWindow window = new SpoolWindow();
        private Path windowFile;

        private PageLoader(Spool spool) {
            this.spool = spool;
        }

        /** Loads {@code page}'s image into {@code into}. */
        public void load(SpoolRecord.Page page, byte[] into) throws IOException {
            FileChannel ch = open.get(page.file());
            if (ch == null) {
                ch = FileChannel.open(page.file(), StandardOpenOption.READ);
                open.put(page.file(), ch);
            }
            if (!page.file().equals(windowFile)) {
                window.reset();
                windowFile = page.file();
            }
            if (!DatabasePages.validPageSize(page.pageSize())) {
                throw damagedPage(page);
            }
            int total = SpoolFormat.FRAME_OVERHEAD + SpoolFormat.PAGE_IDS + page.pageSize();
            long recordEnd = page.recordOffset() + total;
            // The record itself is durable (the reader returned it); the window may hold more, up to the durable end.
            SpoolFile f = spool.file(page.file());
            long limit = f == null ? recordEnd : Math.max(recordEnd, f.state().durableEnd());
            int at = window.at(ch, page.recordOffset(), total, limit);
            byte[] w = window.buffer().array();
            if (at < 0 || !SpoolFormat.intact(w, at, total)) {
                throw damagedPage(page);
            }
            System.arraycopy(w, at + SpoolFormat.PAGE_IMAGE_AT, into, 0, page.pageSize());
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (FileChannel c : open.values()) {
                try {
                    c.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            open.clear();
            if (first != null) {
                throw first;
            }
        }
    }

    private static SpoolCorruptException damagedPage(SpoolRecord.Page page) {
        return new SpoolCorruptException("spool file " + page.file() + " has a damaged page record at offset "
                + page.recordOffset() + "; move the spool folder aside and restart walship with -adopt-lineage to continue"
                + " the replica's history with a new snapshot");
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
            throw damagedPage(page);
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
