package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.DatabaseChecksum;
import io.walship.replica.FileReplicaStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page checksum that compares a restored database with the live one at the same txid: equal for the same pages,
 * different for any divergence, computed the same way from a file or from pages handed over one by one.
 */
class DatabaseChecksumTest {
    @TempDir
    Path dir;

    /** A real SQLite database, built by the same statements each time, so two builds hold the same bytes. */
    private Path database(String name, String... extra) throws Exception {
        Path file = dir.resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA page_size = 1024");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.execute(DatabaseHistory.series(300) + "INSERT INTO t (v) SELECT printf('row %05d', value) FROM s");
            for (String sql : extra) {
                s.execute(sql);
            }
        }
        return file;
    }

    @Test
    void twoDatabasesWithTheSamePagesHaveTheSameChecksum() throws Exception {
        Path a = database("a.db");
        Path b = database("b.db");

        DatabaseChecksum ca = DatabaseChecksum.ofFile(a, 1024);
        assertEquals(ca, DatabaseChecksum.ofFile(b, 1024));
        assertEquals(Optional.empty(), ca.difference(DatabaseChecksum.ofFile(b, 1024)));
        assertEquals(Files.size(a) / 1024, ca.databasePages());
        assertTrue(ca.describe().startsWith("sha256:"), ca.describe());
    }

    @Test
    void oneChangedRowIsADifferenceOfContent() throws Exception {
        DatabaseChecksum a = DatabaseChecksum.ofFile(database("a.db"), 1024);
        DatabaseChecksum b = DatabaseChecksum.ofFile(database("b.db", "UPDATE t SET v = 'diverged' WHERE id = 150"),
                1024);

        assertNotEquals(a, b);
        assertEquals(a.databasePages(), b.databasePages());
        assertTrue(a.difference(b).orElseThrow().contains("different page contents"), a.difference(b).toString());
    }

    @Test
    void aDifferentSizeIsNamedAsSuch() throws Exception {
        DatabaseChecksum a = DatabaseChecksum.ofFile(database("a.db"), 1024);
        DatabaseChecksum b = DatabaseChecksum.ofFile(database("b.db",
                DatabaseHistory.series(300) + "INSERT INTO t (v) SELECT printf('more %05d', value) FROM s"), 1024);

        assertTrue(a.difference(b).orElseThrow().contains("database size"), a.difference(b).toString());
    }

    @Test
    void aRestoredDatabaseHasTheChecksumOfTheSourceAtTheSameTxidPageByPage() throws Exception {
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), 4096, true)) {
            FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
            history.writeSnapshot(storage, 1);
            history.writeSegment(storage, 2, 12);
            Path out = dir.resolve("restored.db");
            new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out).withTarget(RestoreTarget.txid(8)));

            byte[] state = history.stateAt(8);
            DatabaseChecksum.Builder live = DatabaseChecksum.builder(4096, state.length / 4096);
            for (int p = 1; p <= state.length / 4096; p++) {
                live.page(p, state, (p - 1) * 4096);
            }
            assertEquals(live.finish(), DatabaseChecksum.ofFile(out, 4096));
        }
    }

    @Test
    void pagesMustComeInOrderAndAllOfThem() {
        DatabaseChecksum.Builder b = DatabaseChecksum.builder(512, 3);
        byte[] page = new byte[512];
        b.page(1, page, 0);
        assertThrows(IllegalArgumentException.class, () -> b.page(3, page, 0));
        b.page(2, page, 0);
        assertThrows(IllegalStateException.class, b::finish);
        b.page(3, page, 0);
        assertThrows(IllegalArgumentException.class, () -> b.page(4, page, 0));
        assertEquals(3, b.finish().databasePages());
    }

    @Test
    void aFileThatIsNotWholePagesIsRefused() throws Exception {
        Path odd = Files.write(dir.resolve("odd.db"), new byte[1000]);

        assertThrows(java.io.IOException.class, () -> DatabaseChecksum.ofFile(odd, 512));
    }
}
