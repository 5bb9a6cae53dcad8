package io.walship.replicator;

import io.walship.config.ReplicationSettings;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.FileIo;
import io.walship.replica.Lineage;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.RestPoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolCorruptException;
import io.walship.replicator.spool.SpoolWriteException;
import io.walship.replicator.wal.WalChecksum;
import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalGeneration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates one database to its replicas: one capture thread (WAL to spool) and one shipping thread per replica
 * (spool to replica), each with its own position and backlog. A failing replica is retried without slowing the
 * others; a slow one only makes the spool keep more.
 *
 * <p>Capture failures (the app holding a lock past the busy timeout, a vanished file) are retried with backoff after
 * reopening the database. What stops the database for good, with one ERROR line: a damaged spool (its history cannot
 * be trusted). A replica stops for good when another writer owns its path or its history diverged from the spool;
 * the database goes on with its other replicas. Any exception that is not transient (see {@link Failures}) is a bug:
 * it stops the database for good too, with one ERROR that carries the stack trace.
 *
 * <p>Shared across threads: the daemon's thread starts and stops it, the capture thread runs {@code captureLoop},
 * the shipping threads report their positions and failures to it, and the metrics server's threads read its state.
 * What the capture thread publishes is kept in volatile fields, its mode in one immutable {@code Life} value that only
 * its transitions replace, and the list of shippers and the spool under the {@code lifecycle} lock.
 */
public final class DatabaseReplicator {
    private static final Logger log = LoggerFactory.getLogger(DatabaseReplicator.class);
    private static final long INIT_WAIT_MILLIS = 10_000;
    private static final int QUICK_POLLS = 60;
    private static final Duration QUICK_POLL_INTERVAL = Duration.ofMillis(5);
    /**
     * With file-system events, the fallback poll of an idle database backs off from the monitor interval to this (or
     * the monitor interval, if longer): events wake capture at once, so an idle database costs a poll every few
     * seconds instead of four a second. Time-driven work (the checkpoint interval, a retried emergency checkpoint)
     * ends the wait when it falls due (see {@link #nextWait}).
     */
    private static final Duration IDLE_POLL_MAX = Duration.ofSeconds(5);

    private final Path dbPath;
    private final List<ReplicaTarget> targets;
    private final ReplicationSettings settings;
    private final Clock clock;
    private final ReplicationLoad load = new ReplicationLoad();
    private final Path spoolDir;
    private final ReplicationEvents events;
    private volatile Duration checkpointInterval = Duration.ofMinutes(1);
    private volatile RestoredState restored;
    private volatile FileIo fileIo = FileIo.DEFAULT;
    private volatile long spoolLimit;
    private volatile LineagePolicy lineagePolicy = LineagePolicy.REFUSE;
    private final AtomicBoolean snapshotRequested = new AtomicBoolean();
    /** Checksums asked for by other threads ({@link #liveChecksum}), answered by the capture thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.CompletableFuture<LiveChecksum>>
            checksumRequests = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Object lifecycle = new Object();
    /** Where this replicator is in its life; every change goes through one of {@link Life}'s transitions. */
    private final AtomicReference<Life> life = new AtomicReference<>(Life.NEW);
    private final List<Spool.DroppedRange> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long capturedTxid;
    private volatile long freshBase;
    private volatile Instant capturedTime;
    private volatile Instant lastSnapshotTaken = Instant.EPOCH;
    private volatile String lastCaptureError;
    private Thread captureThread;
    /** The capture loop's watcher while it runs, so that a snapshot request or a stop wakes it. */
    private volatile WalWatcher watcher;
    private Spool spool;
    private final List<Shipper> shippers = new ArrayList<>();
    private final CaptureTimeline captureTimes = new CaptureTimeline();

    /**
     * The state of one replica of this database, for status output and metrics.
     *
     * @param lag how far the replica is behind capture, in capture time: zero when it holds every captured
     *     transaction, otherwise the time between its newest transaction and the newest captured one (at least the
     *     time since capture if it holds nothing yet)
     */
    public record ReplicaState(String name, String replica, long shippedTxid, Instant lastShipped, Duration lag,
                               String lastError, String failure, boolean reached) {
    }

    /**
     * A replicator's life: created, running (capture and shipping threads up), stopping (final capture and sync),
     * stopped, or failed for good (a damaged spool, or an unexpected error), which also stops it.
     */
    public enum Mode {
        NEW, RUNNING, STOPPING, STOPPED, FAILED
    }

