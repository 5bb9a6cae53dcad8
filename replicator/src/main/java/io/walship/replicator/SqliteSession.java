package io.walship.replicator;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * walship's two SQLite connections to a database.
 *
 * <p>The reader holds a read transaction at all times. While it does, SQLite cannot checkpoint frames past the
 * reader's snapshot nor restart the WAL over frames walship has not copied yet. It is moved forward ("re-pinned")
 * only inside a write barrier, after everything in the WAL has been captured.
 *
 * <p>The writer never writes. It takes the write barrier ({@code BEGIN IMMEDIATE}, which stops the app's writers
 * for a moment) and runs walship's checkpoints.
 */
final class SqliteSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteSession.class);

    private final Connection reader;
    private final Connection writer;
    private boolean pinned;

    /** The outcome of {@code PRAGMA wal_checkpoint}: busy flag, frames in the WAL, frames checkpointed. */
    record CheckpointResult(boolean busy, long logFrames, long checkpointedFrames) {
    }

    private SqliteSession(Connection reader, Connection writer) {
        this.reader = reader;
        this.writer = writer;
    }

    static SqliteSession open(Path db, Duration busyTimeout) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout((int) busyTimeout.toMillis());
        String url = "jdbc:sqlite:" + db.toAbsolutePath();
        Connection r = config.createConnection(url);
        Connection w;
        try {
            w = config.createConnection(url);
        } catch (SQLException e) {
            r.close();
            throw e;
        }
        return new SqliteSession(r, w);
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

    /** A held write barrier; closing it releases the app's writers. */
    interface Barrier extends AutoCloseable {
        @Override
        void close() throws SQLException;
    }

    /** Takes the write barrier; closing the returned handle releases it. Waits up to the busy timeout. */
    Barrier barrier() throws SQLException {
        try (Statement s = writer.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        }
        return () -> {
            try (Statement s = writer.createStatement()) {
                s.execute("ROLLBACK");
            }
        };
    }

    /** Ends the reader's read transaction, if any, and starts a new one at the current end of the WAL. */
    void pin() throws SQLException {
        try (Statement s = reader.createStatement()) {
            if (pinned) {
                s.execute("COMMIT");
                pinned = false;
            }
            s.execute("BEGIN");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            }
            pinned = true;
        }
    }

    /** Ends the reader's read transaction, letting checkpoints and WAL restarts pass where walship stands. */
    void unpin() throws SQLException {
        if (pinned) {
            try (Statement s = reader.createStatement()) {
                s.execute("COMMIT");
            }
            pinned = false;
        }
    }

    boolean pinned() {
        return pinned;
    }

    /** SQLite's data version as seen by the writer connection: it changes when any other connection commits. */
    long dataVersion() throws SQLException {
        try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    CheckpointResult checkpoint(String mode) throws SQLException {
        try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            rs.next();
            return new CheckpointResult(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
        }
    }

    @Override
    public void close() {
        try {
            unpin();
        } catch (SQLException e) {
            log.debug("ending the read transaction failed while closing", e);
        }
        for (Connection c : new Connection[] {reader, writer}) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing a connection failed", e);
            }
        }
    }
}
