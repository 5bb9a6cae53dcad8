package io.walship.replicator;

import io.walship.replicator.wal.WalIndex;
import io.walship.replicator.wal.WalIndexHeader;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * walship's SQLite connections to one database and its view of the wal-index.
 *
 * <p>walship holds a read transaction at all times (the pin). While it does, SQLite's checkpoints cannot copy frames
 * past the pinned state into the database file, and no writer can restart the WAL over frames the pin still needs.
 * Two reader connections take turns: a new pin is started on the spare reader before the old one is released, so
 * there is never a moment without a pin.
 *
 * <p>Pins need no write lock: walship reads the wal-index header before and after a pin starts ({@link Pin}) and
 * captures up to the later one, which is all its continuity rules need (see {@link Capturer}).
 *
 * <p>The writer connection never writes. It runs walship's checkpoints, and can take the write barrier
 * ({@code BEGIN IMMEDIATE}) with a short busy timeout.
 *
 * <p>Owned by one capture thread; not thread-safe.
 */
final class SqliteSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteSession.class);
    /** The pause between two tries of a PASSIVE checkpoint that met another connection's checkpoint. */
    private static final long CHECKPOINT_RETRY_NANOS = Duration.ofMillis(1).toNanos() / 4;
    /** How often {@link #tryBarrier} asks for the app's write lock again. */
    private static final long BARRIER_RETRY_NANOS = Duration.ofMillis(1).toNanos() / 20;

    private final Path db;
    private final Duration busyTimeout;
    private final Connection writer;
    private Reader pinnedReader;
    private Reader spareReader;
    private WalIndex walIndex;
    private boolean pinned;

    /** The outcome of {@code PRAGMA wal_checkpoint}: busy flag, frames in the WAL, frames checkpointed. */
    record CheckpointResult(boolean busy, long logFrames, long checkpointedFrames) {
        /** Whether the checkpoint copied every frame of the WAL into the database file. */
        boolean complete() {
            return !busy && checkpointedFrames == logFrames;
        }
    }

    /** A reader connection and whether it holds a read transaction. */
    private static final class Reader {
        final Connection connection;
        boolean open;

        Reader(Connection connection) {
            this.connection = connection;
        }

        void begin() throws SQLException {
            try (Statement s = connection.createStatement()) {
                s.execute("BEGIN");
                open = true;
                // A read transaction starts at its first read, not at BEGIN.
                try (ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master LIMIT 1")) {
                    rs.next();
                }
            }
        }

        void end() throws SQLException {
            if (open) {
                try (Statement s = connection.createStatement()) {
                    s.execute("COMMIT");
                }
                open = false;
            }
        }
    }

    private SqliteSession(Path db, Duration busyTimeout, Connection writer, Connection a, Connection b) {
        this.db = db;
        this.busyTimeout = busyTimeout;
        this.writer = writer;
        this.pinnedReader = new Reader(a);
        this.spareReader = new Reader(b);
    }

    static SqliteSession open(Path db, Duration busyTimeout) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout((int) busyTimeout.toMillis());
        String url = "jdbc:sqlite:" + db.toAbsolutePath();
        Connection[] opened = new Connection[3];
        try {
            for (int i = 0; i < opened.length; i++) {
                opened[i] = config.createConnection(url);
            }
        } catch (SQLException e) {
            for (Connection c : opened) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
        return new SqliteSession(db, busyTimeout, opened[0], opened[1], opened[2]);
    }

    /** Switches the database to WAL mode if it is not; returns true when it had to. */
    boolean ensureWalMode() throws SQLException {
        try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            if (rs.next() && "wal".equalsIgnoreCase(rs.getString(1))) {
                return false;
            }
        }
        try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
            if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
                throw new SQLException("the database refused to switch to WAL mode");
            }
        }
        return true;
    }

    /**
     * The wal-index header as it is now. The first call starts the first pin, because walship may hold its own
     * descriptor of the {@code -shm} file only once SQLite has the wal-index open (see {@link WalIndex}).
     */
    WalIndexHeader walIndex() throws IOException, SQLException {
        if (walIndex == null) {
            spareReader.begin();
            release();
            pinned = true;
            walIndex = WalIndex.open(db);
        }
        return walIndex.read();
    }

    boolean pinned() {
        return pinned;
    }

    /**
     * A pin just taken: the wal-index header read right before its read transaction started and right after. The read
     * transaction sees a state between the two; when they are equal it sees exactly that header, because every commit
     * changes the header's change counter and every restart its salts.
     */
    record Pin(WalIndexHeader before, WalIndexHeader after) {
        boolean exact() {
            return before.equals(after);
        }
    }

    /**
     * Starts a new pin without any lock, keeping the old one until the new one holds, so the database is never
     * unpinned. The old pin ends only after {@link Pin#after()} was read: a WAL restart seen in {@code after} happened
     * while the old pin still held.
     */
    Pin tryPin() throws SQLException, IOException {
        WalIndexHeader before = walIndex();
        spareReader.begin();
        WalIndexHeader after = walIndex.read();
        release();
        pinned = true;
        return new Pin(before, after);
    }

    /** Frames of the current WAL generation already copied into the database file by checkpoints. */
    long backfilled() throws IOException, SQLException {
        walIndex();
        return walIndex.backfilled();
    }

    /** Ends every read transaction: checkpoints may then pass where walship stood, and the WAL may restart. */
    void unpin() throws SQLException {
        pinnedReader.end();
        spareReader.end();
        pinned = false;
    }

    /** A held write barrier; closing it releases the app's writers. */
    interface Barrier extends AutoCloseable {
        @Override
        void close() throws SQLException;
    }

    /**
     * Takes the write barrier, waiting at most {@code busy}; empty when another connection held the write lock all that
     * time. It asks again every {@link #BARRIER_RETRY_NANOS} rather than through SQLite's busy handler, which sleeps 1,
     * 2, 5, 10 ms and longer between attempts: an app that commits without a pause frees its lock for microseconds
     * between transactions, and each millisecond slept adds the frames of dozens of commits to what walship must
     * capture while it holds the barrier.
     */
    Optional<Barrier> tryBarrier(Duration busy) throws SQLException {
        setBusyTimeout(writer, Duration.ZERO);
        long deadline = System.nanoTime() + busy.toNanos();
        boolean held = false;
        try {
            while (true) {
                try (Statement s = writer.createStatement()) {
                    s.execute("BEGIN IMMEDIATE");
                    held = true;
                    break;
                } catch (SQLException e) {
                    if (!isBusy(e)) {
                        throw e;
                    }
                    if (System.nanoTime() - deadline >= 0) {
                        return Optional.empty();
                    }
                    LockSupport.parkNanos(BARRIER_RETRY_NANOS);
                }
            }
        } finally {
            if (!held) {
                setBusyTimeout(writer, busyTimeout);
            }
        }
        // The busy timeout is restored only after the lock is let go: a statement that could fail between taking the
        // lock and handing out the barrier would leave the app's writers blocked with nothing to release them.
        return Optional.of(() -> {
            try (Statement s = writer.createStatement()) {
                s.execute("ROLLBACK");
            } finally {
                setBusyTimeout(writer, busyTimeout);
            }
        });
    }

    /**
     * Runs {@code PRAGMA wal_checkpoint(mode)}, waiting at most {@code busy}. A TRUNCATE checkpoint waits in SQLite's busy
     * handler. A PASSIVE one never calls the busy handler: when another connection holds the checkpoint lock it
     * returns busy at once, so walship retries it here until that checkpoint is done. An app in WAL mode checkpoints
     * after nearly every commit once its WAL is past {@code wal_autocheckpoint} pages, so under non-stop writes
     * walship's checkpoints meet the app's often; each of those is short (it copies only up to walship's pin).
     */
    CheckpointResult checkpoint(CheckpointMode mode, Duration busy) throws SQLException {
        if (mode == CheckpointMode.PASSIVE) {
            setBusyTimeout(writer, Duration.ZERO);
            return passiveRetried(writer, busy);
        }
        setBusyTimeout(writer, busy);
        return checkpointOnce(writer, mode);
    }

    /**
     * Runs a PASSIVE checkpoint on the spare reader connection, waiting at most {@code busy} for another connection's
     * checkpoint. SQLite refuses a checkpoint on a connection with an open transaction, so while the writer connection
     * holds the write barrier this is the only way to checkpoint.
     */
    CheckpointResult checkpointBesideBarrier(Duration busy) throws SQLException {
        setBusyTimeout(spareReader.connection, Duration.ZERO);
        try {
            return passiveRetried(spareReader.connection, busy);
        } finally {
            setBusyTimeout(spareReader.connection, busyTimeout);
        }
    }

    private CheckpointResult passiveRetried(Connection c, Duration busy) throws SQLException {
        long deadline = System.nanoTime() + busy.toNanos();
        while (true) {
            CheckpointResult r = checkpointOnce(c, CheckpointMode.PASSIVE);
            if (!r.busy() || System.nanoTime() - deadline >= 0) {
                return r;
            }
            LockSupport.parkNanos(CHECKPOINT_RETRY_NANOS);
        }
    }

    private static CheckpointResult checkpointOnce(Connection c, CheckpointMode mode) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode.name() + ")")) {
            rs.next();
            return new CheckpointResult(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
        }
    }

    /** The checkpoint modes walship runs. */
    enum CheckpointMode {
        PASSIVE, TRUNCATE
    }

    static boolean isBusy(SQLException e) {
        if (e instanceof SQLiteException se) {
            SQLiteErrorCode code = se.getResultCode();
            return code == SQLiteErrorCode.SQLITE_BUSY || code.name().startsWith("SQLITE_BUSY_");
        }
        return false;
    }

    /** The spare reader now holds the new pin: the old pin ends and its connection becomes the spare. */
    private void release() throws SQLException {
        Reader old = pinnedReader;
        pinnedReader = spareReader;
        spareReader = old;
        old.end();
    }

    private static void setBusyTimeout(Connection c, Duration d) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + Math.max(0, d.toMillis()));
        }
    }

    Duration busyTimeout() {
        return busyTimeout;
    }

    @Override
    public void close() {
        try {
            unpin();
        } catch (SQLException e) {
            log.debug("ending the read transactions failed while closing", e);
        }
        for (Connection c : new Connection[] {pinnedReader.connection, spareReader.connection, writer}) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing a connection failed", e);
            }
        }
        // Only now, with every SQLite connection of this session closed, may the -shm descriptor go (see WalIndex).
        if (walIndex != null) {
            try {
                walIndex.close();
            } catch (IOException e) {
                log.debug("closing the wal-index failed", e);
            }
        }
    }
}