    /**
     * The replicator's mode with what goes with it, replaced as a whole so that no thread sees a failure without its
     * mode. Shared by every thread of this database (the capture and shipping threads fail it, {@link #stop} stops it);
     * immutable.
     *
     * @param stopRequested whether the capture thread is asked to end: by {@link #stop}, by a failure, or by an
     *     interrupt
     * @param failure why this database stopped for good, present exactly when the mode is {@link Mode#FAILED}
     */
    private record Life(Mode mode, boolean stopRequested, Optional<String> failure) {
        static final Life NEW = new Life(Mode.NEW, false, Optional.empty());

        /** {@link #start} opened the spool; a stop asked for meanwhile still holds. */
        Life started() {
            return new Life(Mode.RUNNING, stopRequested, failure);
        }

        /** {@link #stop} was called: a running replicator captures once more and syncs before it is stopped. */
        Life stopAsked() {
            return new Life(mode == Mode.RUNNING ? Mode.STOPPING : mode, true, failure);
        }

        /** The capture thread was interrupted: it ends, whatever the mode says. */
        Life interrupted() {
            return new Life(mode, true, failure);
        }

        /** Something this database cannot go on with happened: it stops for good. */
        Life failed(String why) {
            return new Life(Mode.FAILED, true, Optional.of(why));
        }

        /** {@link #stop} finished: the threads ended and the spool is closed. */
        Life stopped() {
            return new Life(mode == Mode.FAILED ? Mode.FAILED : Mode.STOPPED, stopRequested, failure);
        }
    }

    /**
     * What a stop left behind: for each replica that did not fail, the durable transactions it still lacks (they stay
     * in the spool for the next start).
     */
    public record StopResult(java.util.Map<String, Long> unshipped) {
        public long total() {
            return unshipped.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public DatabaseReplicator(Path dbPath, List<ReplicaTarget> targets, ReplicationSettings settings, Clock clock) {
        this(dbPath, targets, settings, clock, ReplicationEvents.NONE);
    }

    public DatabaseReplicator(Path dbPath, List<ReplicaTarget> targets, ReplicationSettings settings, Clock clock,
                              ReplicationEvents events) {
        this(dbPath, defaultSpoolDir(dbPath), targets, settings, clock, events);
    }

    /**
     * With the spool in {@code spoolDir} instead of beside the database (the configuration's {@code meta-path}, for a
     * spool on another volume). The folder is this database's alone.
     */
    public DatabaseReplicator(Path dbPath, Path spoolDir, List<ReplicaTarget> targets, ReplicationSettings settings,
                              Clock clock, ReplicationEvents events) {
        this.events = events;
        this.dbPath = dbPath.toAbsolutePath().normalize();
        this.targets = List.copyOf(targets);
        this.settings = settings;
        this.clock = clock;
        this.spoolDir = spoolDir.toAbsolutePath().normalize();
        if (targets.isEmpty()) {
            throw new IllegalArgumentException(dbPath + ": at least one replica is needed");
        }
        var names = new HashSet<String>();
        for (ReplicaTarget t : targets) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException(dbPath + ": two replicas are named '" + t.name() + "'");
            }
        }
    }

    /** One replica with the settings' sync interval and the default snapshot interval and retention. */
    public DatabaseReplicator(Path dbPath, ReplicaStorage storage, ReplicationSettings settings, Clock clock) {
        this(dbPath, List.of(ReplicaTarget.of("replica", storage, settings.syncInterval())), settings, clock);
    }

    /**
     * Sets the longest time between two PASSIVE checkpoints while there are captured pages not yet checkpointed
     * (Litestream's {@code checkpoint-interval}); zero checkpoints by page count only. Call before {@link #start()}.
     */
    public void checkpointInterval(Duration interval) {
        this.checkpointInterval = interval;
    }

    /**
     * The database was just restored from a replica, at a txid with this time and size: when walship finds no spool,
     * it starts one at that point, so that capture continues the replica's history instead of uploading a snapshot of
     * what it just downloaded (provided the database file is still the restored one). Call before {@link #start()}.
     */
    public void continueFromRestore(long txid, Instant time, long pages, int pageSize, long lineage) throws IOException {
        // The checksum is taken now, before the app can touch the restored file; the capturer compares it with the
        // file when capture starts.
        this.restored = new RestoredState(txid, time, pages, pageSize, lineage, DatabaseFileChecksum.of(dbPath));
    }

    /** What {@link #continueFromRestore} was told. */
    private record RestoredState(long txid, Instant time, long pages, int pageSize, long lineage,
                                 DatabaseFileChecksum checksum) {
    }

    /** File operations for the spool and outboxes; a fault-injection seam for tests. Call before {@link #start()}. */
    public void fileIo(FileIo io) {
        this.fileIo = io;
    }

    /**
     * Where walship reads the space left on the database's disk (see {@link #WAL_DISK_RESERVE_BYTES}); a seam for
     * tests. Call before {@link #start()}.
     */
    void walDiskUsable(java.util.function.LongSupplier usable) {
        this.walDiskUsable = usable;
    }

