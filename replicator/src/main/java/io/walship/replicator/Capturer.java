package io.walship.replicator;

import io.walship.config.ReplicationSettings;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.wal.WalChecksum;
import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalFrame;
import io.walship.replicator.wal.WalHeader;
import io.walship.replicator.wal.WalScanner;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies every committed transaction of one database from its WAL into the spool, gives each a txid, and decides
 * when continuity with what was already captured is proven and when a new snapshot is needed.
 *
 * <p>Continuity rests on walship's pinned read transaction (see {@link SqliteSession}). The pin is only moved inside
 * a write barrier after the whole WAL was captured, so at the moment of pinning the WAL held exactly
 * {@code pinnedFrames} frames, all captured. While the pin is held SQLite can restart the WAL only if no frame was
 * added since (a restart needs every frame checkpointed, and checkpoints cannot pass the pin), so a new WAL
 * generation whose header directly follows the old one, seen while capture still stands at the pin, continues the
 * history without loss. Anything else (another header, a WAL restarted while walship was down, a replaced database
 * file) cannot be proven and leads to a new snapshot, logged at WARN with its reason.
 */
final class Capturer {
    private static final Logger log = LoggerFactory.getLogger(Capturer.class);
    private static final int DEFAULT_PAGE_SIZE = 4096;

    private final Path dbPath;
    private final DatabaseFile db;
    private final SqliteSession session;
    private final Spool spool;
    private final WalScanner scanner;
    private final ReplicationSettings settings;
    private final Clock clock;
    private final PageOverlay overlay = new PageOverlay();

    private WalHeader generation;
    private WalCursor committed = new WalCursor(0, WalChecksum.ZERO);
    private WalCursor scanned = committed;
    private long openTxid;
    private WalChecksum firstStagedChecksum;
    private long pinnedFrames = -1;
    private long lastTxid;
    private Instant lastTime = Instant.EPOCH;
    private long databasePages;
    private int pageSize;
    private long framesSinceCheckpoint;
    private Duration checkpointInterval = Duration.ZERO;
    private Instant lastCheckpoint;
    private Instant lastSnapshotTaken;

    private final ReplicationEvents events;
    private long capturedPages;

