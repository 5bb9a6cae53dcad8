package io.walship.restore;

import io.walship.replica.ObjectHeader;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentReader;
import io.walship.replica.SnapshotReader;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * Downloads and decodes a restore's objects ahead of the thread that applies them, within a {@link Prefetch} window.
 *
 * <p>Object {@code i} is read on a download thread of its own: the thread streams it from the storage through the
 * object's reader (LZ4 decompression, every structural check, the checksums at the end) and hands each decoded record to
 * the apply thread through the object's queue. At most {@link Prefetch#objects()} objects are in flight, started in
 * apply order (and never more than the storage serves at once, {@link ReplicaStorage#maxConcurrentReads()}), so the
 * object the apply thread waits for is always being read; each object's queue holds at most its share of
 * {@link Prefetch#bytes()}, so memory stays bounded however far the downloads run ahead. A download interrupted by a
 * failed connection resumes at the offset it reached. The
 * apply thread takes the objects strictly in order ({@link #next()}), so pages are applied in txid order.
 *
 * <p>Pages of transactions the restore will not apply ({@code wanted} says which) are decoded and verified but not
 * handed over. Threads: the apply thread calls {@link #next()} and {@link #close()}; everything else runs on the
 * fetcher's own daemon threads, ended by {@link #close()}.
 */
final class ObjectFetcher implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ObjectFetcher.class);
    /** Every record is charged at least this much against its object's budget, so empty transactions count too. */
    private static final int RECORD_OVERHEAD = 64;

    /** One decoded record of an object, in the order the object holds them. */
    sealed interface Item permits Header, Page, Transaction, End, Failure {
    }

    /** The object's header, checked (checksum) but not yet against its key; always the first item. */
    record Header(ObjectHeader header) implements Item {
    }

    /** A page image: a snapshot's page, or a page of the transaction before it. */
    record Page(long pgno, byte[] image) implements Item {
    }

    /**
     * A segment's transaction; when {@code pagesFollow} its pages come next, otherwise they were verified and dropped
     * because the restore does not apply this transaction.
     */
    record Transaction(SegmentReader.TransactionHeader header, boolean pagesFollow) implements Item {
    }

    /** The whole object was read and its trailer's checksums verified; always the last item of an object read whole. */
    record End() implements Item {
    }

    /** Reading the object failed: the storage, or a corrupt object (which names its key). Always the last item. */
    record Failure(Exception error) implements Item {
    }

    /** One object being read: the apply thread takes its items with {@link #take()}. */
    final class Stream {
        private final ReplicaObject object;
        private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
        private final Semaphore budget;

        private Stream(ReplicaObject object) {
            this.object = object;
            this.budget = new Semaphore((int) Math.min(Integer.MAX_VALUE, prefetch.bytes() / window));
        }

        ReplicaObject object() {
            return object;
        }

        /** The next item, waiting for the download thread; a page's bytes are returned to the budget on the next take. */
        Item take() throws InterruptedException {
            Item item = queue.take();
            budget.release(cost(item));
            return item;
        }

        private void put(Item item) throws InterruptedException {
            budget.acquire(cost(item));
            queue.put(item);
        }

        private void read() {
            try {
                try (InputStream in = new BufferedInputStream(new Counting(new Resuming(object.key())), 1 << 16)) {
                    if (object.isSnapshot()) {
                        readSnapshot(in);
                    } else {
                        readSegment(in);
                    }
                }
                put(new End());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the restore is over; nobody reads this queue any more
            } catch (IOException | RuntimeException e) {
                queue.add(new Failure(e)); // last item, never blocked: a failure must always reach the apply thread
            }
        }

        private void readSnapshot(InputStream in) throws IOException, InterruptedException {
            try (SnapshotReader reader = new SnapshotReader(object.key(), in)) {
                put(new Header(reader.header()));
                while (true) {
                    byte[] page = new byte[reader.header().pageSize()];
                    long pgno = reader.nextPage(page);
                    if (pgno == 0) {
                        return;
                    }
                    put(new Page(pgno, page));
                }
            }
        }

        private void readSegment(InputStream in) throws IOException, InterruptedException {
            try (SegmentReader reader = new SegmentReader(object.key(), in)) {
                put(new Header(reader.header()));
                SegmentReader.TransactionHeader tx;
                // nextTransaction skips the pages of a transaction not handed over, verifying them all the same.
                while ((tx = reader.nextTransaction()) != null) {
                    boolean wanted = ObjectFetcher.this.wanted.test(tx.txid(), tx.time());
                    put(new Transaction(tx, wanted));
                    for (int i = 0; wanted && i < tx.pageCount(); i++) {
                        byte[] page = new byte[reader.header().pageSize()];
                        long pgno = reader.nextPage(page);
                        put(new Page(pgno, page));
                    }
                }
            }
        }
    }

    /** How often one object's download is resumed after its connection failed, before the failure counts. */
    static final int RESUMES = 3;

    private final ReplicaStorage storage;
    private final List<ReplicaObject> objects;
    private final Prefetch prefetch;
    private final int window;
    private final BiPredicate<Long, java.time.Instant> wanted;
    private final RestoreProgress progress;
    private final ExecutorService threads;
    private final List<Stream> streams = new ArrayList<>();
    private int taken;

    /**
     * @param objects  the objects in the order they are applied
     * @param wanted   whether the restore applies a transaction (txid, time); the pages of others are not handed over
     * @param progress receives the bytes downloaded
     */
    ObjectFetcher(ReplicaStorage storage, List<ReplicaObject> objects, Prefetch prefetch,
                  BiPredicate<Long, java.time.Instant> wanted, RestoreProgress progress) {
        this.storage = storage;
        this.objects = List.copyOf(objects);
        this.prefetch = prefetch;
        this.wanted = wanted;
        this.progress = progress;
        // Each object in flight holds a connection while it streams: never more than the storage can serve at once.
        this.window = Math.max(1, Math.min(prefetch.objects(), storage.maxConcurrentReads()));
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(Math.max(1, Math.min(window, objects.size())), r -> {
            Thread t = new Thread(r, "walship-restore-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < Math.min(window, objects.size()); i++) {
            start(i);
        }
    }

    private void start(int index) {
        Stream s = new Stream(objects.get(index));
        streams.add(s);
        threads.execute(s::read);
    }

    /**
     * The next object in apply order, and starts reading the one a window further on. The previous object must have
     * been read to its {@link End} or {@link Failure} first, which frees its place in the window.
     */
    Stream next() {
        if (taken >= objects.size()) {
            throw new IllegalStateException("all " + objects.size() + " objects were taken");
        }
        if (taken > 0 && streams.size() < objects.size()) {
            start(streams.size());
        }
        return streams.get(taken++);
    }

    private static int cost(Item item) {
        return RECORD_OVERHEAD + (item instanceof Page p ? p.image().length : 0);
    }

    /** Stops every download thread; objects not read to their end are abandoned. */
    @Override
    public void close() {
        threads.shutdownNow();
    }

    /**
     * An object's bytes from the storage, resumed where they stopped when the connection fails. A download thread that
     * runs ahead waits, with its connection open, until the apply thread catches up, which can take longer than a server
     * or client keeps an idle connection; the object is then read on from the same offset with a new request, at most
     * {@link #RESUMES} times. A missing object and the storage's own errors (access denied, no such bucket) are not
     * resumed.
     */
    private final class Resuming extends InputStream {
        private final String key;
        private InputStream in;
        private long position;
        private int resumes;

        Resuming(String key) throws IOException {
            this.key = key;
            this.in = storage.get(key, 0);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        position += n;
                    }
                    return n;
                } catch (IOException e) {
                    if (resumes >= RESUMES || e instanceof io.walship.replica.ObjectNotFoundException
                            || e instanceof io.walship.replica.StorageException) {
                        throw e;
                    }
                    resumes++;
                    log.debug("reading {} failed at byte {} ({}); resuming there", key, position, e.toString());
                    try {
                        in.close();
                    } catch (IOException closing) {
                        e.addSuppressed(closing);
                    }
                    in = storage.get(key, position);
                }
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Counts the bytes downloaded for the progress display. */
    private final class Counting extends FilterInputStream {
        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                progress.downloaded(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                progress.downloaded(n);
            }
            return n;
        }
    }
}
