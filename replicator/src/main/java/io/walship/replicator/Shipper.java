package io.walship.replicator;

import io.walship.config.ReplicationSettings;
import io.walship.replica.DatabasePages;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectExistsException;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentWriter;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolReader;
import io.walship.replicator.spool.SpoolRecord;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships one database's spool to one replica, in txid order: transactions batched into segments, snapshots as they
 * come. The replica's own listing says where shipping resumes, so a restart neither loses nor repeats a transaction.
 *
 * <p>Each segment is first written whole to the outbox folder (temporary name, fsync, rename) and only then
 * uploaded; the upload is retried with backoff until it succeeds, and after a crash the outbox object is uploaded
 * again under the same key, which the replica contract makes idempotent.
 */
final class Shipper {
    private static final Logger log = LoggerFactory.getLogger(Shipper.class);

    private final String name;
    private final Spool spool;
    private final ReplicaTarget target;
    private final ReplicaStorage storage;
    private final Path outbox;
    private final ReplicationSettings settings;
    private final Clock clock;
    private final Runnable snapshotRequest;
    private final Runnable shippedListener;
    private final Retention retention;
    private final CountDownLatch initialized = new CountDownLatch(1);
    private volatile long shippedTxid;
    private volatile boolean stopping;
    private volatile long drainDeadline;
    private volatile boolean draining;
    private final Object pauses = new Object();
    private volatile String lastError;
    private volatile String failure;
    private volatile Instant newestSnapshotTime;
    private volatile Instant lastShippedTime;
    private volatile Instant shippedPointTime;
    private volatile Instant replicaLastTime = Instant.EPOCH;
    private Instant nextRetention = Instant.EPOCH;
    private Instant nextForeignCheck = Instant.EPOCH;
    private static final Duration FOREIGN_CHECK_INTERVAL = Duration.ofSeconds(30);
    private Thread thread;
    private SpoolReader reader;
    private SpoolRecord pending;
    private boolean positioned;
    private boolean skippedUnusable;
    /** System.nanoTime() of the last upload: pacing must not stall when the wall clock steps back. */
    private long lastUploadNanos = System.nanoTime() - Duration.ofDays(1).toNanos();

    /** A transaction waiting in the current batch: its commit point and the newest spool record of each page. */
    private record Tx(CapturePoint point, TreeMap<Long, SpoolRecord.Page> pages) {
    }

    private final Path dbPath;
    private final ReplicationEvents events;

    private final java.util.function.LongSupplier freshBase;

    /**
     * @param freshBase the first txid of a spool created empty in this run (0 otherwise, or while unknown): a replica
     *     that answers late holding that txid or more has a history this spool never wrote
     */
    Shipper(Path dbPath, Spool spool, ReplicaTarget target, Path outbox, ReplicationSettings settings, Clock clock,
            Runnable snapshotRequest, Runnable shippedListener, ReplicationEvents events, java.util.function.LongSupplier freshBase) {
        this.freshBase = freshBase;
        this.dbPath = dbPath;
        this.events = events;
        this.name = dbPath.getFileName() + " -> " + target.name();
        this.spool = spool;
        this.target = target;
        this.storage = new InstrumentedStorage(target.storage(), dbPath, target.name(), events);
        this.outbox = outbox;
        this.settings = settings;
        this.clock = clock;
        this.snapshotRequest = snapshotRequest;
        this.shippedListener = shippedListener;
        this.retention = new Retention(storage, target.retention());
    }

    ReplicaTarget target() {
        return target;
    }

    /** Why this replica stopped for good, or null. */
    String failure() {
        return failure;
    }

    boolean isInitialized() {
        return initialized.getCount() == 0;
    }

