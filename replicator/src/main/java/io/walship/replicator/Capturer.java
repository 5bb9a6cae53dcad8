package io.walship.replicator;

import io.walship.config.ReplicationSettings;
import io.walship.replica.Lineage;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.RestPoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolWriteException;
import io.walship.replicator.wal.WalChecksum;
import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalFrame;
import io.walship.replicator.wal.WalGeneration;
import io.walship.replicator.wal.WalHeader;
import io.walship.replicator.wal.WalIndexHeader;
import io.walship.replicator.wal.WalScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies every transaction SQLite committed from one database's WAL into the spool, gives each a txid, and decides
 * when continuity with what was already captured is proven and when a new snapshot must start a new chain.
 *
 * <h2>What is committed</h2>
 * Only frames up to the wal-index's committed frame count ({@link WalIndexHeader#frames()}) are committed. SQLite
 * writes a transaction's frames, syncs them and only then publishes the new count in the wal-index; an app that dies
 * in between leaves checksum-valid commit frames in the WAL that SQLite treats as garbage while walship keeps the
 * wal-index alive, and that the app's next transaction overwrites. walship never reads past that count, so it never
 * captures such a phantom, and it never copies frames of a transaction still in progress (a transaction that spills
 * pages into the WAL and then rolls back leaves nothing behind). Every capture ends exactly at the count, and the
 * running checksum there must equal the one the wal-index records for it.
 *
 * <h2>Pages overwritten in place</h2>
 * While a transaction is being written, SQLite may overwrite one of its own earlier frames in place (a page spilled
 * early and changed again) and rewrite the checksums of the frames after it when it commits. It does so only for
 * frames after the committed count it read when the transaction began (its first frame); frames up to the published
 * count are never rewritten in place, and the count moves only after the whole transaction is final and synced. walship
 * reads the count first and then only frames up to it, so it cannot see a page image in the middle of such a
 * rewrite. {@code CaptureExactnessTest} and the soak test check this with transactions that spill and rewrite the
 * same pages while the app and walship share one CPU.
 *
 * <h2>Continuity</h2>
 * walship always holds a read transaction (the pin, see {@link SqliteSession}). While it does, checkpoints cannot copy
 * frames past the pinned state into the database file, and a writer can restart the WAL only when every frame was
 * copied and no reader uses the WAL, that is when the pin itself reads only from the database file. So a WAL restart
 * seen while a pin in the old generation is held means that generation ended exactly where the pin stood. After every
 * pin walship captures up to the wal-index header read right after it, so at such a restart it has captured the whole
 * old generation, and the new generation continues the history without a gap. Anything else (a restart while walship
 * was not running, a frame that changed under it, a replaced database file) cannot be proven and starts a new chain
 * with a snapshot, logged at WARN with the {@link Discontinuity} that explains it.
 *
 * <p>A clean stop records a {@link RestPoint}: the database file's checksum once walship's last connection has
 * checkpointed everything. When walship starts again and the database file still has that checksum, nothing changed
 * while it was away, so an idle database is resumed without a snapshot even though SQLite removed its WAL.
 *
 * <h2>Write barriers</h2>
 * None of the above needs the app's write lock: pins are proven by reading the wal-index around them, and capture,
 * fsync and snapshots all run outside any lock. The TRUNCATE checkpoint, which takes the write lock itself, runs only
 * after a PASSIVE checkpoint copied almost everything, with a short busy timeout, and backs off when readers block it.
 *
 * <p>Owned by one capture thread; not thread-safe.
 */
final class Capturer {
    private static final Logger log = LoggerFactory.getLogger(Capturer.class);
    private static final int DEFAULT_PAGE_SIZE = 4096;
    private static final Duration TRUNCATE_BUSY = Duration.ofMillis(50);
    private static final Duration EMERGENCY_BACKOFF_MIN = Duration.ofSeconds(1);
    private static final Duration EMERGENCY_BACKOFF_MAX = Duration.ofMinutes(1);
    /** The WAL size past which walship makes room for a WAL restart (see {@link #restartCycle}). */
    static final long RESTART_WAL_BYTES = 16L << 20;
    /**
     * How long walship waits for the app's write lock to take the barrier of a restart cycle. Waiting does not block
     * the app (SQLite's busy handler retries between the app's transactions); holding the lock does.
     */
    private static final Duration BARRIER_WAIT = Duration.ofMillis(100);
    /** How close to the WAL's end capture and the checkpoint come without a lock before walship takes the barrier. */
    private static final long BARRIER_TAIL_FRAMES = 64;
    /**
     * The most frames walship captures and checkpoints under the barrier; more would make the app wait too long. Larger
     * than {@link #BARRIER_TAIL_FRAMES}: an app that commits without a pause writes more while walship waits for its lock.
     */
    private static final long BARRIER_MAX_FRAMES = 1024;
    /**
     * How many times {@link #restartWalBytes()} the WAL may hold before a restart cycle captures under the barrier
     * whatever is left, however long that holds the app's writers: an app that writes faster than walship captures is
     * then slowed to walship's pace, and the WAL stays near 64 MiB instead of growing for as long as the writes last.
     */
    private static final int FORCED_RESTART_FACTOR = 2;
    /**
     * The most frames a forced cycle captures under the barrier when the copy before it let the app write on; past it
     * the cycle is tried again at once (64 MiB of 4 KiB pages: a few hundred milliseconds of capture).
     */
    private static final long FORCED_MAX_TAIL_FRAMES = 16_384;
    /** How long the checkpoint under a forced barrier waits for another connection's checkpoint to finish. */
    private static final Duration CHECKPOINTER_WAIT_FORCED = Duration.ofMillis(100);
    /** At most one INFO line about forced barriers this often; the others are counted into it. */
    private static final Duration FORCED_REPORT_EVERY = Duration.ofMinutes(1);
    /** Rounds of capture and checkpoint without a lock before a restart cycle gives up for now. */
    private static final int CONVERGE_ROUNDS = 6;
    /**
     * How long a PASSIVE checkpoint waits for another connection's checkpoint to finish. The app's checkpoints are short
     * (they copy only up to walship's pin), but they come after nearly every commit while the app writes without a
     * pause, so without waiting walship's restart cycles would give up most of the time.
     */
    private static final Duration CHECKPOINTER_WAIT = Duration.ofMillis(50);
    /** The same wait while walship holds the write barrier, where every millisecond delays the app's writers. */
    private static final Duration CHECKPOINTER_WAIT_IN_BARRIER = Duration.ofMillis(10);
    /** A barrier held longer than this is logged with where its time went. */
    private static final Duration SLOW_BARRIER = Duration.ofMillis(50);
    private static final Duration RESTART_BACKOFF_MIN = Duration.ofMillis(20);
    private static final Duration RESTART_BACKOFF_MAX = Duration.ofSeconds(2);

