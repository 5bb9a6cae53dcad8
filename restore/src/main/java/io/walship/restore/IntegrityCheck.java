package io.walship.restore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * Runs SQLite's own {@code PRAGMA integrity_check} on a database file. Checksums prove the replica's objects are the
 * ones the replicator wrote; this proves the pages put together form a database SQLite can use.
 *
 * <p>A database restored from a WAL-mode source is itself in WAL mode, so opening it makes SQLite create
 * {@code -wal} and {@code -shm} files; the connection is closed before returning, and SQLite removes both on the last
 * close. Nothing is written to the database itself.
 */
public final class IntegrityCheck {
    /** SQLite reports at most this many problems; the first few are enough to diagnose, and it bounds the time. */
    private static final int MAX_PROBLEMS = 100;

    private IntegrityCheck() {
    }

    /** The check's findings: empty when SQLite answered {@code ok}. */
    public record Report(List<String> problems) {
        public Report {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * Checks the database at {@code database}, which must exist (it is opened without the create flag).
     *
     * @throws SQLException when SQLite cannot open or read the file at all, for example because it is not a database
     */
    public static Report run(Path database) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        // A file: URI, percent-encoded, so that names with '?', '#' or '%' reach SQLite intact.
        config.setOpenMode(SQLiteOpenMode.OPEN_URI);
        List<String> rows = new ArrayList<>();
        try (Connection c = config.createConnection("jdbc:sqlite:" + database.toAbsolutePath().toUri());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check(" + MAX_PROBLEMS + ")")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        if (rows.size() == 1 && "ok".equals(rows.get(0))) {
            return new Report(List.of());
        }
        if (rows.isEmpty()) {
            rows.add("integrity_check returned no result");
        }
        return new Report(rows);
    }
}