    /** Waits until the replica's position is known; false on timeout. */
    boolean awaitInitialized(long millis) throws InterruptedException {
        return initialized.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
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

    /** When the last object reached the replica, null if none this run. */
    Instant lastShippedTime() {
        return lastShippedTime;
    }

    /**
     * Starts the replica's thread: learn its position (retrying while it is unreachable), then ship until stopped.
     * Failures are retried with backoff; only an owner conflict or a diverged history stop this replica, and a
     * damaged spool is reported to {@code spoolFailure}.
     */
    void start(java.util.function.Consumer<String> spoolFailure) {
        thread = new Thread(LogContext.tagged(dbPath, target.name(), () -> loop(spoolFailure)), "ship-" + name.replace(" -> ", "-"));
        thread.start();
    }

    private void loop(java.util.function.Consumer<String> spoolFailure) {
        long backoff = 1000;
        while (!stopping && !pastDeadline()) {
            try {
                if (!isInitialized()) {
                    init();
                    initialized.countDown();
                    backoff = 1000;
                }
                run();
                if (draining) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (ObjectExistsException | DivergedException e) {
                failure = e.getMessage();
                lastError = e.getMessage();
                log.error("{}: {}; this replica stops, the others go on", name, e.getMessage());
                shippedListener.run();
                return;
            } catch (io.walship.replicator.spool.SpoolCorruptException e) {
                spoolFailure.accept(e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                lastError = e.getMessage();
                events.error(dbPath, "ship");
                log.warn("{}: {} failed: {}; retrying in {} ms", name, isInitialized() ? "shipping" : "reading the replica",
                        e.toString(), backoff);
                try {
                    pause(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    /**
     * Ships what the spool holds and stops: the thread ends once it has caught up with the spool, or when
     * {@code timeout} passes (then what is left stays in the spool for the next start). Never interrupts an upload in
     * flight unless the thread ignores the deadline by ten seconds.
     */
    void drainAndStop(Duration timeout) throws InterruptedException {
        drainDeadline = System.nanoTime() + timeout.toNanos();
        draining = true;
        wake();
        if (thread == null) {
            return;
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
        if (failure == null && isInitialized()) {
            if (shippedTxid >= spool.durableTxid()) {
                log.info("{}: final sync done, replica at txid {}", name, shippedTxid);
            } else {
                log.warn("{}: final sync incomplete at txid {} of {}; the spool keeps the rest for the next start", name,
                        shippedTxid, spool.durableTxid());
            }
        }
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

    /** The replica's history does not match this spool's: another walship writes there, or the spool is older. */
    static final class DivergedException extends IOException {
        DivergedException(String message) {
            super(message);
        }
    }

    long shippedTxid() {
        return shippedTxid;
    }

    String lastError() {
        return lastError;
    }

    /** Learns the replica's position from its listing and finishes an upload a crash interrupted. */
    long init() throws IOException, InterruptedException {
        long last = 0;
        String lastKey = null;
        String newestSnapshot = null;
        long newestSnapshotTxid = 0;
        for (var info : storage.list("")) {
            var parsed = ObjectKeys.parse(info.key());
            if (parsed.isPresent()) {
                if (parsed.get().lastTxid() > last) {
                    last = parsed.get().lastTxid();
                    lastKey = parsed.get().key();
                }
                if (parsed.get().kind() == ObjectKind.SNAPSHOT && parsed.get().firstTxid() >= newestSnapshotTxid) {
                    newestSnapshotTxid = parsed.get().firstTxid();
                    newestSnapshot = parsed.get().key();
                }
            }
        }
        newestSnapshotTime = newestSnapshot == null ? Instant.EPOCH
                : ObjectHeader.decode(newestSnapshot, storage.getRange(newestSnapshot, 0, ObjectHeader.SIZE)).lastTime();
        replicaLastTime = lastKey == null ? Instant.EPOCH : lastKey.equals(newestSnapshot) ? newestSnapshotTime
                : ObjectHeader.decode(lastKey, storage.getRange(lastKey, 0, ObjectHeader.SIZE)).lastTime();
        long freshBase = this.freshBase.getAsLong();
        if (freshBase > 0 && last >= freshBase) {
            throw new DivergedException("replica " + storage.describe() + " holds txid " + last + " but this spool started afresh at txid "
                    + freshBase + " without it (the replica did not answer in time): another walship may write to it; "
                    + "restart walship once it is reachable");
        }
        var spoolLast = spool.last();
        if (spoolLast.isPresent() && last > spoolLast.get().txid()) {
            throw new DivergedException("replica " + storage.describe() + " holds txid " + last + ", beyond this spool's last txid "
                    + spoolLast.get().txid() + ": another walship may write to it, or this spool is older than the replica");
        }
        shippedTxid = last;
        if (reader != null) {
            reader.close();
        }
        reader = spool.reader();
        Files.createDirectories(outbox);
        List<Path> leftovers = new ArrayList<>();
        try (Stream<Path> s = Files.list(outbox)) {
            s.forEach(leftovers::add);
        }
        leftovers.sort(null);
        for (Path p : leftovers) {
            var parsed = ObjectKeys.parse(ObjectKeys.SEGMENTS + p.getFileName());
            if (parsed.isPresent() && parsed.get().firstTxid() == shippedTxid + 1) {
                log.info("{}: uploading {} left in the outbox by an interrupted run", name, p.getFileName());
                upload(parsed.get().key(), p);
                shippedTxid = parsed.get().lastTxid();
            }
            Files.deleteIfExists(p);
        }
        log.info("{}: replica {} holds txids up to {}", name, storage.describe(), shippedTxid);
        return shippedTxid;
    }

    void stop() {
        stopping = true;
        wake();
    }

    /** Ships until stopped. Upload failures are retried inside; only an owner conflict or a damaged spool end it. */
    void run() throws IOException, InterruptedException {
        while (!stopping) {
            shipAvailable();
            checkForeignWriter();
            if (draining && (shippedTxid >= spool.durableTxid() || pastDeadline())) {
                return;
            }
            enforceRetention();
            if (!stopping && !draining) {
                spool.awaitDurableBeyond(shippedTxid, 1000);
            }
        }
    }

    /**
     * Two daemons pointed at one path would interleave two histories under the same txids. Create-only puts catch a
     * clash on the same key; this catches the rest: now and then the replica is listed, and an object beyond what this
     * shipper wrote means someone else writes there too. That replica then stops with an error.
     */
    private void checkForeignWriter() throws IOException {
        Instant now = clock.instant();
        if (now.isBefore(nextForeignCheck)) {
            return;
        }
        nextForeignCheck = now.plus(FOREIGN_CHECK_INTERVAL);
        long shipped = shippedTxid;
        for (var info : storage.list("")) {
            var parsed = ObjectKeys.parse(info.key());
            if (parsed.isPresent() && parsed.get().lastTxid() > shipped) {
                throw new DivergedException("replica " + storage.describe() + " holds " + info.key() + ", beyond txid " + shipped
                        + " that this walship shipped: another walship may be writing to this replica path");
            }
        }
    }

    private void enforceRetention() throws IOException {
        Instant now = clock.instant();
        if (target.retention().isZero() || now.isBefore(nextRetention)) {
            return;
        }
        int deleted = retention.enforce(now).size();
        if (deleted > 0) {
            events.retentionDeleted(dbPath, target.name(), deleted);
        }
        nextRetention = now.plus(target.retentionCheckInterval());
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
        List<Tx> batch = new ArrayList<>();
        long batchBytes = 0;
        TreeMap<Long, SpoolRecord.Page> pages = new TreeMap<>();
        while (true) {
            SpoolRecord rec = pending != null ? pending : reader.next();
            pending = null;
            if (rec == null) {
                break;
            }
            if (rec instanceof SpoolRecord.Page p) {
                pages.put(p.pgno(), p);
            } else if (rec instanceof SpoolRecord.Commit c) {
                batch.add(new Tx(c.point(), pages));
                batchBytes += (long) pages.size() * c.point().pageSize();
                pages = new TreeMap<>();
                if (batchBytes >= settings.maxSegmentSize().bytes()) {
                    shipSegment(batch);
                    batch.clear();
                    batchBytes = 0;
                }
            } else if (rec instanceof SpoolRecord.Snapshot s) {
                shipSegment(batch);
                batch.clear();
                batchBytes = 0;
                shipSnapshot(s.point());
            }
        }
        shipSegment(batch);
    }

    /**
     * Finds where shipping continues: the record of txid {@code shipped + 1}, or else the next snapshot (the replica
     * then misses some txids, which is said at WARN). Without either, asks the capturer for a snapshot.
     */
    private boolean position() throws IOException {
        long shipped = shippedTxid;
        while (true) {
            SpoolRecord rec = reader.next();
            if (rec == null) {
                if (skippedUnusable) {
                    // The spool has transactions but none that continue the replica: it needs a snapshot to start from.
                    snapshotRequest.run();
                }
                return false;
            }
            if (rec.txid() <= shipped) {
                continue;
            }
            boolean continues = rec.txid() == shipped + 1 && (shipped > 0 || rec instanceof SpoolRecord.Snapshot);
            if (continues || rec instanceof SpoolRecord.Snapshot) {
                if (!continues) {
                    log.warn("{}: the spool no longer holds txids {}..{} that replica {} lacks; continuing from snapshot {}",
                            name, shipped + 1, rec.txid() - 1, storage.describe(), rec.txid());
                }
                pending = rec;
                positioned = true;
                return true;
            }
            skippedUnusable = true;
        }
    }

    private void shipSegment(List<Tx> batch) throws IOException, InterruptedException {
        if (batch.isEmpty()) {
            return;
        }
        CapturePoint first = batch.get(0).point();
        CapturePoint last = batch.get(batch.size() - 1).point();
        String key = ObjectKeys.segment(first.txid(), last.txid());
        Path file = outbox.resolve(key.substring(ObjectKeys.SEGMENTS.length()));
        writeSegment(batch, file);
        long bytes = Files.size(file);
        upload(key, file);
        Files.deleteIfExists(file);
        events.shipped(dbPath, target.name(), "segment", batch.size(), bytes);
        shippedPointTime = last.time();
        shipped(last.txid());
    }

    private void writeSegment(List<Tx> batch, Path file) throws IOException {
        CapturePoint first = batch.get(0).point();
        CapturePoint last = batch.get(batch.size() - 1).point();
        int pageSize = first.pageSize();
        ObjectHeader header = new ObjectHeader(ObjectKind.SEGMENT, pageSize, last.databasePages(), first.txid(), last.txid(),
                first.time(), last.time(), batch.size());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] page = new byte[pageSize];
        long lockPage = DatabasePages.lockPage(pageSize);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            SegmentWriter w = new SegmentWriter(out, header);
            Map<Path, FileChannel> open = new java.util.HashMap<>();
            try {
                for (Tx tx : batch) {
                    if (tx.point().pageSize() != pageSize) {
                        throw new IllegalStateException("page size changed inside a batch without a snapshot");
                    }
                    long size = tx.point().databasePages();
                    List<SpoolRecord.Page> kept = tx.pages().values().stream()
                            .filter(p -> p.pgno() <= size && p.pgno() != lockPage).toList();
                    w.beginTransaction(tx.point().txid(), tx.point().time().toEpochMilli(), size, kept.size());
                    for (SpoolRecord.Page p : kept) {
                        FileChannel src = open.get(p.file());
                        if (src == null) {
                            src = FileChannel.open(p.file(), StandardOpenOption.READ);
                            open.put(p.file(), src);
                        }
                        readPage(src, p, page);
                        w.page(p.pgno(), page, 0);
                    }
                }
            } finally {
                for (FileChannel c : open.values()) {
                    c.close();
                }
            }
            w.finish();
            out.flush();
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        FileReplicaStorage.fsyncDirectory(outbox);
    }

    private static void readPage(FileChannel src, SpoolRecord.Page p, byte[] into) throws IOException {
        SpoolReader.readPage(src, p, into);
    }

    private void shipSnapshot(CapturePoint point) throws IOException, InterruptedException {
        Path file = spool.snapshotPath(point.txid());
        upload(ObjectKeys.snapshot(point.txid()), file);
        events.shipped(dbPath, target.name(), "snapshot", 0, Files.size(file));
        newestSnapshotTime = point.time();
        shippedPointTime = point.time();
        shipped(point.txid());
    }

    private void shipped(long txid) {
        shippedTxid = Math.max(shippedTxid, txid);
        lastUploadNanos = System.nanoTime();
        lastShippedTime = clock.instant();
        shippedListener.run();
    }

    /** Uploads until it succeeds; backoff doubles from 1 s to 30 s with jitter. An owner conflict is final. */
    private void upload(String key, Path file) throws IOException, InterruptedException {
        long backoff = 1000;
        for (int attempt = 1; ; attempt++) {
            try {
                storage.put(key, file);
                if (lastError != null) {
                    log.info("{}: replica {} reachable again", name, storage.describe());
                }
                lastError = null;
                return;
            } catch (ObjectExistsException e) {
                lastError = e.getMessage();
                throw e;
            } catch (IOException | RuntimeException e) {
                lastError = e.getMessage();
                events.error(dbPath, "ship");
                log.warn("{}: upload of {} to {} failed (attempt {}): {}; retrying in {} ms", name, key, storage.describe(),
                        attempt, e.toString(), backoff);
                if (stopping || pastDeadline()) {
                    throw new IOException("stopped while " + key + " was not uploaded; it stays in the spool", e);
                }
                pause(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }
}