    private final Path dbPath;
    private final DatabaseFile db;
    private final SqliteSession session;
    private final Spool spool;
    private final WalScanner scanner;
    private final ReplicationSettings settings;
    private final Clock clock;
    private final ReplicationEvents events;
    private final ReplicationLoad load;
    private final PageOverlay overlay = new PageOverlay();

    /** The generation and position of the last captured frame; frames 0 means none of this generation yet. */
    private WalGeneration generation;
    private WalCursor committed = new WalCursor(0, WalChecksum.ZERO);
    private long lastTxid;
    private Instant lastTime = Instant.EPOCH;
    private long databasePages;
    private int pageSize;

    /**
     * The generation of the held pin and the wal-index header read right after it started; a WAL restart is proven
     * when it happens while capture stands at or past that header in that generation. Null while no such pin is known.
     */
    private WalIndexHeader pinUpper;
    private WalIndexHeader lastSeen;
    /**
     * The wal-index header read right after the pin the session holds started, whatever capture did since: unlike
     * {@link #pinUpper}, capture never clears it, so that after a failed spool write the held pin can still prove a
     * WAL restart (see {@link #resumeAfterSpoolFailure}).
     */
    private WalIndexHeader heldPin;
    /** Whether the held pin is known to read from the database file alone (SQLite's read mark 0). */
    private boolean pinReadsFileOnly;
    private long framesSinceCheckpoint;
    private Duration checkpointInterval = Duration.ZERO;
    private Instant lastCheckpoint;
    private Instant lastSnapshotTaken;
    private long lastSnapshotTxid;
    private Instant nextEmergencyAttempt = Instant.EPOCH;
    private final Backoff emergencyBackoff = new Backoff(EMERGENCY_BACKOFF_MIN, EMERGENCY_BACKOFF_MAX);
    private Instant nextRestartAttempt = Instant.EPOCH;
    private final Backoff restartBackoff = new Backoff(RESTART_BACKOFF_MIN, RESTART_BACKOFF_MAX);
    private long capturedPages;
    /** How long the spool's last fsync after a capture took (reported when a barrier was slow). */
    private long lastSpoolSyncNanos;
    /** Forced barriers since the last INFO line about them, and when that line was written (null: never). */
    private int forcedSinceReport;
    private long forcedNanosSinceReport;
    private Instant lastForcedReport;

    Capturer(Path dbPath, DatabaseFile db, SqliteSession session, Spool spool, ReplicationSettings settings, Clock clock,
             ReplicationEvents events, ReplicationLoad load) {
        this.dbPath = dbPath;
        this.db = db;
        this.session = session;
        this.spool = spool;
        this.scanner = new WalScanner(Path.of(dbPath + "-wal"));
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        this.load = load;
    }

    void checkpointInterval(Duration interval) {
        this.checkpointInterval = interval;
    }

    long lastTxid() {
        return lastTxid;
    }

    Instant lastTime() {
        return lastTxid == 0 ? null : lastTime;
    }

    /** When this capturer last wrote a snapshot (by the injected clock), null if it has not. */
    Instant lastSnapshotTaken() {
        return lastSnapshotTaken;
    }

    /** The txid of the newest snapshot in the spool that this capturer knows of, 0 if none. */
    long lastSnapshotTxid() {
        return lastSnapshotTxid;
    }

    /**
     * Picks up where the spool left off, or starts a new chain. Whatever the spool holds after its last complete
     * record (pages of a transaction whose capture was interrupted) is discarded first.
     *
     * @param replica what the replicas already hold: the txid sequence and the transaction times continue after it
     * @param forced a discontinuity the caller already knows of (the database file was replaced), if any
     */
    void start(ReplicaPosition replica, Optional<Discontinuity> forced) throws IOException, SQLException {
        spool.discardUncommitted();
        lastSnapshotTxid = spool.newestSnapshotTxid();
        Optional<CapturePoint> last = spool.last();
        if (last.isEmpty()) {
            lastTxid = replica.txid();
            lastTime = replica.time();
            breakSnapshot(replica.txid() > 0 ? new Discontinuity.LostSpool(spool.directory(), replica.txid())
                    : new Discontinuity.NoHistory());
            return;
        }
        CapturePoint p = last.get();
        lastTxid = p.txid();
        lastTime = p.time().isAfter(replica.time()) ? p.time() : replica.time();
        databasePages = p.databasePages();
        pageSize = p.pageSize();
        generation = p.generation();
        committed = p.cursor();
        if (replica.txid() > lastTxid) {
            long spoolTxid = lastTxid;
            lastTxid = replica.txid();
            breakSnapshot(new Discontinuity.ReplicaAhead(replica.txid(), spoolTxid));
            return;
        }
        if (forced.isPresent()) {
            breakSnapshot(forced.get());
            return;
        }
        SqliteSession.Pin pin = pinInOneGeneration();
        Optional<Discontinuity> broken = resumeProof(pin.after(), spool.lastRest());
        if (broken.isPresent()) {
            breakSnapshot(broken.get());
            return;
        }
        rebuildOverlay();
        pinUpper = null;
        Optional<Discontinuity> b = captureUpTo(pin.after());
        if (b.isPresent()) {
            breakSnapshot(b.get());
            return;
        }
        pinUpper = pin.after();
        log.info("{}: resuming at txid {} ({} frame {}), continuity with the spool proven", dbPath, lastTxid, generation,
                committed.frames());
    }