    Capturer(Path dbPath, DatabaseFile db, SqliteSession session, Spool spool, ReplicationSettings settings, Clock clock,
             ReplicationEvents events) {
        this.events = events;
        this.dbPath = dbPath;
        this.db = db;
        this.session = session;
        this.spool = spool;
        this.scanner = new WalScanner(Path.of(dbPath + "-wal"));
        this.settings = settings;
        this.clock = clock;
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

    /**
     * Picks up where the spool left off: continues capturing when the WAL still holds the spool's last position,
     * otherwise takes a snapshot. {@code replicaLastTxid} is the highest txid the replica already holds.
     */
    void start(long replicaLastTxid, String forcedReason) throws IOException, SQLException {
        Optional<CapturePoint> last = spool.last();
        if (last.isEmpty()) {
            lastTxid = replicaLastTxid;
            if (replicaLastTxid > 0) {
                breakSnapshot("no local spool at " + spool.directory() + " (first run here, or the spool was lost); the replica holds txids up to "
                        + replicaLastTxid);
            } else {
                breakSnapshot(null);
            }
            return;
        }
        CapturePoint p = last.get();
        lastTxid = p.txid();
        lastTime = p.time();
        databasePages = p.databasePages();
        pageSize = p.pageSize();
        generation = p.generation();
        committed = p.cursor();
        scanned = committed;
        if (replicaLastTxid > lastTxid) {
            lastTxid = replicaLastTxid;
            breakSnapshot("the replica already holds txid " + replicaLastTxid + ", beyond the spool's last txid " + p.txid()
                    + " (another walship wrote to it, or this spool is older than the replica)");
            return;
        }
        if (forcedReason != null) {
            breakSnapshot(forcedReason);
            return;
        }
        String reason;
        try (SqliteSession.Barrier barrier = session.barrier()) {
            reason = resumeReason();
            if (reason == null) {
                rebuildOverlay();
                reason = captureAvailable();
                if (reason == null) {
                    spool.sync();
                    pin();
                }
            }
        }
        if (reason != null) {
            breakSnapshot(reason);
        } else {
            log.info("{}: resuming at txid {} (WAL frame {}), continuity with the spool proven", dbPath, lastTxid, committed.frames());
        }
    }

    /** Why the WAL on disk cannot continue the spool's last position, or null if it can. */
    private String resumeReason() throws IOException {
        Optional<WalHeader> header = scanner.readHeader();
        if (generation == null) {
            // There was no WAL to follow when walship stopped: the app may since have written, checkpointed and removed
            // a whole WAL, changing the database file with no trace walship could check.
            return header.isPresent() ? "walship was not running when the app started a new WAL"
                    : "walship cannot prove the database file is unchanged since it stopped (there was no WAL to follow)";
        }
        if (header.isEmpty()) {
            return "the WAL was checkpointed and removed or truncated while walship was not running";
        }
        if (!generation.sameGeneration(header.get())) {
            return "the app checkpointed and restarted the WAL while walship was not running (" + generation + " -> " + header.get() + ")";
        }
        if (committed.frames() > 0 && !scanner.frameMatches(generation, committed.frames(), committed.checksum())) {
            return "the WAL no longer holds the last frame walship captured (frame " + committed.frames() + ")";
        }
        return null;
    }

    /** One capture round: copies whatever committed since the last round. */
    void poll() throws IOException, SQLException {
        if (db.replaced()) {
            throw new DatabaseReplacedException(dbPath + " was replaced or removed");
        }
        String reason = captureAvailable();
        if (reason != null) {
            breakSnapshot(reason);
        }
    }

    /**
     * Captures what the WAL holds beyond the current position; returns a reason when continuity is broken (and
     * captures nothing then).
     */
    private String captureAvailable() throws IOException {
        Optional<WalHeader> read = scanner.readHeader();
        if (read.isEmpty()) {
            return null;
        }
        WalHeader header = read.get();
        if (generation != null && generation.sameGeneration(header)) {
            if (openTxid != 0 && !stagedFramesIntact()) {
                dropOpenTransaction();
            }
        } else if (session.pinned() && pinnedFrames >= 0 && committed.frames() == pinnedFrames
                && (generation == null || header.pageSize() == generation.pageSize())) {
            // Proven by the pin, not by the header: SQLite writes checkpoint sequence + 1 and salt-1 + 1 only when the
            // connection that restarted the WAL also writes its first frame; another connection may start it with its
            // own sequence number and random salts.
            dropOpenTransaction();
            log.debug("{}: WAL restarted{}, now {}", dbPath,
                    generation != null && generation.isFollowedBy(header) ? "" : " by another connection", header);
            generation = header;
            committed = WalCursor.start(header);
            scanned = committed;
            overlay.clear();
            // Only one restart can follow a pin; another one before the next pin cannot be proven.
            pinnedFrames = -1;
        } else {
            return breakReason(header);
        }
        spoolFrames();
        return null;
    }

    private String breakReason(WalHeader header) {
        if (generation == null) {
            return "a WAL appeared while walship did not hold its read transaction";
        }
        if (header.pageSize() != generation.pageSize()) {
            return "the page size changed from " + generation.pageSize() + " to " + header.pageSize();
        }
        if (pinnedFrames >= 0 && committed.frames() != pinnedFrames) {
            return "the WAL restarted although walship had not copied all of it since its last pin (" + generation + " -> "
                    + header + "); SQLite should not allow this";
        }
        return "the WAL was restarted more than once, or replaced, since walship last proved its position (" + generation
                + " -> " + header + ")";
    }

    /** A rolled-back transaction's frames can be overwritten by the next one; check the open one is still there. */
    private boolean stagedFramesIntact() throws IOException {
        return scanner.frameMatches(generation, committed.frames() + 1, firstStagedChecksum)
                && scanner.frameMatches(generation, scanned.frames(), scanned.checksum());
    }

    private void dropOpenTransaction() throws IOException {
        spool.discardUncommitted();
        overlay.dropStaged();
        openTxid = 0;
        scanned = committed;
    }

    private void spoolFrames() throws IOException {
        long before = lastTxid;
        capturedPages = 0;
        WalScanner.ScanResult r = scanner.scan(generation, scanned, this::onFrame);
        scanned = r.end();
        if (lastTxid != before) {
            spool.sync();
            events.captured(dbPath, lastTxid - before, capturedPages * generation.pageSize());
        }
    }

    private void onFrame(WalFrame frame) throws IOException {
        if (openTxid == 0) {
            openTxid = lastTxid + 1;
            firstStagedChecksum = frame.checksum();
        }
        spool.appendPage(openTxid, frame.pgno(), frame.page(), generation.pageSize());
        overlay.stage(frame.pgno(), frame.index(), frame.checksum());
        if (frame.isCommit()) {
            Instant time = nextTime();
            WalCursor at = new WalCursor(frame.index(), frame.checksum());
            spool.appendCommit(new CapturePoint(openTxid, time, frame.commitSize(), generation.pageSize(), generation, at));
            overlay.commit();
            framesSinceCheckpoint += frame.index() - committed.frames();
            capturedPages += frame.index() - committed.frames();
            lastTxid = openTxid;
            lastTime = time;
            databasePages = frame.commitSize();
            pageSize = generation.pageSize();
            committed = at;
            openTxid = 0;
        }
    }

    /** Observed times only grow, even if the wall clock steps back, so that time order equals txid order. */
    private Instant nextTime() {
        Instant now = clock.instant();
        return now.isAfter(lastTime) ? now : lastTime;
    }

    /** Rebuilds the page overlay of the current generation up to the committed position, which the spool already holds. */
    private void rebuildOverlay() throws IOException {
        overlay.clear();
        if (generation == null || committed.frames() == 0) {
            return;
        }
        scanner.scan(generation, WalCursor.start(generation), committed.frames(), f -> {
            overlay.stage(f.pgno(), f.index(), f.checksum());
            if (f.isCommit()) {
                overlay.commit();
            }
        });
        overlay.dropStaged();
    }

    /**
     * Inside a write barrier, captures everything the WAL holds, makes it durable and moves the pin to it. Returns why
     * continuity broke instead, if it did (nothing is pinned then).
     */
    private String captureAndPin() throws IOException, SQLException {
        try (SqliteSession.Barrier barrier = session.barrier()) {
            String reason = captureAvailable();
            if (reason == null) {
                spool.sync();
                pin();
            }
            return reason;
        }
    }

    private void pin() throws SQLException {
        session.pin();
        pinnedFrames = committed.frames();
    }

    /** Runs walship's checkpoints: PASSIVE after enough captured pages, TRUNCATE past the emergency WAL size. */
    void maybeCheckpoint() throws IOException, SQLException {
        if (scanner.size() > settings.emergencyWalSize().bytes()) {
            emergencyTruncate();
        } else if (framesSinceCheckpoint >= settings.checkpointPages() || checkpointIntervalPassed()) {
            String reason = captureAndPin();
            if (reason != null) {
                breakSnapshot(reason);
                return;
            }
            SqliteSession.CheckpointResult r = checkpoint("PASSIVE");
            log.debug("{}: PASSIVE checkpoint: {} of {} frames", dbPath, r.checkpointedFrames(), r.logFrames());
            framesSinceCheckpoint = 0;
            lastCheckpoint = clock.instant();
        }
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

    private SqliteSession.CheckpointResult checkpoint(String mode) throws SQLException {
        try {
            SqliteSession.CheckpointResult r = session.checkpoint(mode);
            events.checkpoint(dbPath, mode, r.busy() ? "busy" : "ok");
            return r;
        } catch (SQLException e) {
            events.checkpoint(dbPath, mode, "error");
            throw e;
        }
    }

    private void emergencyTruncate() throws IOException, SQLException {
        long version;
        String reason;
        try (SqliteSession.Barrier barrier = session.barrier()) {
            reason = captureAvailable();
            if (reason == null) {
                spool.sync();
            }
            version = session.dataVersion();
            session.unpin();
        }
        if (reason != null) {
            breakSnapshot(reason);
            return;
        }
        SqliteSession.CheckpointResult r = checkpoint("TRUNCATE");
        log.warn("{}: WAL grew past {}; TRUNCATE checkpoint {}", dbPath, settings.emergencyWalSize(),
                r.busy() ? "could not finish (readers are active)" : "done");
        // walship held no read transaction during the checkpoint. If no other connection committed since the barrier
        // (SQLite's data_version did not move), the WAL held exactly what was captured and the pin can be taken again
        // as if it had never been released; otherwise the checkpoint may have swept away frames walship never saw.
        try (SqliteSession.Barrier barrier = session.barrier()) {
            if (session.dataVersion() == version) {
                pin();
                pinnedFrames = committed.frames();
                reason = null;
            } else {
                reason = "the app committed while walship ran an emergency TRUNCATE checkpoint without its read transaction";
            }
        }
        framesSinceCheckpoint = 0;
        if (reason != null) {
            breakSnapshot(reason);
        }
    }

    /**
     * Takes a snapshot that starts a new chain at the next txid, because continuity cannot be proven ({@code reason})
     * or because there is no history yet (null).
     */
    void breakSnapshot(String reason) throws IOException, SQLException {
        if (reason != null) {
            log.warn("{}: taking a new snapshot at txid {}: {}", dbPath, lastTxid + 1, reason);
        } else {
            log.info("{}: taking the initial snapshot at txid {}", dbPath, lastTxid + 1);
        }
        spool.discardUncommitted();
        openTxid = 0;
        try (SqliteSession.Barrier barrier = session.barrier()) {
            Optional<WalHeader> header = scanner.readHeader();
            generation = header.orElse(null);
            overlay.clear();
            long walPages = 0;
            if (generation != null) {
                WalScanner.ScanResult r = scanner.scan(generation, WalCursor.start(generation), f -> {
                    overlay.stage(f.pgno(), f.index(), f.checksum());
                    if (f.isCommit()) {
                        overlay.commit();
                    }
                });
                overlay.dropStaged();
                committed = r.committed();
                walPages = r.lastCommitSize();
                pageSize = generation.pageSize();
            } else {
                committed = new WalCursor(0, WalChecksum.ZERO);
                int fromFile = db.pageSize();
                pageSize = fromFile != 0 ? fromFile : DEFAULT_PAGE_SIZE;
            }
            scanned = committed;
            databasePages = committed.frames() > 0 && walPages > 0 ? walPages : db.pages(pageSize);
            pin();
        }
        writeSnapshot(lastTxid + 1, nextTime(), reason == null ? "initial" : "continuity");
        framesSinceCheckpoint = committed.frames();
    }

    /**
     * Takes a snapshot of the current state at the current txid; {@code reason} is {@code replica} (a replica needs a
     * snapshot to start from) or {@code interval} (the snapshot interval passed).
     */
    void snapshotCurrent(String reason) throws IOException, SQLException {
        if (lastTxid == 0) {
            breakSnapshot(null);
            return;
        }
        String broken = captureAndPin();
        if (broken != null) {
            breakSnapshot(broken);
            return;
        }
        Optional<CapturePoint> last = spool.last();
        if (last.isPresent() && last.get().txid() == lastTxid && spool.hasSnapshot(lastTxid)) {
            return;
        }
        log.info("{}: taking a snapshot at txid {}", dbPath, lastTxid);
        writeSnapshot(lastTxid, lastTime, reason);
    }

    private void writeSnapshot(long txid, Instant time, String reason) throws IOException {
        long start = System.nanoTime();
        Path temp = spool.snapshotTempPath(txid);
        SnapshotTaker.write(temp, txid, time, pageSize, databasePages, db, generation, overlay, scanner.path());
        long bytes = java.nio.file.Files.size(temp);
        spool.appendSnapshot(new CapturePoint(txid, time, databasePages, pageSize, generation, committed));
        events.snapshot(dbPath, reason, bytes);
        lastTxid = txid;
        lastTime = time;
        lastSnapshotTaken = clock.instant();
        log.info("{}: snapshot at txid {} written ({} pages of {} bytes) in {} ms", dbPath, txid, databasePages, pageSize,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Signals that the database file was replaced: the session must be reopened and a snapshot taken. */
    static final class DatabaseReplacedException extends IOException {
        DatabaseReplacedException(String message) {
            super(message);
        }
    }
}
