package io.walship.replicator;

import io.walship.config.ReplicationSettings;
import io.walship.replica.DurableFiles;
import io.walship.replica.FileIo;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectExistsException;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolCorruptException;
import io.walship.replicator.spool.SpoolReader;
import io.walship.replicator.spool.SpoolRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships one database's spool to one replica, in txid order: transactions batched into segments, snapshots as they
 * come. One thread per replica; the spool is the only thing it shares with capture and the other replicas.
 *
 * <p>The loop, as a page:
 * <ol>
 *   <li>learn where the replica stands from its listing ({@link #init}, {@link ReplicaHistory}): its last txid, that
 *       no other writer or history owns it ({@link ForeignWriterCheck}), and upload what a crash left in the
 *       {@link Outbox};</li>
 *   <li>find the spool record that continues it ({@link #position}), or the next snapshot when the spool no longer
 *       holds what the replica lacks, or ask capture for one;</li>
 *   <li>read records into a {@link SegmentBatch} and upload it ({@link #shipAvailable}): before every upload the
 *       {@link ReplicaLease} is checked and the invariant that a segment starts at the replica's last txid + 1 (a
 *       snapshot at or after it); the position moves only after the replica acknowledged the object. Any failure
 *       rewinds the reader to the first record not acknowledged, and the loop retries with {@link Backoff};</li>
 *   <li>between rounds, delete what the retention window no longer needs when its {@link RetentionSchedule} says
 *       so.</li>
 * </ol>
 * Only an owner conflict (another writer, another history, a broken invariant), a damaged spool, or a bug (any
 * exception that {@link Failures} does not count as transient) stop a replica.
 *
 * <p>Shared across threads: the loop and everything it calls run on the replica's thread, but the database's other
 * threads call the package-private methods. Its state getters ({@link #shippedTxid}, {@link #lastError},
 * {@link #failure} and the times) are read by the capture thread, by the other replicas' threads when they release
 * the spool, and by the metrics server's threads, so what they return is kept in volatile fields; the capture thread
 * decides the lineage ({@link #lineageDecided}, {@link #fail}) and a final-sync thread calls
 * {@link #drainAndStop}.
 */
final class Shipper {
    private static final Logger log = LoggerFactory.getLogger(Shipper.class);

    private final String name;
    private final Spool spool;
    private final ReplicaTarget target;
    private final ReplicaStorage storage;
    private final Outbox outbox;
    private final FileIo io;
    private final Path scratch;
    private final ReplicationSettings settings;
    private final Clock clock;
    private final Runnable snapshotRequest;
    private final Runnable shippedListener;
    private final RetentionSchedule retention;
    private final ForeignWriterCheck foreignWriters;
    private final Compactor compactor;
    private final Path dbPath;
    private final ReplicationEvents events;
    private final LongSupplier freshBase;
    private final ReplicationLoad load;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private final Object pauses = new Object();

    private volatile long shippedTxid;
    /** The txid of the newest snapshot this shipper uploaded; with {@link #shippedTxid}, what the spool may let go. */
    private volatile long snapshotShippedTxid;
    private volatile boolean stopping;
    private volatile long drainDeadline;
    private volatile boolean draining;
    private volatile String lastError;
    private volatile String failure;
    private volatile FailureKind failureKind;
    private volatile Instant newestSnapshotTime;
    private volatile Instant lastShippedTime;
    private volatile Instant shippedPointTime;
    private volatile Instant replicaLastTime = Instant.EPOCH;
    private volatile Map<Lineage, ReplicaHistory> histories = Map.of();
    private volatile LineagePolicy lineagePolicy = LineagePolicy.REFUSE;
    private Thread thread;
    private SpoolReader reader;
    private SpoolReader.Position confirmed;
    private boolean positioned;
    private ReplicaLease lease;
    /** System.nanoTime() of the last upload: pacing must not stall when the wall clock steps back. */
    private long lastUploadNanos = System.nanoTime() - Duration.ofDays(1).toNanos();

    /** Why a replica stopped for good. */
    enum FailureKind {
        /** Another walship writes the path (its lease, a create-only conflict, txids beyond this spool's). */
        OTHER_WRITER,
        /** The path holds another history (lineage) and the policy does not allow writing beside it. */
        OTHER_LINEAGE,
        /** An upload would have left a hole or an overlap: a walship bug, stopped before it reached the replica. */
        BROKEN_INVARIANT,
        /** An unexpected error (a bug). */
        INTERNAL
    }

    /** Stops this replica for good: another writer, another history, or a broken invariant. */
    static final class OwnerConflictException extends IOException {
        final FailureKind kind;

        OwnerConflictException(FailureKind kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    /**
     * @param freshBase the first txid of a spool created empty in this run (0 otherwise, or while unknown): a replica
     *     that answers late holding that txid or more has a history this spool never wrote
     */
    Shipper(Path dbPath, Spool spool, ReplicaTarget target, Path outboxDir, ReplicationSettings settings, Clock clock,
            Runnable snapshotRequest, Runnable shippedListener, ReplicationEvents events, LongSupplier freshBase, FileIo io,
            ReplicationLoad load) {
        this.freshBase = freshBase;
        this.load = load;
        this.dbPath = dbPath;
        this.events = events;
        this.name = dbPath.getFileName() + " -> " + target.name();
        this.spool = spool;
        this.target = target;
        this.storage = new InstrumentedStorage(target.storage(), dbPath, target.name(), events);
        this.outbox = new Outbox(outboxDir, io);
        this.io = io;
        this.scratch = outboxDir;
        this.settings = settings;
        this.clock = clock;
        this.snapshotRequest = snapshotRequest;
        this.shippedListener = shippedListener;
        this.retention = new RetentionSchedule(new Retention(storage, target.retention(), spool::lineage),
                target.retention(), target.retentionCheckInterval());
        this.foreignWriters = new ForeignWriterCheck(storage, spool);
        this.compactor = new Compactor(storage, name, clock, target.compaction(), outboxDir, spool::lineage,
                () -> lease.beforeUpload(), load);
    }

    ReplicaTarget target() {
        return target;
    }

    /** Why this replica stopped for good, or null. */
    String failure() {
        return failure;
    }

    /** What kind of failure stopped this replica, or null while it works. */
    FailureKind failureKind() {
        return failureKind;
    }

    boolean isInitialized() {
        return initialized.getCount() == 0;
    }

    /** Waits until the replica's position is known; false on timeout. */
    boolean awaitInitialized(long millis) throws InterruptedException {
        return initialized.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The time of the replica's newest snapshot, null before init or when it has none. */
    Instant newestSnapshotTime() {
        return newestSnapshotTime;
    }

    /** The capture time of the newest transaction the replica holds (as shipped this run), null if none. */
    Instant shippedPointTime() {
        return shippedPointTime;
    }

    /** The time of the newest transaction the replica held when this shipper started (the epoch if none). */
    Instant replicaLastTime() {
        return replicaLastTime;
    }

    /** What the replica held when this shipper started, by history (lineage); empty before init. */
    Map<Lineage, ReplicaHistory> histories() {
        return histories;
    }

    void lineagePolicy(LineagePolicy policy) {
        this.lineagePolicy = policy;
    }

    /** Takes the replica's position in one history: its last txid, and the times walship needs from it. */
    private long position(ReplicaHistory h) throws IOException {
        if (h == null) {
            newestSnapshotTime = Instant.EPOCH;
            replicaLastTime = Instant.EPOCH;
            return 0;
        }
        newestSnapshotTime = h.newestSnapshotTime();
        replicaLastTime = h.lastTime();
        return h.lastTxid();
    }

    /**
     * The history a spool that started afresh continues was decided: this replica's position is its last txid in that
     * lineage (0 when it holds none of it).
     */
    void lineageDecided(long lineage) throws IOException {
        shippedTxid = position(histories.get(new Lineage(lineage)));
    }

    /** When the last object reached the replica, null if none this run. */
    Instant lastShippedTime() {
        return lastShippedTime;
    }

    long shippedTxid() {
        return shippedTxid;
    }

    /**
     * The highest txid up to which every snapshot in the spool was uploaded or passed by this shipper: snapshots before
     * the last shipped txid, and the last one it uploaded.
     */
    long snapshotsDoneThrough() {
        return Math.max(shippedTxid - 1, snapshotShippedTxid);
    }

    String lastError() {
        return lastError;
    }

    /**
     * Starts the replica's thread: learn its position (retrying while it is unreachable), then ship until stopped.
     * Failures are retried with backoff; only an owner conflict stops this replica, and a damaged spool is reported
     * to {@code spoolFailure}.
     */
    void start(Consumer<String> spoolFailure) {
        thread = new Thread(LogContext.tagged(dbPath, target.name(), () -> loop(spoolFailure)), "ship-" + name.replace(" -> ", "-"));
        thread.start();
    }

    private void loop(Consumer<String> spoolFailure) {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
        // The shipped position at the last failure: a failure after progress starts the waits over (a success resets
        // the backoff), so that one bad minute does not make every later blip wait the longest.
        OptionalLong shippedAtFailure = OptionalLong.empty();
        while (!stopping && !pastDeadline()) {
            try {
                if (!isInitialized()) {
                    init();
                    initialized.countDown();
                    backoff.reset();
                }
                run();
                if (draining) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (OwnerConflictException e) {
                fail(e.kind, e.getMessage());
                return;
            } catch (ObjectExistsException | ReplicaLease.HeldException e) {
                fail(FailureKind.OTHER_WRITER, e.getMessage());
                return;
            } catch (SpoolCorruptException e) {
                spoolFailure.accept(e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    // A stop closes the storage client (its HTTP pool throws IllegalStateException then): no finding.
                    return;
                }
                if (!Failures.isTransient(e)) {
                    // Not transient: a bug. Retrying would repeat it forever.
                    failUnexpectedly(e);
                    return;
                }
                lastError = e.getMessage();
                if (shippedAtFailure.isEmpty() || shippedAtFailure.getAsLong() != shippedTxid) {
                    backoff.reset();
                    shippedAtFailure = OptionalLong.of(shippedTxid);
                }
                Duration wait = backoff.next();
                if (e instanceof ReplicaLease.LeaseWaitException) {
                    // Said once at WARN by the lease; the wait is not an error.
                    log.debug("{}: {}; retrying in {} ms", name, e.getMessage(), wait.toMillis());
                } else {
                    events.error(dbPath, "ship");
                    log.warn("{}: {} failed: {}; retrying in {} ms", name, isInitialized() ? "shipping" : "reading the replica",
                            e.toString(), wait.toMillis());
                }
                rewind();
                try {
                    pause(wait.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (Error e) {
                // Without this the thread would die with the replica still reporting itself healthy.
                failUnexpectedly(e);
                throw e;
            }
        }
    }

    /** Stops this replica for good after a bug, with one ERROR and the stack trace; the others go on. */
    private void failUnexpectedly(Throwable e) {
        stopCompaction();
        log.error("{}: shipping failed unexpectedly; this replica stops, the others go on", name, e);
        failureKind = FailureKind.INTERNAL;
        failure = "internal error: " + e;
        lastError = failure;
        events.error(dbPath, "ship");
        shippedListener.run();
    }

    /** Stops this replica for good with an ERROR; the others go on. */
    void fail(FailureKind kind, String message) {
        stopCompaction();
        failureKind = kind;
        failure = message;
        lastError = message;
        // Called from the capture thread too (a lineage the replica must not get): the shipping thread ends here, before
        // it uploads anything more.
        stopping = true;
        wake();
        log.error("{}: {}; this replica stops, the others go on", name, message);
        shippedListener.run();
    }

    /** Returns the reader to the first record the replica has not acknowledged. */
    private void rewind() {
        if (reader == null || !positioned) {
            return;
        }
        try {
            reader.seek(confirmed);
        } catch (IOException e) {
            positioned = false;
        }
    }

    /**
     * Ships what the spool holds and stops: the thread ends once it has caught up with the spool, or when
     * {@code timeout} passes (then what is left stays in the spool for the next start). Never interrupts an upload in
     * flight unless the thread ignores the deadline by ten seconds. Returns how many durable transactions this replica
     * still lacks (0 when it caught up or failed for good).
     */
    long drainAndStop(Duration timeout) throws InterruptedException {
        drainDeadline = System.nanoTime() + timeout.toNanos();
        draining = true;
        wake();
        compactor.stop(Duration.ofSeconds(5));
        if (thread == null) {
            return 0;
        }
        thread.join(timeout.toMillis() + 1_000);
        if (thread.isAlive()) {
            stop();
            thread.join(10_000);
        }
        if (thread.isAlive()) {
            log.warn("{}: shipping thread did not stop; interrupting it", name);
            thread.interrupt();
            thread.join(5_000);
        }
        if (lease != null && failure == null) {
            lease.release();
        }
        if (failure != null) {
            return 0;
        }
        long left = spool.durableTxid() - shippedTxid;
        if (left <= 0) {
            log.info("{}: final sync done, replica at txid {}", name, shippedTxid);
            return 0;
        }
        return left;
    }

    private boolean pastDeadline() {
        return draining && System.nanoTime() - drainDeadline > 0;
    }

    /** Sleeps up to {@code millis}, returning early when the shipper is told to drain or stop. */
    private void pause(long millis) throws InterruptedException {
        synchronized (pauses) {
            if (stopping) {
                return;
            }
            // While draining, retries still back off (a down replica must not be hammered), but never past the deadline.
            long wait = draining ? Math.min(millis, Math.max(0, (drainDeadline - System.nanoTime()) / 1_000_000)) : millis;
            if (wait > 0) {
                pauses.wait(wait);
            }
        }
    }

    private void wake() {
        synchronized (pauses) {
            pauses.notifyAll();
        }
        spool.wakeUp();
    }

    void stop() {
        stopping = true;
        wake();
        stopCompaction();
    }

    /** Stops compacting without waiting for the compactor's thread (it ends at its next step). */
    private void stopCompaction() {
        try {
            compactor.stop(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Learns the replica's position from its listing and finishes an upload a crash interrupted. */
    long init() throws IOException, InterruptedException {
        Map<Lineage, ReplicaHistory> histories = new TreeMap<>();
        List<ObjectInfo> listing = storage.list("");
        for (var info : listing) {
            ObjectKeys.parse(info.key()).ifPresent(n -> histories.computeIfAbsent(n.lineage(), l -> new ReplicaHistory(l, storage)).add(n));
        }
        this.histories = Map.copyOf(histories);
        long spoolLineage = spool.lineage();
        long last;
        if (spoolLineage != 0) {
            Lineage mine = new Lineage(spoolLineage);
            foreignWriters.checkLineages(histories.keySet(), mine, lineagePolicy, l -> histories.get(l).lastKey());
            last = position(histories.get(mine));
        } else {
            // A spool that starts afresh: which history it continues, if any, is decided once every replica told what
            // it holds (see DatabaseReplicator); until then this replica holds nothing of it.
            last = 0;
        }
        var spoolLast = spool.last();
        long freshBase = this.freshBase.getAsLong();
        // The outbox holds the database's pages: as private as the spool around it.
        lease = new ReplicaLease(storage, clock, spool.id(), spool.lineage(), DurableFiles.createDirectories(scratch, io),
                this::confirmUnchanged);
        foreignWriters.checkStart(last, spoolLineage, freshBase, spoolLast, lease);
        shippedTxid = last;
        for (Outbox.Entry e : outbox.leftovers()) {
            if (e.name().firstTxid() == shippedTxid + 1) {
                log.info("{}: uploading {} left in the outbox by an interrupted run", name, e.file().getFileName());
                upload(e.name().key(), e.file());
                shippedTxid = e.name().lastTxid();
            }
            outbox.remove(e);
        }
        if (reader != null) {
            reader.close();
        }
        reader = spool.reader();
        positioned = false;
        log.info("{}: replica {} holds txids up to {}", name, storage.describe(), shippedTxid);
        if (!draining) {
            compactor.start(listing, dbPath, target.name());
        }
        return shippedTxid;
    }

    /** Before this shipper takes over another writer's lease: see {@link ForeignWriterCheck#confirmUnchanged}. */
    private void confirmUnchanged() throws IOException {
        foreignWriters.confirmUnchanged(shippedTxid, histories.keySet(), lineagePolicy, lease);
    }

    /** Ships until stopped. Upload failures are retried inside; only an owner conflict or a damaged spool end it. */
    void run() throws IOException, InterruptedException {
        while (!stopping) {
            shipAvailable();
            if (draining && (shippedTxid >= spool.durableTxid() || pastDeadline())) {
                return;
            }
            enforceRetention();
            if (!stopping && !draining) {
                spool.awaitDurableBeyond(shippedTxid, 1000);
            }
        }
    }

    private void enforceRetention() throws IOException {
        int deleted = retention.runIfDue(clock.instant());
        if (deleted > 0) {
            events.retentionDeleted(dbPath, target.name(), deleted);
        }
    }

    void close() throws IOException {
        if (reader != null) {
            reader.close();
        }
    }

    private void shipAvailable() throws IOException, InterruptedException {
        if (!positioned && !position()) {
            return;
        }
        long wait = (lastUploadNanos + target.syncInterval().toNanos() - System.nanoTime()) / 1_000_000;
        if (wait > 0 && !stopping && !draining) {
            pause(wait);
        }
        SegmentBatch batch = new SegmentBatch();
        long expected = shippedTxid + 1;
        while (true) {
            SpoolReader.Position before = reader.position();
            SpoolRecord rec = reader.next();
            if (rec == null) {
                break;
            }
            if (rec instanceof SpoolRecord.Snapshot s) {
                shipSegment(batch.transactions(), before);
                batch.shipped();
                if (s.txid() >= shippedTxid) {
                    shipSnapshot(s.point());
                }
                confirmed = reader.position();
                expected = shippedTxid + 1;
                continue;
            }
            if (rec.txid() != expected) {
                // The spool dropped records this replica lacks (its size limit): go on from the next snapshot.
                shipSegment(batch.transactions(), before);
                log.warn("{}: the spool no longer holds txid {} that replica {} lacks (it dropped records to stay"
                        + " within its size limit); continuing from the next snapshot", name, expected, storage.describe());
                reader.seek(confirmed);
                positioned = false;
                return;
            }
            if (rec instanceof SpoolRecord.Page p) {
                batch.page(p);
            } else if (rec instanceof SpoolRecord.Commit c) {
                batch.commit(c.point());
                expected++;
                if (batch.bytes() >= settings.maxSegmentSize().bytes()) {
                    // More is waiting than one segment holds: shipping is behind the writer.
                    load.behind();
                    shipSegment(batch.transactions(), reader.position());
                    batch.shipped();
                }
            }
        }
        shipSegment(batch.transactions(), reader.position());
    }

    /**
     * Finds where shipping continues: the record of txid {@code shipped + 1}, or else the next snapshot (the replica
     * then misses some txids, which is said at WARN). Without either, asks the capturer for a snapshot.
     */
    private boolean position() throws IOException {
        long shipped = shippedTxid;
        boolean skippedUnusable = false;
        while (true) {
            SpoolReader.Position before = reader.position();
            SpoolRecord rec = reader.next();
            if (rec == null) {
                if (skippedUnusable) {
                    // The spool has no record that continues the replica: it needs a snapshot to start from.
                    snapshotRequest.run();
                }
                reader.seek(before);
                return false;
            }
            boolean snapshot = rec instanceof SpoolRecord.Snapshot;
            if (rec.txid() < shipped || (rec.txid() == shipped && !snapshot)) {
                continue;
            }
            // A snapshot at or after the replica's last txid can always start or continue it; a transaction only when
            // it is the very next one of a replica that already holds a snapshot.
            boolean usable = snapshot || (shipped > 0 && rec.txid() == shipped + 1);
            if (usable) {
                if (snapshot && shipped > 0 && rec.txid() > shipped + 1) {
                    log.warn("{}: the spool no longer holds txids {}..{} that replica {} lacks; continuing from snapshot {}",
                            name, shipped + 1, rec.txid() - 1, storage.describe(), rec.txid());
                }
                reader.seek(before);
                confirmed = before;
                positioned = true;
                return true;
            }
            skippedUnusable = true;
        }
    }

    /**
     * Uploads {@code batch} as one segment, then moves the confirmed position to {@code after}. Checks first that the
     * segment continues the replica exactly.
     */
    private void shipSegment(List<Outbox.Tx> batch, SpoolReader.Position after) throws IOException, InterruptedException {
        if (batch.isEmpty()) {
            return;
        }
        CapturePoint first = batch.get(0).point();
        CapturePoint last = batch.get(batch.size() - 1).point();
        UploadContinuity.checkSegment(shippedTxid, first.txid(), last.txid(), storage.describe());
        Outbox.Entry entry;
        try (SpoolReader.PageLoader pages = reader.pages()) {
            entry = outbox.write(batch, new Lineage(spool.lineage()), pages);
        }
        long bytes = Files.size(entry.file());
        upload(entry.name().key(), entry.file());
        outbox.remove(entry);
        events.shipped(dbPath, target.name(), "segment", batch.size(), bytes);
        compactor.shipped(entry.name());
        shippedPointTime = last.time();
        shipped(last.txid());
        confirmed = after;
    }

    private void shipSnapshot(CapturePoint point) throws IOException, InterruptedException {
        UploadContinuity.checkSnapshot(shippedTxid, point.txid(), storage.describe());
        Path file = spool.snapshotPath(point.txid());
        upload(ObjectKeys.snapshot(point.txid(), point.time(), new Lineage(spool.lineage())), file);
        events.shipped(dbPath, target.name(), "snapshot", 0, Files.size(file));
        newestSnapshotTime = point.time();
        shippedPointTime = point.time();
        snapshotShippedTxid = point.txid();
        shipped(point.txid());
    }

    private void shipped(long txid) {
        shippedTxid = Math.max(shippedTxid, txid);
        lastUploadNanos = System.nanoTime();
        lastShippedTime = clock.instant();
        shippedListener.run();
    }

    /**
     * Uploads until it succeeds, backing off from 1 s to 10 s with jitter; the writer's lease is taken or renewed
     * first, as part of the upload. An owner conflict is final.
     */
    private void upload(String key, Path file) throws IOException, InterruptedException {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
        for (int attempt = 1; ; attempt++) {
            if (failure != null) {
                // Another thread stopped this replica (a lineage it must not write to, decided at start): nothing may
                // reach it, not even the lease. Ending the thread is all that is left to do.
                throw new InterruptedException("replica stopped: " + failure);
            }
            try {
                lease.beforeUpload();
                storage.put(key, file);
                if (lastError != null) {
                    log.info("{}: replica {} reachable again", name, storage.describe());
                }
                lastError = null;
                return;
            } catch (ObjectExistsException | ReplicaLease.HeldException | OwnerConflictException e) {
                lastError = e.getMessage();
                throw e;
            } catch (ReplicaLease.LeaseWaitException e) {
                // Said once at WARN by the lease; waiting is not a failure.
                lastError = e.getMessage();
                if (stopping || pastDeadline()) {
                    throw e;
                }
                pause(backoff.next().toMillis());
                continue;
            } catch (IOException e) {
                lastError = e.getMessage();
                events.error(dbPath, "ship");
                Duration wait = backoff.next();
                log.warn("{}: upload of {} to {} failed (attempt {}): {}; retrying in {} ms", name, key, storage.describe(),
                        attempt, e.toString(), wait.toMillis());
                if (stopping || pastDeadline()) {
                    throw new IOException("stopped while " + key + " was not uploaded; it stays in the spool", e);
                }
                pause(wait.toMillis());
            }
        }
    }
}