    /** Why the database as it is now cannot continue the spool's last position, if it cannot. */
    private Optional<Discontinuity> resumeProof(WalIndexHeader now, Optional<RestPoint> rest) throws IOException, SQLException {
        // The WAL proves continuity only through a captured frame that is still there: "no frame yet" in a generation
        // proves nothing, because a WAL that SQLite removed and rebuilt from nothing looks the same every time.
        if (committed.frames() > 0 && now.generation().equals(generation)) {
            if (now.frames() < committed.frames()) {
                return Optional.of(new Discontinuity.ChangedWhileStopped("the WAL was reset to " + now.frames()
                        + " frames (walship had captured " + committed.frames() + ")"));
            }
            if (committed.frames() > 0 && !lastFrameIntact()) {
                WalIndexHeader again = session.walIndex();
                if (!again.generation().equals(generation)) {
                    // The app restarted the WAL between the two reads (see poll).
                    return resumeProof(again, rest);
                }
                return Optional.of(new Discontinuity.ChangedWhileStopped("the WAL was rewritten ("
                        + new Discontinuity.LastFrameRewritten(generation, committed.frames()).describe() + ")"));
            }
            return Optional.empty();
        }
        if (rest.isPresent()) {
            // The WAL walship stopped in is gone, but a clean stop recorded the database file's checksum. If the file
            // still has it and no frame of the present WAL was copied into it, the file is the state at the rest
            // point and every frame in the present WAL was committed on top of it.
            if (session.backfilled() != 0 && now.frames() > 0) {
                return Optional.of(new Discontinuity.ChangedWhileStopped("the app checkpointed a new WAL into the database"));
            }
            DatabaseFileChecksum sum = DatabaseFileChecksum.of(db);
            if (sum.bytes() == rest.get().databaseBytes() && sum.crc() == rest.get().databaseCrc()) {
                generation = now.generation();
                committed = new WalCursor(0, WalChecksum.ZERO);
                log.info("{}: the database file is unchanged since walship stopped at txid {} (checksum {})", dbPath, lastTxid,
                        sum);
                return Optional.empty();
            }
            return Optional.of(new Discontinuity.ChangedWhileStopped("the database file changed (checksum " + sum
                    + ", walship recorded " + new DatabaseFileChecksum(rest.get().databaseBytes(), rest.get().databaseCrc()) + ")"));
        }
        if (now.frames() == 0 && !Files.exists(scanner.path())) {
            return Optional.of(new Discontinuity.ChangedWhileStopped("the WAL was checkpointed and removed (walship"
                    + " did not stop cleanly, so it has no checksum of the database file to compare)"));
        }
        return Optional.of(new Discontinuity.ChangedWhileStopped("the WAL was checkpointed and restarted ("
                + generation + " -> " + now.generation() + ")"));
    }

    /**
     * One capture round: copies whatever SQLite committed since the last round, checks that the last captured frame is
     * still in the WAL unchanged, and moves the pin forward. An idle round reads the wal-index header and one frame
     * header, and writes nothing.
     */
    void poll() throws IOException, SQLException {
        if (db.replaced()) {
            throw new DatabaseReplacedException(dbPath + " was replaced or removed");
        }
        WalIndexHeader now = session.walIndex();
        if (committed.frames() > 0 && generation.equals(now.generation()) && !lastFrameIntact()) {
            // The app may have restarted the WAL (a TRUNCATE or RESTART checkpoint, or its first write after a full
            // checkpoint) between the two reads. SQLite writes the new generation into the wal-index before it
            // truncates or overwrites the WAL file, so a second read of the wal-index tells such a restart, which the
            // pin rule below may prove, from a WAL rewritten under SQLite's feet (SoakTest found the race).
            now = session.walIndex();
            if (generation.equals(now.generation())) {
                breakSnapshot(new Discontinuity.LastFrameRewritten(generation, committed.frames()));
                return;
            }
        }
        if (now.equals(lastSeen)) {
            if (!pinReadsFileOnly && now.frames() > 0 && session.backfilled() >= now.frames()) {
                // A checkpoint (the app's own, or SQLite's automatic one) copied the whole WAL into the database file.
                // A new pin then reads from the file alone and no longer holds back a RESTART or TRUNCATE checkpoint
                // the app may be waiting on, nor the app's next write, which can now restart the WAL.
                repin();
            }
            return;
        }
        Optional<Discontinuity> broken = captureUpTo(now);
        if (broken.isPresent()) {
            breakSnapshot(broken.get());
            return;
        }
        lastSeen = now;
        repin();
    }

    /**
     * The capture loop's step: a {@link #poll}, unless the app writes so much faster than walship captures that the
     * poll itself would only chase it. When the WAL holds the forced-restart size and more than
     * {@link #BARRIER_MAX_FRAMES} frames wait to be captured, a forced restart cycle captures them under the app's
     * write lock instead: each plain poll would take longer than the last (the app writes more meanwhile than capture
     * reads), and the WAL would grow without bound between two restart cycles (586 MiB in a CI run before this).
     */
    void pollOrThrottle() throws IOException, SQLException {
        if (lastSeen != null && pageSize > 0 && syncBatchBytes != CATCH_UP_SYNC_BYTES && !db.replaced()
                && !clock.instant().isBefore(nextRestartAttempt)) {
            WalIndexHeader now = session.walIndex();
            if (now.generation().equals(generation) && walBytes(now) >= forcedRestartWalBytes()
                    && now.frames() - committed.frames() > BARRIER_MAX_FRAMES) {
                restartCycle();
                return;
            }
        }
        poll();
    }

    /**
     * Starts a new pin and captures up to the header read right after it, so that capture stands at or past the pin;
     * from then on a WAL restart is proven (see the class comment).
     */
    private void repin() throws IOException, SQLException {
        long backfilled = session.backfilled();
        SqliteSession.Pin pin = session.tryPin();
        heldPin = pin.after();
        // SQLite puts a new reader on read mark 0 (the database file alone) when every frame was checkpointed.
        pinReadsFileOnly = pin.exact() && backfilled >= pin.before().frames();
        Optional<Discontinuity> broken = captureUpTo(pin.after());
        if (broken.isPresent()) {
            breakSnapshot(broken.get());
            return;
        }
        pinUpper = pin.after();
        lastSeen = pin.after();
    }

    /** A pin whose before and after headers are in one WAL generation (a restart racing with the pin is retried). */
    private SqliteSession.Pin pinInOneGeneration() throws IOException, SQLException {
        pinReadsFileOnly = false;
        while (true) {
            SqliteSession.Pin pin = session.tryPin();
            heldPin = pin.after();
            if (pin.before().generation().equals(pin.after().generation())) {
                return pin;
            }
        }
    }