    /**
     * The most bytes the spool may take on disk (records, snapshots and outboxes); 0 (the default) means half of the
     * space its file system had free when walship started. Past it, when replicas stay unreachable, walship drops the
     * oldest records they lack, logs an ERROR and counts it, and those replicas get a new snapshot when they return.
     * Call before {@link #start()}.
     */
    public void spoolLimit(long bytes) {
        this.spoolLimit = bytes;
    }

    /** What to do with a replica path that holds another history; {@link LineagePolicy#REFUSE} by default. */
    public void lineagePolicy(LineagePolicy policy) {
        this.lineagePolicy = policy;
    }

    /** Whether some replica stopped because its path holds another history (lineage). */
    public boolean lineageConflict() {
        synchronized (lifecycle) {
            return shippers.stream().anyMatch(s -> s.failureKind() == Shipper.FailureKind.OTHER_LINEAGE);
        }
    }

    /** Transaction ranges the spool dropped before every replica had them (its size limit), oldest first. */
    public List<Spool.DroppedRange> dropped() {
        return List.copyOf(dropped);
    }

    public Mode mode() {
        return life.get().mode();
    }

    /** The replicas' descriptions (no secrets), known before the replicator starts. */
    public List<String> targetDescriptions() {
        return targets.stream().map(t -> t.name() + " (" + t.storage().describe() + ")").toList();
    }

