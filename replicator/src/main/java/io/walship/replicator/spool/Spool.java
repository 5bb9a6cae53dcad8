package io.walship.replicator.spool;

import io.walship.replica.DurableFiles;
import io.walship.replica.FileIo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe local spool of one database: captured transactions wait here until every replica has them, so the
 * WAL can be checkpointed as soon as its frames are durable here and a slow or absent replica never blocks the app.
 *
 * <p>The spool is a folder of append-only files {@code <16-hex first txid>.wspool} (bytes in {@link SpoolFormat}), a
 * folder {@code snapshots/} of snapshot objects, and a {@code lock} file ({@link SpoolLock}: one walship per
 * database). Only the newest file is appended to; it is sealed and a new one started past the roll size, or as soon
 * as every replica holds everything in it. Records become durable and visible to readers at {@link #sync()}: a reader
 * never sees a record that a crash could take back. Opening a spool recovers it ({@link SpoolLoader}).
 *
 * <p>Failures heal. A write or fsync that fails (a full disk, an I/O error) truncates the newest file back to the last
 * durable record and forgets everything after it in memory, then rethrows: capture starts over from there, and the
 * frames it lost are still in the WAL, because the pin moves only past what the spool holds durably. When space
 * returns, capture goes on with nothing lost and nothing for the operator to do.
 *
 * <p>The spool holds every page of the database, so its folders and files are private to walship's user.
 *
 * <p>Shared across threads: the capture thread appends, shipping threads read and release. Every method that changes
 * or reads the spool's state holds the spool's lock; readers read published {@link SpoolFile.State}s without it.
 */
public final class Spool implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    static final String SUFFIX = ".wspool";
    static final String SNAPSHOTS = "snapshots";
    /** A file whose every record every replica holds is rolled early once it is this big, so it can be deleted. */
    static final long EARLY_ROLL_BYTES = 1 << 20;
    /** The most appended bytes the spool holds in memory before it writes them to the active file. */
    static final int WRITE_BUFFER_BYTES = 1 << 20;

    private final Path dir;
    private final Path snapshotsDir;
    private final long rollBytes;
    /**
     * Set when a failed write or fsync took back records the capture thread had appended since the last fsync (a
     * failure it may not have seen itself, as when the shipper's release record met a full disk): its next append or
     * sync fails with {@link SpoolWriteException}, so that it goes back to the last durable record too instead of
     * appending after records that are gone. Cleared by {@link #discardUncommitted()}, where capture starts again.
     */
    private boolean captureLost;
    private final FileIo io;
    private final SpoolLock lock;
    private String id;
    private final List<SpoolFile> files = new ArrayList<>();
    private long lineage;
    private FileChannel active;
    /**
     * Records appended to the active file and not yet written to it: they go in one write at the next fsync, seal or
     * roll, or when the buffer is full. Without it capture made one system call per WAL frame. Bytes here lie after
     * {@code active}'s position, which is after the durable end, so a failure that goes back to the durable end simply
     * forgets them.
     */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
    private final CRC32C recordCrc = new CRC32C();
    private long committedEnd;
    private long pendingTxid;
    private CapturePoint last;
    private RestPoint lastRest;
    /** The state at the last completed fsync, to which a failure returns. */
    private long durableEnd;
    private CapturePoint durableLast;
    private RestPoint durableRest;
    private final List<Long> snapshotsSinceSync = new ArrayList<>();
    private long durableTxid;
    /** A write failed in a way no I/O error explains: a clean close then claims nothing (see {@link #close()}). */
    private boolean broken;
    /** A failure left bytes after the durable end that could not be truncated yet. */
    private boolean dirty;
    private long shippedTxid;

    private Spool(Path dir, long rollBytes, FileIo io, SpoolLock lock) {
        this.dir = dir;
        this.snapshotsDir = dir.resolve(SNAPSHOTS);
        this.rollBytes = rollBytes;
        this.io = io;
        this.lock = lock;
    }

    /** Opens (creating if needed) and recovers the spool in {@code dir}; fails when another walship holds it. */
    public static Spool open(Path dir, long rollBytes) throws IOException {
        return open(dir, rollBytes, FileIo.DEFAULT);
    }

    /** As {@link #open(Path, long)}, with file operations through {@code io} (a fault-injection seam in tests). */
    public static Spool open(Path dir, long rollBytes, FileIo io) throws IOException {
        DurableFiles.createDirectories(dir, io);
        SpoolLock lock = SpoolLock.acquire(dir);
        try {
            DurableFiles.createDirectories(dir.resolve(SNAPSHOTS), io);
            Spool s = new Spool(dir, rollBytes, io, lock);
            s.id = SpoolId.readOrCreate(dir, io);
            s.load();
            return s;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private void load() throws IOException {
        SpoolLoader.Loaded loaded = SpoolLoader.load(dir, io);
        files.addAll(loaded.files());
        lineage = loaded.lineage();
        last = loaded.last();
        lastRest = loaded.lastRest();
        if (!files.isEmpty()) {
            SpoolFile f = current();
            active = io.open(f.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            committedEnd = loaded.activeEnd();
            active.position(committedEnd);
        }
        durableEnd = committedEnd;
        durableLast = last;
        durableRest = lastRest;
        durableTxid = last == null ? 0 : last.txid();
    }

    public Path directory() {
        return dir;
    }

    /**
     * This spool's own random id, made when the spool was created: the identity of the writer that ships from it (a
     * walship that restarts with the same spool is the same writer).
     */
    public String id() {
        return id;
    }

    /** The lineage id of the history this spool captures; 0 while the spool is empty and none was chosen yet. */
    public synchronized long lineage() {
        return lineage;
    }

    /**
     * The lineage the next snapshot is written in: the spool's, or, for a spool that has none yet, a new random one
     * that its first snapshot then fixes.
     */
    public synchronized long lineageForSnapshot() {
        if (lineage == 0) {
            lineage = newLineage();
        }
        return lineage;
    }

    /**
     * Takes the lineage of the history a replica holds, for a spool that starts afresh and is told to continue it
     * (see {@code LineagePolicy.ADOPT}). Only before the spool's first record.
     */
    public synchronized void adoptLineage(long replicaLineage) {
        if (!files.isEmpty()) {
            throw new IllegalStateException("the spool already has lineage " + String.format("%016x", lineage));
        }
        lineage = replicaLineage;
    }

    /** The last transaction, snapshot or rest point captured, empty for a new spool. */
    public synchronized Optional<CapturePoint> last() {
        return Optional.ofNullable(last);
    }

    /** The rest point, when the spool's last record is one (a clean stop); empty otherwise. */
    public synchronized Optional<RestPoint> lastRest() {
        return Optional.ofNullable(lastRest);
    }

    /** The txid of the newest snapshot the spool holds, 0 if none. */
    public synchronized long newestSnapshotTxid() {
        long newest = 0;
        for (SpoolFile f : files) {
            for (long t : f.snapshots) {
                newest = Math.max(newest, t);
            }
        }
        return newest;
    }

    /** The highest txid that is durable and visible to readers, 0 if none. */
    public synchronized long durableTxid() {
        return durableTxid;
    }

    /** The lowest txid the spool still holds (of any record), or 0 when it is empty. */
    public synchronized long firstTxid() throws IOException {
        try (SpoolReader r = reader()) {
            SpoolRecord rec = r.next();
            return rec == null ? 0 : rec.txid();
        }
    }

    /** Total bytes of spool files, snapshots and outbox objects on disk. */
    public long bytes() throws IOException {
        long[] total = {0};
        // Outbox and snapshot files come and go while shippers work; a vanished file simply does not count.
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    total[0] += attrs.size();
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return total[0];
    }

    // ---- capture side ---------------------------------------------------------------------------------------

    /** Appends a page image of transaction {@code txid}, which must be the transaction after the last one. */
    public synchronized void appendPage(long txid, long pgno, byte[] image, int pageSize) throws IOException {
        healIfDirty();
        failIfCaptureLost();
        if (pendingTxid == 0) {
            expectNext(txid);
            rollIfDue(txid);
            pendingTxid = txid;
        } else if (txid != pendingTxid) {
            throw new IllegalStateException("page of txid " + txid + " while " + pendingTxid + " is open");
        }
        reserve(SpoolFormat.pageRecordLength(pageSize));
        SpoolFormat.putPage(buffer, recordCrc, txid, pgno, image, 0, pageSize);
    }

    /** Ends the open transaction (or an empty one) with its commit record. Not durable until {@link #sync()}. */
    public synchronized void appendCommit(CapturePoint point) throws IOException {
        healIfDirty();
        failIfCaptureLost();
        if (pendingTxid == 0) {
            expectNext(point.txid());
            rollIfDue(point.txid());
        } else if (point.txid() != pendingTxid) {
            throw new IllegalStateException("commit of txid " + point.txid() + " while " + pendingTxid + " is open");
        }
        write(SpoolFormat.point(SpoolFormat.TYPE_COMMIT, point));
        committed(point);
    }

    /**
     * Records a clean stop at the last txid (see {@link RestPoint}), durably. Readers skip it: it is local knowledge,
     * not part of the history shipped to replicas.
     */
    public synchronized void appendRest(RestPoint rest) throws IOException {
        healIfDirty();
        failIfCaptureLost();
        if (pendingTxid != 0 || last == null || rest.point().txid() != last.txid()) {
            throw new IllegalStateException("rest point at txid " + rest.point().txid() + " while the spool is at "
                    + (last == null ? 0 : last.txid()) + (pendingTxid != 0 ? " with txid " + pendingTxid + " open" : ""));
        }
        write(SpoolFormat.rest(rest));
        committed(rest.point());
        lastRest = rest;
        sync();
    }

    /**
     * Starts an empty spool at a rest point in lineage {@code lineage} (0: a new one): a database restored from a replica at
     * {@code rest.point().txid()}, whose history capture continues when the database file is still the restored one.
     */
    public synchronized void seed(RestPoint rest, long lineage) throws IOException {
        if (last != null || !files.isEmpty()) {
            throw new IllegalStateException("only an empty spool can be seeded; this one is at txid "
                    + (last == null ? 0 : last.txid()));
        }
        this.lineage = lineage != 0 ? lineage : newLineage();
        rollIfDue(rest.point().txid());
        write(SpoolFormat.rest(rest));
        committed(rest.point());
        lastRest = rest;
        sync();
    }

    /** Drops page records written after the last commit: that transaction was not complete in the WAL yet. */
    public synchronized void discardUncommitted() throws IOException {
        healIfDirty();
        if (active != null && (pendingTxid != 0 || end() != committedEnd || active.size() > active.position())) {
            long written = active.position();
            if (committedEnd >= written) {
                // What follows the last commit is in the buffer (and perhaps stale bytes past the file's position).
                buffer.position((int) (committedEnd - written));
                if (active.size() > written) {
                    active.truncate(written);
                }
            } else {
                buffer.clear();
                active.truncate(committedEnd);
                active.position(committedEnd);
            }
        }
        pendingTxid = 0;
        captureLost = false;
    }

    /** Where a snapshot object for {@code txid} is written before {@link #appendSnapshot} publishes it. */
    public Path snapshotTempPath(long txid) {
        return snapshotsDir.resolve(String.format("%016x.snapshot.tmp", txid));
    }

    /** The published snapshot object for {@code txid}. */
    public Path snapshotPath(long txid) {
        return snapshotPath(snapshotsDir, txid);
    }

    static Path snapshotPath(Path snapshotsDir, long txid) {
        return snapshotsDir.resolve(String.format("%016x.snapshot", txid));
    }

    /**
     * Publishes a snapshot whose object was completely written (and forced) to {@link #snapshotTempPath}, durably. The
     * txid is either the last txid (a snapshot of the current state) or the next one (a snapshot that starts a new
     * chain). The spool's first snapshot fixes its lineage if none was chosen yet.
     */
    public synchronized void appendSnapshot(CapturePoint point) throws IOException {
        healIfDirty();
        failIfCaptureLost();
        if (pendingTxid != 0) {
            throw new IllegalStateException("snapshot while transaction " + pendingTxid + " is open");
        }
        // The first record of a new spool may start anywhere: after a lost spool the sequence continues the replica's.
        long lastTxid = last == null ? point.txid() - 1 : last.txid();
        if (point.txid() != lastTxid && point.txid() != lastTxid + 1) {
            throw new IllegalStateException("snapshot txid " + point.txid() + " after " + lastTxid);
        }
        if (lineage == 0) {
            lineage = newLineage();
        }
        if (point.txid() == lastTxid + 1 || active == null) {
            rollIfDue(point.txid());
        }
        DurableFiles.makePrivate(snapshotTempPath(point.txid()));
        // Named before it is published: a failed write of its record then deletes the object too (see rollBack).
        snapshotsSinceSync.add(point.txid());
        try {
            DurableFiles.publish(snapshotTempPath(point.txid()), snapshotPath(point.txid()), io);
        } catch (IOException e) {
            rollBack(e);
            throw new SpoolWriteException(e);
        }
        write(SpoolFormat.point(SpoolFormat.TYPE_SNAPSHOT, point));
        current().snapshots.add(point.txid());
        committed(point);
        sync();
    }

    /** Whether the spool holds a snapshot at exactly {@code txid}. */
    public synchronized boolean hasSnapshot(long txid) {
        return files.stream().anyMatch(f -> f.snapshots.contains(txid));
    }

    /**
     * Makes everything committed so far durable and visible to readers. The header's durable-end slot gets the end
     * the previous fsync covered (see {@link SpoolFormat}) in the same fsync.
     */
    public synchronized void sync() throws IOException {
        failIfCaptureLost();
        syncActive();
    }

    private void syncActive() throws IOException {
        healIfDirty();
        if (active == null) {
            return;
        }
        guarded(() -> {
            flushBuffer();
            active.write(ByteBuffer.wrap(SpoolFormat.durableEnd(durableEnd)), SpoolFormat.DURABLE_END_AT);
            active.force(false);
        });
        durableEnd = committedEnd;
        durableLast = last;
        durableRest = lastRest;
        snapshotsSinceSync.clear();
        current().publish(new SpoolFile.State(committedEnd, false));
        durableTxid = last == null ? 0 : last.txid();
        notifyAll();
    }

    /** How many bytes of complete records the active file holds beyond its last fsync. */
    public synchronized long unsyncedBytes() {
        return active == null ? 0 : committedEnd - durableEnd;
    }

    /**
     * Waits up to {@code max} until every working replica holds {@code txid} (as the shippers' releases report it);
     * returns whether they do.
     */
    public synchronized boolean awaitShipped(long txid, java.time.Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (shippedTxid < txid) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Waits up to {@code millis} for the durable txid to pass {@code txid}. */
    public synchronized void awaitDurableBeyond(long txid, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (durableTxid <= txid) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }

    /** Wakes threads waiting in {@link #awaitDurableBeyond}, e.g. at shutdown. */
    public synchronized void wakeUp() {
        notifyAll();
    }

    // ---- shipping side --------------------------------------------------------------------------------------

    /** A reader over every durable record, oldest first. */
    public synchronized SpoolReader reader() {
        return new SpoolReader(this);
    }

    /** The file after {@code f} (the first file for null, or when {@code f} was released), null if none. */
    synchronized SpoolFile fileAfter(SpoolFile f) {
        int i = f == null ? -1 : files.indexOf(f);
        return i + 1 < files.size() ? files.get(i + 1) : null;
    }

    /** The file that holds {@code path}, or null when it was released. */
    synchronized SpoolFile file(Path path) {
        for (SpoolFile f : files) {
            if (f.path.equals(path)) {
                return f;
            }
        }
        return null;
    }

    /**
     * Lets go of what every replica holds: {@code shippedTxid} is the lowest txid all working replicas hold. Snapshot
     * objects at or below it are deleted (after a durable release record, so no record names a missing object; a
     * replica that later needs a snapshot again gets a new one), and
     * so are sealed files whose every record is at or below it, the file first, then the snapshots it named. A file
     * that every replica has read completely is sealed early once it passes {@link #EARLY_ROLL_BYTES}, so this happens
     * whatever the roll size.
     */
    public synchronized void release(long shippedTxid) throws IOException {
        release(shippedTxid, shippedTxid - 1);
    }

    /**
     * As {@link #release(long)}, where {@code snapshotsThrough} is the highest snapshot txid every working replica has
     * uploaded or passed: a snapshot of the current state at the last shipped txid may still be on its way.
     */
    public synchronized void release(long shippedTxid, long snapshotsThrough) throws IOException {
        this.shippedTxid = Math.max(this.shippedTxid, shippedTxid);
        notifyAll();
        healIfDirty();
        List<Long> releasable = new ArrayList<>();
        for (SpoolFile f : files) {
            for (long t : f.snapshots) {
                if (t <= snapshotsThrough && t <= shippedTxid) {
                    releasable.add(t);
                }
            }
        }
        // A release record goes between transactions only: the capture thread may be half-way through one (its page
        // records written, its commit not yet), and a record in between would make recovery call the spool corrupt.
        // The shipper releases again after its next upload, so waiting costs nothing.
        if (!releasable.isEmpty() && active != null && pendingTxid == 0) {
            for (long t : releasable) {
                write(SpoolFormat.released(t));
            }
            committedEnd = end();
            syncActive();
            for (SpoolFile f : files) {
                f.snapshots.removeAll(releasable);
            }
            for (long t : releasable) {
                Files.deleteIfExists(snapshotPath(t));
            }
            log.debug("released {} snapshot object(s) every replica holds", releasable.size());
        }
        while (files.size() > 1 && files.get(0).state().sealed() && files.get(0).maxTxid <= shippedTxid) {
            drop(files.get(0));
        }
    }

    /**
     * Deletes the oldest sealed file even though some replica still lacks its records, to keep the spool under its
     * size limit. Returns the txids dropped, or empty when nothing could be dropped (only the active file is left).
     */
    public synchronized Optional<DroppedRange> dropOldest() throws IOException {
        if (files.size() <= 1) {
            if (active != null && committedEnd > SpoolFormat.HEADER && pendingTxid == 0) {
                // Seal the active file, so that the next call can drop it.
                syncActive();
                seal();
                createFile(last.txid() + 1);
            }
            return Optional.empty();
        }
        SpoolFile f = files.get(0);
        long to = f.maxTxid;
        long from = f.firstTxid;
        drop(f);
        return Optional.of(new DroppedRange(from, to));
    }

    /** Transactions a size limit made the spool drop before every replica had them. */
    public record DroppedRange(long fromTxid, long toTxid) {
    }

    private void drop(SpoolFile f) throws IOException {
        files.remove(0);
        // The file goes first: once it is gone no record names its snapshots, and a crash in between only leaves
        // snapshot objects without a record, which recovery removes.
        DurableFiles.delete(f.path, io);
        for (long txid : f.snapshots) {
            Files.deleteIfExists(snapshotPath(txid));
        }
        log.debug("released spool file {} (up to txid {})", f.path.getFileName(), f.maxTxid);
    }

    /**
     * Closes the spool. When everything appended was made durable, the newest file's durable-end slot is brought up
     * to its end first, so that recovery treats any later damage before it as corruption, not as a torn tail.
     */
    @Override
    public synchronized void close() throws IOException {
        try {
            if (active != null) {
                if (!broken && !dirty && pendingTxid == 0 && committedEnd == durableEnd) {
                    active.write(ByteBuffer.wrap(SpoolFormat.durableEnd(durableEnd)), SpoolFormat.DURABLE_END_AT);
                    active.force(false);
                }
                active.close();
                active = null;
            }
        } finally {
            lock.close();
        }
    }

    /**
     * Writes the buffered records to the file without an fsync, as the kernel may have written them before a crash.
     * For tests that damage bytes after the durable end.
     */
    synchronized void writeOutUnsynced() throws IOException {
        if (active != null) {
            flushBuffer();
        }
    }

    /** Closes without the clean close's last durable-end write, as a crash leaves the files. For tests. */
    synchronized void abandon() throws IOException {
        try {
            if (active != null) {
                active.close();
                active = null;
            }
        } finally {
            lock.close();
        }
    }

    // ---- internals ------------------------------------------------------------------------------------------

    private SpoolFile current() {
        return files.get(files.size() - 1);
    }

    private void failIfCaptureLost() throws SpoolWriteException {
        if (captureLost) {
            throw new SpoolWriteException(new IOException("a failed write of the spool took back records appended since"
                    + " its last fsync (txid " + (last == null ? 0 : last.txid()) + " is the last durable one)"));
        }
    }

    private void expectNext(long txid) {
        if (last != null && txid != last.txid() + 1) {
            throw new IllegalStateException("txid " + txid + " does not follow " + last.txid());
        }
    }

    private void committed(CapturePoint point) throws IOException {
        committedEnd = end();
        pendingTxid = 0;
        last = point;
        lastRest = null;
        SpoolFile f = current();
        f.maxTxid = Math.max(f.maxTxid, point.txid());
    }

    private void write(byte[] bytes) throws IOException {
        reserve(bytes.length);
        buffer.put(bytes);
    }

    /**
     * Makes room in the buffer for a record of {@code length} bytes, writing out what it holds when it is too full. A
     * record is at most a page of 64 KiB (SQLite's largest) and its framing, far less than the buffer holds.
     */
    private void reserve(int length) throws IOException {
        if (active == null) {
            // Nothing may wait in the buffer for a file that does not exist yet: the next file would get it at its start.
            throw new IllegalStateException("the spool has no file to append to (creating the next one failed)");
        }
        if (buffer.remaining() < length) {
            guarded(this::flushBuffer);
        }
    }

    /** Writes to the active file; see {@link #guarded}. */
    @FunctionalInterface
    private interface FileWrite {
        void run() throws IOException;
    }

    /**
     * Runs writes of the active file. After a failure of any kind the spool goes back to its last durable record
     * ({@link #rollBack}): an I/O error becomes a {@link SpoolWriteException}; anything else (a bug) goes on unchanged,
     * and since the buffer it emptied held records whose fate is unknown, the clean close then claims nothing.
     */
    private void guarded(FileWrite write) throws IOException {
        try {
            write.run();
        } catch (IOException e) {
            rollBack(e);
            throw new SpoolWriteException(e);
        } catch (RuntimeException e) {
            broken = true;
            rollBack(new IOException("unexpected failure while writing the spool: " + e, e));
            throw e;
        }
    }

    /** Writes the buffered records to the active file at its position; the buffer is empty afterwards, even on failure. */
    private void flushBuffer() throws IOException {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                active.write(buffer);
            }
        } finally {
            buffer.clear();
        }
    }

    /** The active file's end as appends see it: what was written to it, then what waits in the buffer. */
    private long end() throws IOException {
        return active.position() + buffer.position();
    }

    /**
     * After a failed write or fsync: back to the state of the last completed fsync, on disk and in memory. What was
     * captured since is still in the WAL and is captured again.
     */
    private void rollBack(IOException cause) {
        if (last != durableLast || pendingTxid != 0 || !snapshotsSinceSync.isEmpty()) {
            captureLost = true;
        }
        last = durableLast;
        lastRest = durableRest;
        pendingTxid = 0;
        committedEnd = durableEnd;
        if (active != null) {
            // The file no longer holds the transactions taken back: a drop of it must not report them as lost.
            SpoolFile f = current();
            f.maxTxid = Math.min(f.maxTxid, last == null ? 0 : last.txid());
        }
        for (SpoolFile f : files) {
            f.snapshots.removeAll(snapshotsSinceSync);
        }
        for (long t : snapshotsSinceSync) {
            try {
                Files.deleteIfExists(snapshotPath(t));
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
        snapshotsSinceSync.clear();
        dirty = true;
        try {
            healIfDirty();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
        log.warn("spool {}: {}; back to the last durable record (txid {})", dir, cause.toString(),
                last == null ? 0 : last.txid());
    }

    private void healIfDirty() throws IOException {
        if (!dirty || active == null) {
            dirty = false;
            return;
        }
        buffer.clear();
        active.truncate(durableEnd);
        active.position(durableEnd);
        dirty = false;
    }

    private void rollIfDue(long nextTxid) throws IOException {
        if (active != null) {
            long size = committedEnd;
            boolean full = size >= rollBytes;
            boolean shippedEarly = size >= EARLY_ROLL_BYTES && last != null && shippedTxid >= last.txid();
            if (!full && !shippedEarly) {
                return;
            }
            syncActive();
            seal();
        }
        try {
            createFile(nextTxid);
        } catch (SpoolWriteException e) {
            throw e;
        } catch (IOException e) {
            // No file was added: the next append tries again, after the spool's last durable record.
            throw new SpoolWriteException(e);
        }
    }

    /** Seals the active file: its durable-end slot gets its full length, forced, then readers see it sealed. */
    private void seal() throws IOException {
        guarded(() -> {
            flushBuffer();
            active.write(ByteBuffer.wrap(SpoolFormat.durableEnd(committedEnd)), SpoolFormat.DURABLE_END_AT);
            active.force(false);
        });
        current().publish(new SpoolFile.State(committedEnd, true));
        active.close();
        active = null;
    }

    private void createFile(long firstTxid) throws IOException {
        if (lineage == 0) {
            lineage = newLineage();
        }
        Path path = dir.resolve(String.format("%016x", firstTxid) + SUFFIX);
        byte[] header = SpoolFormat.header(lineage, firstTxid, SpoolFormat.HEADER);
        DurableFiles.write(path, ch -> ch.write(ByteBuffer.wrap(header)), io);
        active = io.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        active.position(SpoolFormat.HEADER);
        committedEnd = SpoolFormat.HEADER;
        durableEnd = SpoolFormat.HEADER;
        files.add(new SpoolFile(path, firstTxid, new SpoolFile.State(SpoolFormat.HEADER, false)));
    }

    private static long newLineage() {
        long l = 0;
        SecureRandom random = new SecureRandom();
        while (l == 0) {
            l = random.nextLong();
        }
        return l;
    }
}