    /**
     * Captures every transaction committed up to {@code target}, a wal-index header read now or earlier. Returns why
     * continuity broke instead, if it did (nothing of the broken part is captured then).
     */
    private Optional<Discontinuity> captureUpTo(WalIndexHeader target) throws IOException {
        WalGeneration g = target.generation();
        if (!g.equals(generation)) {
            // A new generation, with or without committed frames yet. A generation with no frames holds no commit, so
            // leaving one (as when the app's first transaction after a restart rolls back and the next one picks new
            // salts) is proven by the same rule.
            if (!restartProven()) {
                return Optional.of(new Discontinuity.UnprovenRestart(generation, target,
                        "at a moment when walship could not prove it had captured all of the previous generation"));
            }
            log.debug("{}: WAL restarted: {} -> {}", dbPath, generation, g);
            generation = g;
            committed = new WalCursor(0, WalChecksum.ZERO);
            overlay.clear();
            // Only one restart can follow a pin: the next one is proven only against a newer pin.
            pinUpper = null;
        }
        if (target.frames() < committed.frames()) {
            // An older header than capture already passed (read before a capture that went further): nothing to do.
            return Optional.empty();
        }
        if (target.frames() == committed.frames()) {
            if (committed.frames() > 0 && !target.frameChecksum().equals(committed.checksum())) {
                return Optional.of(new Discontinuity.CaptureStalled(target, committed.frames(),
                        "the wal-index's checksum for that frame differs from the WAL's"));
            }
            return Optional.empty();
        }
        if (target.pageSize() != 0 && pageSize != 0 && target.pageSize() != pageSize) {
            return Optional.of(new Discontinuity.PageSizeChanged(pageSize, target.pageSize()));
        }
        Optional<WalHeader> walHeader = scanner.readHeader();
        if (walHeader.isEmpty() || !generation.startedBy(walHeader.get())) {
            return Optional.of(new Discontinuity.CaptureStalled(target, committed.frames(),
                    "the WAL file's header is not the one of the generation the wal-index names"));
        }
        WalHeader header = walHeader.get();
        WalCursor from = committed.frames() == 0 ? WalCursor.start(header) : committed;
        long before = lastTxid;
        capturedPages = 0;
        scanner.scan(header, from, target.frames(), frame -> onFrame(header, frame));
        load.captured((target.frames() - from.frames()) * (long) (header.pageSize() + WalFrame.HEADER_SIZE));
        if (committed.frames() != target.frames()) {
            // Frames up to the committed count cannot be overwritten while the pin holds; if they do not verify, the
            // WAL is not what SQLite's wal-index says it is. Pages of the incomplete transaction are dropped.
            spool.discardUncommitted();
            overlay.dropStaged();
            events.captureStalled(dbPath);
            return Optional.of(new Discontinuity.CaptureStalled(target, committed.frames(),
                    "the frames after it do not continue the WAL's checksum chain"));
        }
        if (!target.frameChecksum().equals(committed.checksum())) {
            events.captureStalled(dbPath);
            return Optional.of(new Discontinuity.CaptureStalled(target, committed.frames(),
                    "the wal-index's checksum for the last committed frame differs from the WAL's"));
        }
        if (lastTxid != before) {
            long syncStart = System.nanoTime();
            spool.sync();
            lastSpoolSyncNanos = System.nanoTime() - syncStart;
            events.captured(dbPath, lastTxid - before, capturedPages * pageSize);
        }
        syncBatchBytes = SYNC_BYTES;
        return Optional.empty();
    }

    /** Whether a WAL restart seen now continues the history: capture stands at or past the held pin, in its generation. */
    private boolean restartProven() {
        return pinUpper != null && pinUpper.generation().equals(generation) && committed.frames() >= pinUpper.frames();
    }

    /** The WAL file's size now. */
    long walBytes() throws IOException {
        return scanner.size();
    }

    private boolean lastFrameIntact() throws IOException {
        return scanner.frameMatches(generation, pageSize, committed.frames(), committed.checksum());
    }

    private long openTxid;