    /** The spool folder beside the database: {@code .NAME-walship/}. */
    public static Path defaultSpoolDir(Path dbPath) {
        Path abs = dbPath.toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + "-walship");
    }

    public Path database() {
        return dbPath;
    }

    /** The highest txid captured into the spool. */
    public long capturedTxid() {
        return capturedTxid;
    }

    /** When the newest captured transaction was observed; null before the first. */
    public Instant capturedTime() {
        return capturedTime;
    }

    /** The lowest txid that every working replica holds, as far as this daemon knows. */
    public long shippedTxid() {
        synchronized (lifecycle) {
            return shippers.stream().filter(s -> s.failure() == null).mapToLong(Shipper::shippedTxid).min()
                    .orElse(shippers.stream().mapToLong(Shipper::shippedTxid).min().orElse(0));
        }
    }

    public List<ReplicaState> replicas() {
        synchronized (lifecycle) {
            return shippers.stream().map(s -> new ReplicaState(s.target().name(), s.target().storage().describe(), s.shippedTxid(),
                    s.lastShippedTime(), lag(s), s.lastError(), s.failure(), s.isInitialized())).toList();
        }
    }

    private Duration lag(Shipper s) {
        Instant captured = capturedTime;
        if (captured == null || s.shippedTxid() >= capturedTxid) {
            return Duration.ZERO;
        }
        Instant shipped = s.shippedPointTime();
        Duration d = Duration.between(shipped == null ? captured : shipped, shipped == null ? clock.instant() : captured);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * When the oldest transaction that some working replica still lacks was captured (as seen by this run), or null
     * when every replica holds everything captured. Its age is how old the oldest write is that a lost machine would
     * take with it.
     */
    public Instant oldestUnshippedTime() {
        long shipped = shippedTxid();
        Instant newest = capturedTime;
        if (newest == null || shipped >= capturedTxid) {
            return null;
        }
        Instant first = captureTimes.firstAfter(shipped);
        return first != null ? first : newest;
    }

    /** Whether capture runs: the database is open, its history continued or snapshotted, and no error is pending. */
    public boolean capturing() {
        return capturedTxid > 0 && lastCaptureError == null && life.get().failure().isEmpty();
    }

    /** Bytes the spool holds on disk; 0 before it is open. */
    public long spoolBytes() {
        Spool s;
        synchronized (lifecycle) {
            s = spool;
        }
        try {
            return s == null ? 0 : s.bytes();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last capture problem being retried, or null while capture works. */
    public String lastCaptureError() {
        return lastCaptureError;
    }

    /** Why this database stopped for good (damaged spool, or every replica failed), or null while it runs. */
    public String failure() {
        Optional<String> failure = life.get().failure();
        if (failure.isPresent()) {
            return failure.get();
        }
        synchronized (lifecycle) {
            if (!shippers.isEmpty() && shippers.stream().allMatch(s -> s.failure() != null)) {
                return "every replica failed: " + shippers.get(0).failure();
            }
        }
        return null;
    }

    /**
     * Opens the spool (taking its lock: one walship per database) and starts replicating in the background. Fails at
     * once, touching nothing, with {@link io.walship.replicator.spool.SpoolLockedException} when another walship holds
     * the spool.
     */
    public void start() throws IOException {
        synchronized (lifecycle) {
            if (life.get().mode() != Mode.NEW) {
                throw new IllegalStateException(dbPath + ": already started");
            }
            spool = Spool.open(spoolDir, settings.spoolSegmentSize().bytes(), fileIo);
            if (spoolLimit == 0) {
                long free = Files.getFileStore(spoolDir).getUsableSpace();
                spoolLimit = Math.max(2 * settings.spoolSegmentSize().bytes(), free / 2);
            }
            life.updateAndGet(Life::started);
        }
        captureThread = new Thread(LogContext.tagged(dbPath, null, this::captureLoop), "capture-" + dbPath.getFileName());
        captureThread.start();
    }

    /**
     * Stops capturing, ships what the spool holds (each upload tried once, all within {@code finalSync}), and stops.
     * Whatever is not shipped stays in the spool for the next start.
     */
    public StopResult stop(Duration finalSync) throws InterruptedException {
        // No interrupts: an interrupted FileChannel closes itself, and closing a descriptor of the database file would
        // drop the locks SQLite holds. The capture loop sees the flag within a monitor interval, captures once more so
        // that what the app committed until now is in the spool, and ends.
        life.updateAndGet(Life::stopAsked);
        wake();
        Thread c = captureThread;
        if (c != null) {
            c.join(60_000);
            if (c.isAlive()) {
                log.warn("{}: capture did not stop within 60 s; interrupting it", dbPath);
                c.interrupt();
                c.join(5_000);
            }
        }
        List<Shipper> all;
        synchronized (lifecycle) {
            all = List.copyOf(shippers);
        }
        Duration budget = life.get().failure().isEmpty() ? finalSync : Duration.ZERO;
        List<Thread> drains = new ArrayList<>();
        java.util.Map<String, Long> unshipped = new java.util.concurrent.ConcurrentSkipListMap<>();
        for (Shipper s : all) {
            Thread t = new Thread(LogContext.tagged(dbPath, s.target().name(), () -> {
                try {
                    long left = s.drainAndStop(budget);
                    if (left > 0) {
                        unshipped.put(s.target().name(), left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }), "final-sync-" + dbPath.getFileName() + "-" + s.target().name());
            t.start();
            drains.add(t);
        }
        for (Thread t : drains) {
            t.join();
        }
        for (Shipper s : all) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing a spool reader failed", e);
            }
        }
        synchronized (lifecycle) {
            if (spool != null) {
                try {
                    spool.close();
                } catch (IOException e) {
                    log.debug("closing the spool failed", e);
                }
            }
            life.updateAndGet(Life::stopped);
        }
        java.util.concurrent.CompletableFuture<LiveChecksum> pending;
        while ((pending = checksumRequests.poll()) != null) {
            pending.completeExceptionally(new IOException("walship stopped replicating " + dbPath));
        }
        for (var e : unshipped.entrySet()) {
            log.error("{}: the final sync could not ship everything: replica {} lacks {} transaction(s), which stay in the"
                    + " spool for the next start", dbPath, e.getKey(), e.getValue());
        }
        return new StopResult(java.util.Map.copyOf(unshipped));
    }

    /**
     * While the spool cannot be written, walship holds the WAL (the pin) only as long as the database's disk has this
     * much room left for it to grow.
     */
    static final long WAL_DISK_RESERVE_BYTES = 32L << 20;
    private java.util.function.LongSupplier walDiskUsable = this::walDiskUsableNow;

    private void captureLoop() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
        Optional<Discontinuity> reopenReason = Optional.empty();
        boolean announcedWait = false;
        boolean lastAttempt = false;
        // Whether the last attempt ended on a spool that could not be written: the next one works through the backlog
        // in small durable batches (see Capturer#catchUpInBatches).
        boolean spoolWasFailing = false;
        while (true) {
            if (stopping()) {
                // A capture that was failing when the stop came (say the app held a lock while walship switched the
                // database to WAL) gets one more attempt, so that what the app committed reaches the final sync.
                if (lastAttempt || life.get().mode() == Mode.FAILED) {
                    return;
                }
                lastAttempt = true;
            }
            if (!DatabaseFile.isReady(dbPath)) {
                if (stopping()) {
                    return;
                }
                if (!announcedWait) {
                    log.info("waiting for database {} to appear", dbPath);
                    announcedWait = true;
                }
                sleep(settings.monitorInterval());
                continue;
            }
            try (DatabaseFile db = DatabaseFile.open(dbPath);
                 SqliteSession session = SqliteSession.open(dbPath, settings.busyTimeout());
                 WalWatcher watcher = new WalWatcher(dbPath)) {
                if (session.ensureWalMode()) {
                    log.info("{} was not in WAL mode; switched it to WAL so that walship can follow its transactions", dbPath);
                }
                // The seed comes first: a shipper reads the spool's lineage and position once, when it starts, and
                // one that started before the seed took the replica's txids for another walship's (LeaseTakeOverTest).
                seedFromRestore();
                startShipping();
                Capturer capturer = new Capturer(dbPath, db, session, spool, settings, clock, events, load);
                capturer.checkpointInterval(checkpointInterval);
                this.watcher = watcher;
                if (spoolWasFailing) {
                    capturer.catchUpInBatches();
                }
                boolean fresh = spool.last().isEmpty();
                ReplicaPosition startAt = replicaPositionForStart();
                if (fresh && allReplicasFailed()) {
                    // Every replica refused this database (each path holds another history): capturing now would give
                    // the empty spool a lineage of its own, and a later -adopt-lineage could no longer continue the
                    // replica's history. The spool stays empty; the daemon reports the refusal and exits.
                    log.info("{}: not capturing: every replica refused this database", dbPath);
                    return;
                }
                capturer.start(startAt, reopenReason);
                spoolWasFailing = false;
                if (fresh) {
                    freshBase = spool.firstTxid();
                }
                reopenReason = Optional.empty();
                backoff.reset();
                lastCaptureError = null;
                published(capturer);
                boolean spoolFailed = false;
                Duration idle = settings.monitorInterval();
                Duration idleMax = max(settings.monitorInterval(), IDLE_POLL_MAX);
                while (!stopping()) {
                    try {
                        if (spoolFailed) {
                            capturer.resumeAfterSpoolFailure();
                            spoolFailed = false;
                            backoff.reset();
                            lastCaptureError = null;
                            log.info("{}: the spool can be written again; capture goes on at txid {}", dbPath,
                                    capturer.lastTxid());
                            published(capturer);
                        }
                        answerChecksumRequests(capturer);
                        if (snapshotRequested.getAndSet(false)) {
                            try {
                                capturer.snapshotCurrent(SnapshotReason.REPLICA);
                            } catch (IOException e) {
                                // The replica still needs it: asked again once the spool can be written.
                                snapshotRequested.set(true);
                                throw e;
                            }
                        } else if (capturer.lastTxid() > capturer.lastSnapshotTxid() && periodicSnapshotDue()) {
                            capturer.snapshotCurrent(SnapshotReason.INTERVAL);
                        }
                        long before = capturer.lastTxid();
                        capturer.pollOrThrottle();
                        capturer.maybeCheckpoint();
                        published(capturer);
                        if (capturer.lastTxid() != before) {
                            enforceSpoolLimit();
                        }
                        idle = nextWait(idle, capturer.lastTxid() == before && watcher.hasEvents(), capturer.timedWorkDue(),
                                settings.monitorInterval(), idleMax);
                        if (watcher.await(idle)) {
                            // A checkpoint writes the database file. When it has copied every frame, a new pin that reads
                            // the file alone frees the app's RESTART or TRUNCATE waiting on walship's read transaction,
                            // so look again soon instead of after a whole monitor interval.
                            for (int i = 0; i < QUICK_POLLS && !stopping(); i++) {
                                capturer.pollOrThrottle();
                                // Under non-stop writes every round is a quick one: the WAL must still get its restarts.
                                capturer.maybeCheckpoint();
                                watcher.await(QUICK_POLL_INTERVAL);
                            }
                        }
                    } catch (SpoolWriteException e) {
                        // The spool's disk is full or failing: keep the session and its pin, so that SQLite cannot
                        // restart the WAL, and go on from the spool's last durable record once it can write again.
                        // The pin makes the WAL grow meanwhile; past the emergency size the WAL matters more than
                        // per-transaction history, so the outer handler lets go of the pin (a continuity snapshot
                        // follows, with its reason logged).
                        if (capturer.walBytes() > settings.emergencyWalSize().bytes()) {
                            log.warn("{}: the spool cannot be written and the WAL grew past {} while walship held it;"
                                    + " letting go of the WAL (a snapshot follows)", dbPath, settings.emergencyWalSize());
                            throw e;
                        }
                        long walDiskFree = walDiskUsable.getAsLong();
                        if (walDiskFree < WAL_DISK_RESERVE_BYTES) {
                            // The WAL's own disk is full too (by default the spool lives beside the database): held
                            // WAL frames would make every commit of the app fail, so the app's availability comes
                            // first and the continuity of history second.
                            log.warn("{}: the spool cannot be written and the database's disk has {} bytes free;"
                                    + " letting go of the WAL so that the app can checkpoint it (a snapshot follows)",
                                    dbPath, walDiskFree);
                            throw e;
                        }
                        // Spool files every replica holds are deleted now, not after the next upload, which cannot
                        // come before capture writes again.
                        releaseSpool();
                        lastCaptureError = e.toString();
                        events.error(dbPath, "capture");
                        Duration wait = backoff.next();
                        log.warn("{}: capture failed: {}; retrying in {} ms, holding the WAL until the spool can be"
                                + " written", dbPath, e.toString(), wait.toMillis());
                        sleep(wait);
                        spoolFailed = true;
                    }
                }
                if (life.get().mode() != Mode.FAILED) {
                    // The last transactions the app committed before the stop go into the spool for the final sync,
                    // and a rest point lets the next start prove the database file did not change meanwhile.
                    if (spoolFailed) {
                        capturer.resumeAfterSpoolFailure();
                    }
                    capturer.poll();
                    published(capturer);
                    capturer.recordRest();
                }
                // Stopped: the session closes, and the capture thread ends.
                return;
            } catch (InterruptedException e) {
                return;
            } catch (Capturer.DatabaseReplacedException e) {
                reopenReason = Optional.of(new Discontinuity.DatabaseReplaced(e.getMessage()));
                log.warn("{}: {}; reopening", dbPath, reopenReason.get().describe());
            } catch (SpoolCorruptException e) {
                fail(e.getMessage());
                return;
            } catch (IOException | SQLException | RuntimeException e) {
                if (stopping()) {
                    // A stop closes what capture uses: what that throws is not a finding.
                    return;
                }
                if (!Failures.isTransient(e)) {
                    // Not transient: a bug. Retrying it forever would hide it; this database stops with the stack trace.
                    fail("internal error: " + e, e);
                    return;
                }
                // Transient: the app holding a lock, a full disk, a vanished file. Capture starts over from the spool.
                spoolWasFailing = e instanceof SpoolWriteException;
                lastCaptureError = e.toString();
                events.error(dbPath, "capture");
                Duration wait = backoff.next();
                log.warn("{}: capture failed: {}; retrying in {} ms", dbPath, e.toString(), wait.toMillis());
                log.debug("capture failure", e);
                sleep(wait);
            } catch (Error e) {
                // A StackOverflowError, an OutOfMemoryError, a native library that failed to link: without this the
                // thread would die with the database still reporting itself ready.
                fail("internal error: " + e, e);
                throw e;
            }
        }
    }

    /**
     * The page checksum of the live database at the txid walship captured last, computed by the capture thread under
     * its read transaction (see {@link LiveChecksum}); completes exceptionally when capture cannot compute it. Called
     * from any thread; waits for the capture thread's next round, which does not come while capture is failing.
     */
    public java.util.concurrent.CompletableFuture<LiveChecksum> liveChecksum() {
        java.util.concurrent.CompletableFuture<LiveChecksum> f = new java.util.concurrent.CompletableFuture<>();
        checksumRequests.add(f);
        wake();
        return f;
    }

    /**
     * Answers every pending request with one checksum: the capture thread reads the whole database for it, and capture
     * waits meanwhile (the app does not), so requests that arrived together share the read.
     */
    private void answerChecksumRequests(Capturer capturer) throws IOException, SQLException {
        List<java.util.concurrent.CompletableFuture<LiveChecksum>> waiting = new ArrayList<>();
        java.util.concurrent.CompletableFuture<LiveChecksum> f;
        while ((f = checksumRequests.poll()) != null) {
            waiting.add(f);
        }
        if (waiting.isEmpty()) {
            return;
        }
        try {
            LiveChecksum sum = capturer.checksumCurrent();
            waiting.forEach(w -> w.complete(sum));
        } catch (SpoolWriteException e) {
            // The capture round before the checksum could not write the spool: the capture loop handles that.
            waiting.forEach(w -> w.completeExceptionally(e));
            throw e;
        } catch (IOException e) {
            // Reading the database failed: the callers hear why; capture goes on (its next round says if it is more
            // than this one read).
            waiting.forEach(w -> w.completeExceptionally(e));
        } catch (SQLException | RuntimeException e) {
            waiting.forEach(w -> w.completeExceptionally(e));
            throw e;
        }
    }

    /** The WAL's disk space left to the app; what cannot be read counts as none. */
    private long walDiskUsableNow() {
        try {
            return Files.getFileStore(dbPath.toAbsolutePath().getParent()).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Starts an empty spool at the restored state (see {@link #continueFromRestore}); once. */
    private void seedFromRestore() throws IOException {
        RestoredState r = restored;
        restored = null;
        if (r == null || spool.last().isPresent()) {
            return;
        }
        DatabaseFileChecksum sum = r.checksum();
        spool.seed(new RestPoint(new CapturePoint(r.txid(), r.time(), r.pages(), r.pageSize(), new WalGeneration(0, 0),
                new WalCursor(0, WalChecksum.ZERO)), sum.bytes(), sum.crc()), r.lineage());
        log.info("{}: continuing the replica's history at txid {} from the restored database ({})", dbPath, r.txid(), sum);
    }

    private void published(Capturer capturer) {
        capturedTxid = capturer.lastTxid();
        capturedTime = capturer.lastTime();
        captureTimes.record(capturedTxid, capturedTime);
        if (capturer.lastSnapshotTaken() != null) {
            lastSnapshotTaken = capturer.lastSnapshotTaken();
        }
    }

    /**
     * A periodic snapshot is due when some replica's newest snapshot is older than its snapshot interval, and no
     * snapshot was taken within that interval (one taken but not shipped yet must not trigger another).
     */
    private boolean periodicSnapshotDue() {
        Instant now = clock.instant();
        synchronized (lifecycle) {
            for (Shipper s : shippers) {
                Instant newest = s.newestSnapshotTime();
                Duration interval = s.target().snapshotInterval();
                if (newest != null && s.failure() == null && !interval.isZero() && !now.isBefore(newest.plus(interval))
                        && !now.isBefore(lastSnapshotTaken.plus(interval))) {
                    log.info("{}: replica {}'s newest snapshot is older than {}; taking a new one", dbPath, s.target().name(), interval);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * With a spool, capture continues from it and needs no replica. Without one (first run, or the spool was lost)
     * the txid sequence must continue after the highest txid any replica holds, so capture waits for the replicas to
     * tell their positions, for at most {@link #INIT_WAIT_MILLIS}: a replica that is down must not keep the others
     * from starting. One that answers later with a higher txid than the spool is stopped as diverged (reported, never
     * silently mixed).
     */
    private ReplicaPosition replicaPositionForStart() throws InterruptedException, IOException {
        if (spool.last().isPresent()) {
            return ReplicaPosition.NONE;
        }
        List<Shipper> all;
        synchronized (lifecycle) {
            all = List.copyOf(shippers);
        }
        long deadline = System.currentTimeMillis() + INIT_WAIT_MILLIS;
        java.util.TreeSet<Lineage> lineages = new java.util.TreeSet<>();
        for (Shipper s : all) {
            long left = deadline - System.currentTimeMillis();
            if (left > 0 && !s.awaitInitialized(left) && s.failure() == null) {
                log.warn("{}: replica {} did not answer within {} s ({}); starting without it", dbPath, s.target().name(),
                        INIT_WAIT_MILLIS / 1000, s.lastError());
            }
            if (s.isInitialized()) {
                lineages.addAll(s.histories().keySet());
            }
        }
        // The spool starts afresh; the replicas decide which history it continues (see LineagePolicy).
        if (lineages.isEmpty()) {
            return ReplicaPosition.NONE;
        }
        if (lineagePolicy == LineagePolicy.NEW) {
            log.info("{}: the replicas hold the history (lineage) {}; starting a new one beside it (-new-lineage)", dbPath,
                    lineages);
            return ReplicaPosition.NONE;
        }
        if (lineagePolicy == LineagePolicy.REFUSE || lineages.size() > 1 || lineages.first().isLegacy()) {
            String why = lineagePolicy == LineagePolicy.REFUSE
                    ? "this spool starts a new history, and replicating it there would mix two histories; if this database is"
                    + " the one the replica holds (its spool was lost), start walship with -adopt-lineage; to write a new"
                    + " history beside the old one, -new-lineage; or use another replica path"
                    : "-adopt-lineage needs exactly one history of format version 2 to continue";
            for (Shipper s : all) {
                if (s.isInitialized() && !s.histories().isEmpty()) {
                    s.fail(Shipper.FailureKind.OTHER_LINEAGE, "replica " + s.target().storage().describe() + " holds the"
                            + " history (lineage) " + s.histories().keySet() + " but " + why);
                }
            }
            return ReplicaPosition.NONE;
        }
        Lineage adopted = lineages.first();
        spool.adoptLineage(adopted.id());
        ReplicaPosition last = ReplicaPosition.NONE;
        for (Shipper s : all) {
            if (s.isInitialized()) {
                s.lineageDecided(adopted.id());
                long txid = Math.max(last.txid(), s.shippedTxid());
                Instant time = s.replicaLastTime().isAfter(last.time()) ? s.replicaLastTime() : last.time();
                last = new ReplicaPosition(txid, time);
            }
        }
        log.info("{}: the spool was lost; continuing the replicas' history (lineage) {} after txid {} (-adopt-lineage)",
                dbPath, adopted, last.txid());
        return last;
    }

    private boolean allReplicasFailed() {
        synchronized (lifecycle) {
            return !shippers.isEmpty() && shippers.stream().allMatch(s -> s.failure() != null);
        }
    }

    /** Starts one shipping thread per replica, once; they outlive reopenings of the database. */
    private void startShipping() throws IOException {
        synchronized (lifecycle) {
            if (!shippers.isEmpty()) {
                return;
            }
            for (ReplicaTarget t : targets) {
                Shipper s = new Shipper(dbPath, spool, t, spoolDir.resolve("outbox").resolve(t.name()), settings,
                        clock, this::requestSnapshot, this::releaseSpool, events, () -> freshBase, fileIo, load);
                s.lineagePolicy(lineagePolicy);
                shippers.add(s);
            }
            for (Shipper s : shippers) {
                s.start(this::fail);
            }
        }
    }

    /** Deletes spool files every working replica has; a replica that failed for good no longer holds them back. */
    private void releaseSpool() {
        long min;
        long snapshots;
        Spool s;
        synchronized (lifecycle) {
            s = spool;
            min = shippers.stream().filter(x -> x.failure() == null).mapToLong(Shipper::shippedTxid).min().orElse(0);
            snapshots = shippers.stream().filter(x -> x.failure() == null).mapToLong(Shipper::snapshotsDoneThrough).min()
                    .orElse(0);
        }
        try {
            s.release(min, snapshots);
        } catch (IOException e) {
            log.warn("{}: could not delete shipped spool files: {}", dbPath, e.toString());
        }
    }

    /**
     * Keeps the spool within its limit: while it is larger, the oldest records go even though some replica lacks
     * them. The disk never fills; the replica gets a new snapshot when it is reachable again, and the gap it has shows
     * in {@code ls}, {@code verify} and {@code /status}.
     */
    private void enforceSpoolLimit() throws IOException {
        while (spool.bytes() > spoolLimit) {
            long held = shippedTxid();
            Optional<Spool.DroppedRange> file = spool.dropOldest();
            if (file.isEmpty()) {
                return;
            }
            // The file may begin with txids every replica already holds: only the rest is lost to the replicas.
            Spool.DroppedRange d = new Spool.DroppedRange(Math.max(file.get().fromTxid(), held + 1), file.get().toTxid());
            if (d.fromTxid() > d.toTxid()) {
                continue;
            }
            dropped.add(d);
            long count = d.toTxid() - d.fromTxid() + 1;
            events.spoolDropped(dbPath, count);
            log.error("{}: the spool reached its limit of {} bytes while replicas {} lack txids {}..{}: dropped them; those"
                    + " replicas get a new snapshot when they are reachable again", dbPath, spoolLimit, lagging(d),
                    d.fromTxid(), d.toTxid());
        }
    }

    private List<String> lagging(Spool.DroppedRange d) {
        synchronized (lifecycle) {
            return shippers.stream().filter(s -> s.failure() == null && s.shippedTxid() < d.toTxid())
                    .map(s -> s.target().name()).toList();
        }
    }

    private void fail(String message) {
        fail(message, null);
    }

    /**
     * Stops this database for good with one ERROR, which carries {@code cause}'s stack trace when there is one. The
     * ERROR comes first: whoever sees the database failed (a test, {@code /status}) finds it in the log already.
     */
    private void fail(String message, Throwable cause) {
        if (cause == null) {
            log.error("{}: {}", dbPath, message);
        } else {
            log.error("{}: {}; this database stops replicating", dbPath, message, cause);
        }
        life.updateAndGet(l -> l.failed(message));
        wake();
    }

    /** Whether the capture thread is asked to end (see {@link Life#stopRequested}). */
    private boolean stopping() {
        return life.get().stopRequested();
    }

    /**
     * The capture loop's next wait: quiet polls back off from {@code monitor} to {@code max} while file-system events
     * stand in for polling, and any capture starts over; time-driven work that falls due sooner ends the wait then, but
     * not sooner than a poll would.
     */
    private static Duration nextWait(Duration previous, boolean quiet, Optional<Duration> due, Duration monitor, Duration max) {
        Duration wait = quiet ? min(previous.multipliedBy(2), max) : monitor;
        return due.isPresent() && due.get().compareTo(wait) < 0 ? max(due.get(), monitor) : wait;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private final Object pauses = new Object();

    /** A replica needs a snapshot to start from: capture takes one at its next turn, woken now. */
    private void requestSnapshot() {
        snapshotRequested.set(true);
        wakeWatcher();
    }

    private void wake() {
        synchronized (pauses) {
            pauses.notifyAll();
        }
        wakeWatcher();
    }

    private void wakeWatcher() {
        WalWatcher w = watcher;
        if (w != null) {
            w.wake();
        }
    }

    /** Sleeps up to {@code d}, returning early when stopped; never interrupted (see {@link #stop}). */
    private void sleep(Duration d) {
        synchronized (pauses) {
            if (stopping()) {
                return;
            }
            try {
                pauses.wait(Math.max(1, d.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                life.updateAndGet(Life::interrupted);
            }
        }
    }
}