    /**
     * While catching up after the spool could not be written, each batch waits until the replicas hold it: shipping
     * needs room of its own on the spool's disk (the outbox), and its releases free the space the next batch takes.
     * A capture that ran ahead would fill the disk with records that no shipper can then upload. Bounded, so that an
     * unreachable replica does not stop capture; the spool's disk then runs full again, and that path backs off.
     */
    private void awaitShipped() throws IOException {
        if (Files.getFileStore(spool.directory()).getUsableSpace() >= CATCH_UP_ROOM_BYTES) {
            // Room enough for capture and shipping side by side: no reason to go at the shippers' pace.
            return;
        }
        try {
            if (!spool.awaitShipped(lastTxid, CATCH_UP_SHIP_WAIT)) {
                log.debug("{}: the replicas did not take txid {} within {}; capture goes on", dbPath, lastTxid,
                        CATCH_UP_SHIP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for shipping");
        }
    }

    private static final Duration CATCH_UP_SHIP_WAIT = Duration.ofSeconds(10);
    /** Below this much free space on the spool's disk, a catching-up capture waits for shipping after each batch. */
    static final long CATCH_UP_ROOM_BYTES = 32L << 20;

    /** The most bytes capture appends to the spool between two fsyncs while it works through a backlog. */
    static final long SYNC_BYTES = 8L << 20;
    /** The same, while it catches up after the spool could not be written (see {@link #resumeAfterSpoolFailure}). */
    static final long CATCH_UP_SYNC_BYTES = 128L << 10;
    private long syncBatchBytes = SYNC_BYTES;

    private void onFrame(WalHeader header, WalFrame frame) throws IOException {
        if (openTxid == 0) {
            openTxid = lastTxid + 1;
        }
        spool.appendPage(openTxid, frame.pgno(), frame.page(), header.pageSize());
        overlay.stage(frame.pgno(), frame.index(), frame.checksum());
        if (frame.isCommit()) {
            Instant time = nextTime();
            WalCursor at = new WalCursor(frame.index(), frame.checksum());
            spool.appendCommit(new CapturePoint(openTxid, time, frame.commitSize(), header.pageSize(), generation, at));
            overlay.commit();
            framesSinceCheckpoint += frame.index() - committed.frames();
            capturedPages += frame.index() - committed.frames();
            lastTxid = openTxid;
            lastTime = time;
            databasePages = frame.commitSize();
            pageSize = header.pageSize();
            committed = at;
            openTxid = 0;
            if (spool.unsyncedBytes() >= syncBatchBytes) {
                spool.sync();
                if (syncBatchBytes == CATCH_UP_SYNC_BYTES) {
                    awaitShipped();
                }
            }
        }
    }

    /** Observed times only grow, even if the wall clock steps back, so that time order equals txid order. */
    private Instant nextTime() {
        Instant now = clock.instant();
        return now.isAfter(lastTime) ? now : lastTime;
    }

    /**
     * Until capture has caught up, the backlog goes into the spool in small durable batches: the shippers can then
     * upload and release what is synced, and free the space the rest of the backlog needs. Written whole before one
     * fsync, a backlog larger than the free space would fail the same way at every attempt. For a capture after the
     * spool could not be written.
     */
    void catchUpInBatches() {
        syncBatchBytes = CATCH_UP_SYNC_BYTES;
    }

    /**
     * Goes on after the spool failed to write (a full disk): the spool went back to its last durable record, and
     * capture goes back there too, with the pin it holds. No new pin is taken before capture caught up again: the held
     * one keeps SQLite from restarting the WAL, so every frame after that record is still in it, and the transactions
     * the app committed meanwhile are captured one by one instead of becoming a snapshot.
     */
    void resumeAfterSpoolFailure() throws IOException, SQLException {
        catchUpInBatches();
        spool.discardUncommitted();
        openTxid = 0;
        Optional<CapturePoint> last = spool.last();
        if (last.isEmpty()) {
            lastTxid = 0;
            breakSnapshot(new Discontinuity.NoHistory());
            return;
        }
        CapturePoint p = last.get();
        lastTxid = p.txid();
        databasePages = p.databasePages();
        pageSize = p.pageSize();
        generation = p.generation();
        committed = p.cursor();
        lastSeen = null;
        WalIndexHeader now = session.walIndex();
        // The pin held since before the failure keeps SQLite from restarting the WAL past it, so the WAL still holds
        // everything after the spool's last record when its generation is the one that record names: the last
        // captured frame must still be there (a generation without a captured frame yet is continued from its start).
        boolean heldSinceRecord = heldPin != null && heldPin.generation().equals(generation);
        if (now.generation().equals(generation) && now.frames() >= committed.frames()
                && (committed.frames() > 0 ? lastFrameIntact() : heldSinceRecord)) {
            rebuildOverlay();
            poll();
            return;
        }
        if (!now.generation().equals(generation) && heldSinceRecord && committed.frames() >= heldPin.frames()) {
            // The WAL restarted while the held pin stood in the record's generation at or before the record: that
            // generation ended where the pin stood, so the spool holds all of it (the rule of the class comment).
            pinUpper = heldPin;
            rebuildOverlay();
            poll();
            return;
        }
        breakSnapshot(new Discontinuity.CaptureStalled(now, committed.frames(),
                "the spool could not be written, and the WAL no longer holds what followed its last durable record"));
    }

    /** Rebuilds the page overlay of the current generation up to the captured position, which the spool already holds. */
    private void rebuildOverlay() throws IOException {
        overlay.clear();
        if (committed.frames() == 0) {
            return;
        }
        Optional<WalHeader> header = scanner.readHeader();
        if (header.isEmpty() || !generation.startedBy(header.get())) {
            return;
        }
        scanner.scan(header.get(), WalCursor.start(header.get()), committed.frames(), f -> {
            overlay.stage(f.pgno(), f.index(), f.checksum());
            if (f.isCommit()) {
                overlay.commit();
            }
        });
        overlay.dropStaged();
    }

    /**
     * Runs walship's checkpoints: PASSIVE once enough captured pages wait (or the checkpoint interval passed), and a
     * TRUNCATE past the emergency WAL size.
     */
    void maybeCheckpoint() throws IOException, SQLException {
        boolean pastEmergency = scanner.size() > settings.emergencyWalSize().bytes();
        boolean restartWanted = !pinReadsFileOnly && lastSeen != null && pageSize > 0
                && walBytes(lastSeen) >= restartWalBytes();
        // A retry whose reason went away another way (the app's own TRUNCATE shrank the WAL, a complete checkpoint let
        // the pin read the file alone) waits no more: the next episode starts its back-off afresh, and the idle capture
        // loop, which never waits past a pending retry (see timedWorkDue), can back off again.
        if (!pastEmergency && !nextEmergencyAttempt.equals(Instant.EPOCH)) {
            emergencyBackoff.reset();
            nextEmergencyAttempt = Instant.EPOCH;
        }
        if (!restartWanted && !nextRestartAttempt.equals(Instant.EPOCH)) {
            restartDone();
        }
        if (pastEmergency && !clock.instant().isBefore(nextEmergencyAttempt)) {
            emergencyTruncate();
        } else if (restartWanted && !clock.instant().isBefore(nextRestartAttempt)) {
            // Past the emergency size too, while the TRUNCATE backs off: a TRUNCATE needs a moment with every frame
            // checkpointed, which an app that never pauses does not give, and a restart cycle makes one.
            restartCycle();
        } else if (!pastEmergency && (framesSinceCheckpoint >= settings.checkpointPages() || checkpointIntervalPassed())) {
            // No wait here: a busy steady-state checkpoint is simply run again next round, and waiting for the
            // checkpoint lock would delay capture's next pin, which an app's own TRUNCATE may be waiting for.
            SqliteSession.CheckpointResult r = checkpoint(SqliteSession.CheckpointMode.PASSIVE, Duration.ZERO);
            log.debug("{}: PASSIVE checkpoint: {} of {} frames", dbPath, r.checkpointedFrames(), r.logFrames());
            framesSinceCheckpoint = 0;
            lastCheckpoint = clock.instant();
            if (r.complete()) {
                // Every frame is in the database file now: a new pin reads from the file alone (SQLite's read mark 0),
                // which lets the app's next write restart the WAL instead of growing it, and lets the app's own
                // RESTART or TRUNCATE checkpoints pass.
                repin();
            }
        }
    }

    /**
     * How long until time-driven checkpoint work is due: a retried emergency TRUNCATE or restart cycle, or the
     * checkpoint interval; zero when it is due now, empty when none waits. The capture loop's idle back-off never
     * waits longer than this, so a retry that backed off 200 ms is not held up by an idle poll of seconds.
     */
    Optional<Duration> timedWorkDue() {
        Instant now = clock.instant();
        Instant due = null;
        if (!nextEmergencyAttempt.equals(Instant.EPOCH)) {
            due = nextEmergencyAttempt;
        }
        if (!nextRestartAttempt.equals(Instant.EPOCH) && (due == null || nextRestartAttempt.isBefore(due))) {
            due = nextRestartAttempt;
        }
        if (!checkpointInterval.isZero() && framesSinceCheckpoint > 0 && lastCheckpoint != null) {
            Instant interval = lastCheckpoint.plus(checkpointInterval);
            if (due == null || interval.isBefore(due)) {
                due = interval;
            }
        }
        if (due == null) {
            return Optional.empty();
        }
        return Optional.of(due.isAfter(now) ? Duration.between(now, due) : Duration.ZERO);
    }

    /** The WAL size that starts a restart cycle: {@link #RESTART_WAL_BYTES}, or less under a small emergency size. */
    private long restartWalBytes() {
        return Math.min(RESTART_WAL_BYTES, settings.emergencyWalSize().bytes() / 2);
    }

    /** The bytes of the frames {@code header} counts, in the capture's page size. */
    private long walBytes(WalIndexHeader header) {
        return header.frames() * (long) (pageSize + WalFrame.HEADER_SIZE);
    }

    /** The WAL size past which a restart cycle is forced: see {@link #FORCED_RESTART_FACTOR}. */
    private long forcedRestartWalBytes() {
        return FORCED_RESTART_FACTOR * restartWalBytes();
    }

    /**
     * Makes room for a WAL restart while the app writes without a pause. SQLite restarts the WAL (writes the next
     * transaction from its start instead of appending) only when a write begins while every frame is in the database
     * file and no reader uses the WAL; under non-stop writes new frames always arrive between walship's checkpoint and
     * its next pin, so the WAL would grow until the writes stop (3.4 GiB in 20 s in the benchmark).
     *
     * <p>A PASSIVE checkpoint first copies what it can without any lock. If that copied everything, a new pin reads the
     * database file alone and the app's next write restarts the WAL. Otherwise walship takes the write barrier for a few
     * milliseconds: with no commit arriving, it captures the last commits, pins there, copies the few frames that came
     * since the first checkpoint, and pins again, now on the file alone; then it lets the app's writers go. The first of
     * them restarts the WAL, and the pin proves that restart (see the class comment). The barrier waits at most
     * {@link #BARRIER_WAIT} for the app's write lock; an app reader that still uses old frames keeps the checkpoint
     * from finishing, and then walship tries again later, backing off.
     *
     * <p>When the app writes faster than walship captures, capture never comes close enough to the WAL's end, and the
     * WAL would grow for as long as the writes last (the benchmark's writer made it 4 GiB in 20 s). Once the WAL holds
     * {@link #FORCED_RESTART_FACTOR} times the restart size, the cycle is forced: walship takes the barrier without
     * converging first and captures and checkpoints whatever is left under it. The app's writers wait for that (tens of
     * milliseconds at that size), which slows the app to walship's pace: the price of a bounded WAL and of every
     * transaction in the replica.
     */
    // "try": the barrier is held for the length of its try block, whose body never needs the handle itself.
    @SuppressWarnings("try")
    private void restartCycle() throws IOException, SQLException {
        if (syncBatchBytes == CATCH_UP_SYNC_BYTES) {
            // Catching up after the spool could not be written, capture may wait for the shippers after each small
            // batch (awaitShipped): never while it holds the app's write lock.
            restartBusy("capture is catching up after the spool could not be written");
            return;
        }
        // The WAL's size now, not at capture's last look: capture may be far behind an app that writes this fast.
        WalIndexHeader now = session.walIndex();
        boolean forced = walBytes(now) >= forcedRestartWalBytes();
        // Far behind, a round's capture without the lock only chases the app: straight to the barrier then.
        boolean farBehind = forced && now.generation().equals(generation)
                && now.frames() - committed.frames() > BARRIER_MAX_FRAMES;
        // Without any lock, bring capture and the checkpoint close to the WAL's end, so that what is left for the
        // barrier is small: a few rounds, each capturing up to the end, pinning there and copying up to the pin. A
        // forced cycle stops at the first round that did not halve what is left: the app writes faster than walship
        // captures then, and more rounds would only let the WAL grow. Rounds that converge still run, since they take
        // off the barrier what a long copy left behind (after a resume or a snapshot of a large WAL, hundreds of
        // megabytes copied while the app went on writing).
        // Far behind, no round runs (its capture would only chase the app), but the copy without the lock still does:
        // what capture already holds and the checkpoint has not copied (hundreds of MiB after an app reader held the
        // checkpoint back) must not be copied and synced while the app's writers wait.
        SqliteSession.CheckpointResult r = checkpoint(SqliteSession.CheckpointMode.PASSIVE, CHECKPOINTER_WAIT);
        for (int round = 0; !farBehind && round < CONVERGE_ROUNDS && !r.busy() && !r.complete()
                && r.logFrames() - r.checkpointedFrames() > BARRIER_TAIL_FRAMES; round++) {
            long left = r.logFrames() - r.checkpointedFrames();
            poll();
            r = checkpoint(SqliteSession.CheckpointMode.PASSIVE, CHECKPOINTER_WAIT);
            if (forced && !r.busy() && 2 * (r.logFrames() - r.checkpointedFrames()) > left) {
                break;
            }
        }
        if (r.complete()) {
            framesSinceCheckpoint = 0;
            lastCheckpoint = clock.instant();
            repin();
            restartDone();
            return;
        }
        if (!forced && (r.busy() || r.logFrames() - r.checkpointedFrames() > BARRIER_TAIL_FRAMES)) {
            restartBusy(r.busy() ? "another connection kept checkpointing for " + CHECKPOINTER_WAIT.toMillis() + " ms"
                    : "the app writes faster than walship captures and checkpoints");
            return;
        }
        // The checkpoint under the barrier is the first to copy the whole WAL, and SQLite syncs the database file only
        // then: flush what the rounds above copied now, while the app still writes.
        long flushStart = System.nanoTime();
        db.flush();
        long flushNanos = System.nanoTime() - flushStart;
        framesSinceCheckpoint = 0;
        lastCheckpoint = clock.instant();
        WalIndexHeader afterCopy = session.walIndex();
        if (farBehind && afterCopy.generation().equals(generation)
                && afterCopy.frames() - committed.frames() > FORCED_MAX_TAIL_FRAMES) {
            // The copy took long, and the app wrote much meanwhile: capturing all of that under the barrier would hold
            // the app's writers too long. The next step finds the copy short and takes the barrier then.
            poll();
            restartBusy("the app wrote more than " + FORCED_MAX_TAIL_FRAMES + " frames while walship copied what it"
                    + " had captured");
            return;
        }
        Optional<SqliteSession.Barrier> barrier = session.tryBarrier(BARRIER_WAIT);
        if (barrier.isEmpty()) {
            if (farBehind) {
                // This step was to capture under the barrier; without it, capture what needs no lock.
                poll();
            }
            restartBusy("the app held its write lock");
            return;
        }
        boolean complete = false;
        long barrierStart = System.nanoTime();
        long captureNanos = 0;
        long checkpointNanos = 0;
        lastSpoolSyncNanos = 0;
        long tail;
        try (SqliteSession.Barrier held = barrier.get()) {
            // No commit can arrive while the barrier is held. If the app committed much while walship waited for the
            // lock, let it go on instead of making it wait for a long capture.
            tail = session.walIndex().frames() - committed.frames();
            if (forced || tail <= BARRIER_MAX_FRAMES) {
                poll();
                captureNanos = System.nanoTime() - barrierStart;
                SqliteSession.CheckpointResult last = session.checkpointBesideBarrier(forced ? CHECKPOINTER_WAIT_FORCED
                        : CHECKPOINTER_WAIT_IN_BARRIER);
                checkpointNanos = System.nanoTime() - barrierStart - captureNanos;
                events.checkpoint(dbPath, SqliteSession.CheckpointMode.PASSIVE.name(), last.busy() ? "busy" : "ok");
                complete = last.complete();
                if (complete) {
                    repin();
                }
            }
        }
        long heldNanos = System.nanoTime() - barrierStart;
        events.barrierHeld(dbPath, "restart", Duration.ofNanos(heldNanos));
        if (forced) {
            reportForced(heldNanos, tail);
        } else if (heldNanos > SLOW_BARRIER.toNanos()) {
            // Where the time under the lock went, for the operator who sees the app's commits wait.
            log.info("{}: walship held the app's write lock {} ms to make the WAL restart: capturing the last {} frames"
                            + " {} ms (of which the spool's fsync {} ms), checkpointing them {} ms; the database file's"
                            + " flush before it took {} ms", dbPath, heldNanos / 1_000_000, tail, captureNanos / 1_000_000,
                    lastSpoolSyncNanos / 1_000_000, checkpointNanos / 1_000_000, flushNanos / 1_000_000);
        }
        if (complete) {
            log.debug("{}: the WAL can restart now; the write barrier was held {} us for {} frames", dbPath,
                    heldNanos / 1000, tail);
            restartDone();
        } else {
            restartBusy(!forced && tail > BARRIER_MAX_FRAMES ? "the app committed " + tail + " frames while walship waited for its"
                    + " write lock" : "a reader still uses frames walship cannot checkpoint yet");
        }
    }

    /**
     * Says at INFO, at most once per {@link #FORCED_REPORT_EVERY}, that walship slowed the app's writes: the operator
     * who sees the app's commits wait learns why, without a line every few hundred milliseconds under a long load.
     */
    private void reportForced(long heldNanos, long tail) {
        forcedSinceReport++;
        forcedNanosSinceReport += heldNanos;
        Instant now = clock.instant();
        if (lastForcedReport != null && now.isBefore(lastForcedReport.plus(FORCED_REPORT_EVERY))) {
            log.debug("{}: forced WAL restart: held the app's write lock {} ms for {} frames", dbPath,
                    heldNanos / 1_000_000, tail);
            return;
        }
        log.info("{}: the app writes faster than walship captures: to keep the WAL within about {} MiB, walship held"
                        + " the app's write lock {} time(s) since the last such line, {} ms in all, the last {} ms for {}"
                        + " frames", dbPath, forcedRestartWalBytes() >> 20, forcedSinceReport,
                forcedNanosSinceReport / 1_000_000, heldNanos / 1_000_000, tail);
        lastForcedReport = now;
        forcedSinceReport = 0;
        forcedNanosSinceReport = 0;
    }

    private void restartDone() {
        restartBackoff.reset();
        nextRestartAttempt = Instant.EPOCH;
    }

    private void restartBusy(String why) {
        Duration wait = restartBackoff.next();
        nextRestartAttempt = clock.instant().plus(wait);
        log.debug("{}: the WAL could not be made ready to restart ({}); trying again in {} ms", dbPath, why,
                wait.toMillis());
    }

    /** Whether captured pages wait for a checkpoint longer than the checkpoint interval allows. */
    private boolean checkpointIntervalPassed() {
        if (checkpointInterval.isZero() || framesSinceCheckpoint == 0) {
            return false;
        }
        Instant now = clock.instant();
        if (lastCheckpoint == null) {
            lastCheckpoint = now;
            return false;
        }
        return !now.isBefore(lastCheckpoint.plus(checkpointInterval));
    }

    private SqliteSession.CheckpointResult checkpoint(SqliteSession.CheckpointMode mode, Duration busy) throws SQLException {
        try {
            SqliteSession.CheckpointResult r = session.checkpoint(mode, busy);
            events.checkpoint(dbPath, mode.name(), r.busy() ? "busy" : "ok");
            return r;
        } catch (SQLException e) {
            events.checkpoint(dbPath, mode.name(), SqliteSession.isBusy(e) ? "busy" : "error");
            if (SqliteSession.isBusy(e)) {
                return new SqliteSession.CheckpointResult(true, -1, -1);
            }
            throw e;
        }
    }

    /**
     * Shrinks a WAL that grew past the emergency size, without ever releasing the pin and without blocking the app for
     * long. A PASSIVE checkpoint first copies what it can (it does not block the app's writers). When it copied
     * everything, a new pin reads only from the database file (SQLite's read mark 0), and such a reader neither blocks a
     * TRUNCATE checkpoint nor lets any later frame be copied into the database file; the pin still proves continuity
     * across the restart the TRUNCATE makes. The TRUNCATE runs with a short busy timeout, so the app's writers wait at
     * most that long. When the app's readers, or commits that arrived meanwhile, keep it from finishing, walship backs
     * off (doubling, with jitter) and says so.
     */
    private void emergencyTruncate() throws IOException, SQLException {
        poll();
        SqliteSession.CheckpointResult passive = checkpoint(SqliteSession.CheckpointMode.PASSIVE, CHECKPOINTER_WAIT);
        if (passive.busy() || passive.checkpointedFrames() < passive.logFrames()) {
            emergencyBusy("another connection holds an older read transaction or is checkpointing");
            return;
        }
        repin();
        long truncateStart = System.nanoTime();
        SqliteSession.CheckpointResult r = checkpoint(SqliteSession.CheckpointMode.TRUNCATE, TRUNCATE_BUSY);
        // The TRUNCATE takes the write lock itself, waiting for it and then for the readers: the app's writers wait
        // at most this long.
        events.barrierHeld(dbPath, "truncate", Duration.ofNanos(System.nanoTime() - truncateStart));
        framesSinceCheckpoint = 0;
        if (r.busy()) {
            emergencyBusy("readers or new commits kept the TRUNCATE checkpoint from finishing within "
                    + TRUNCATE_BUSY.toMillis() + " ms");
            return;
        }
        log.warn("{}: WAL grew past {}; TRUNCATE checkpoint done", dbPath, settings.emergencyWalSize());
        emergencyBackoff.reset();
        nextEmergencyAttempt = Instant.EPOCH;
    }

    private void emergencyBusy(String why) {
        Duration wait = emergencyBackoff.next();
        nextEmergencyAttempt = clock.instant().plus(wait);
        events.emergencyCheckpointBlocked(dbPath);
        log.warn("{}: the WAL is past {} but the TRUNCATE checkpoint cannot finish: {}; trying again in {} ms", dbPath,
                settings.emergencyWalSize(), why, wait.toMillis());
    }

    /**
     * Starts a new chain with a snapshot at the next txid, because continuity cannot be proven or because there is no
     * history yet. The snapshot is of the state a fresh pin sees; no write lock is taken.
     */
    void breakSnapshot(Discontinuity reason) throws IOException, SQLException {
        if (reason instanceof Discontinuity.NoHistory) {
            log.info("{}: taking the initial snapshot at txid {}", dbPath, lastTxid + 1);
        } else {
            log.warn("{}: taking a new snapshot at txid {}: {}", dbPath, lastTxid + 1, reason.describe());
        }
        spool.discardUncommitted();
        openTxid = 0;
        SqliteSession.Pin pin = pinInOneGeneration();
        WalIndexHeader at = pin.after();
        generation = at.generation();
        overlay.clear();
        if (at.frames() > 0) {
            pageSize = at.pageSize();
            Optional<WalHeader> header = scanner.readHeader();
            if (header.isPresent() && generation.startedBy(header.get())) {
                scanner.scan(header.get(), WalCursor.start(header.get()), at.frames(), f -> {
                    overlay.stage(f.pgno(), f.index(), f.checksum());
                    if (f.isCommit()) {
                        overlay.commit();
                    }
                });
                overlay.dropStaged();
            }
            // Without a readable WAL every frame is already in the database file (see SnapshotTaker).
            committed = new WalCursor(at.frames(), at.frameChecksum());
            databasePages = at.databasePages();
        } else {
            int fromFile = db.pageSize();
            pageSize = fromFile != 0 ? fromFile : at.pageSize() != 0 ? at.pageSize() : DEFAULT_PAGE_SIZE;
            committed = new WalCursor(0, WalChecksum.ZERO);
            databasePages = db.pages(pageSize);
        }
        pinUpper = at;
        lastSeen = at;
        try {
            writeSnapshot(lastTxid + 1, nextTime(), reason instanceof Discontinuity.NoHistory ? SnapshotReason.INITIAL
                    : SnapshotReason.CONTINUITY);
        } catch (SpoolWriteException e) {
            // The pin of this snapshot proves nothing about the spool's last record, which continuity already failed
            // for: not a failure capture resumes from with the pin it holds, but one that starts over (the snapshot
            // is needed again either way).
            throw new IOException("could not write the snapshot at txid " + (lastTxid + 1) + ": " + e.getMessage(), e);
        }
        framesSinceCheckpoint = committed.frames();
    }

    /**
     * Takes a snapshot of the current state at the current txid, for a replica that needs one to start from or because
     * the snapshot interval passed. Does nothing when the spool already holds a snapshot at the current txid.
     */
    void snapshotCurrent(SnapshotReason reason) throws IOException, SQLException {
        if (lastTxid == 0) {
            breakSnapshot(new Discontinuity.NoHistory());
            return;
        }
        poll();
        if (lastSnapshotTxid == lastTxid && spool.hasSnapshot(lastTxid)) {
            return;
        }
        log.info("{}: taking a snapshot at txid {} ({})", dbPath, lastTxid, reason.label());
        writeSnapshot(lastTxid, lastTime, reason);
    }

    /**
     * The page checksum of the state at the last captured txid, as the pin sees it, after one more capture round so
     * that the txid is recent. Reads the whole database; nothing is written.
     */
    LiveChecksum checksumCurrent() throws IOException, SQLException {
        poll();
        if (lastTxid == 0 || pageSize == 0) {
            throw new IOException("nothing captured yet");
        }
        long start = System.nanoTime();
        io.walship.replica.DatabaseChecksum sum = SnapshotTaker.checksum(pageSize, databasePages, db, generation, overlay,
                scanner.path());
        log.info("{}: checksum of the live database at txid {}: {} ({} pages, {} ms)", dbPath, lastTxid, sum.describe(),
                databasePages, (System.nanoTime() - start) / 1_000_000);
        return new LiveChecksum(lastTxid, lastTime, sum);
    }

    private void writeSnapshot(long txid, Instant time, SnapshotReason reason) throws IOException {
        long start = System.nanoTime();
        Path temp = spool.snapshotTempPath(txid);
        long bytes;
        try {
            SnapshotTaker.write(temp, txid, time, pageSize, databasePages, db, generation, overlay, scanner.path(),
                    new Lineage(spool.lineageForSnapshot()));
            bytes = Files.size(temp);
        } catch (IOException e) {
            // Mostly a full spool disk. Nothing of the snapshot is recorded: capture can go on from the spool's last
            // durable record, as after any failed spool write.
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new SpoolWriteException(e);
        }
        spool.appendSnapshot(new CapturePoint(txid, time, databasePages, pageSize, generation, committed));
        events.snapshot(dbPath, reason.label(), bytes);
        lastTxid = txid;
        lastTime = time;
        lastSnapshotTaken = clock.instant();
        lastSnapshotTxid = txid;
        log.info("{}: snapshot at txid {} written ({} pages of {} bytes) in {} ms", dbPath, txid, databasePages, pageSize,
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * At a clean stop, after the last {@link #poll()}: when a PASSIVE checkpoint copies every captured frame into the
     * database file, the file then is the state at the last txid, and its checksum goes into the spool as a rest point.
     * The pin keeps later frames out of the file while the checksum is computed. Costs one read of the database file.
     */
    void recordRest() throws IOException, SQLException {
        if (lastTxid == 0) {
            return;
        }
        SqliteSession.CheckpointResult r = checkpoint(SqliteSession.CheckpointMode.PASSIVE, CHECKPOINTER_WAIT);
        WalIndexHeader now = session.walIndex();
        boolean fileHoldsLast = !r.busy() && now.generation().equals(generation) && now.frames() == committed.frames()
                && session.backfilled() == committed.frames();
        if (!fileHoldsLast) {
            log.debug("{}: no rest point: the database file does not hold txid {} alone ({})", dbPath, lastTxid, now);
            return;
        }
        DatabaseFileChecksum sum = DatabaseFileChecksum.of(db);
        spool.appendRest(new RestPoint(new CapturePoint(lastTxid, lastTime, databasePages, pageSize, generation, committed),
                sum.bytes(), sum.crc()));
        log.info("{}: stopped at txid {}; database file checksum {}", dbPath, lastTxid, sum);
    }

    /** Signals that the database file was replaced: the session must be reopened and a snapshot taken. */
    static final class DatabaseReplacedException extends IOException {
        DatabaseReplacedException(String message) {
            super(message);
        }
    }
}
