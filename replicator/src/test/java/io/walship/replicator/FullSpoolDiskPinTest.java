package io.walship.replicator;

import static io.walship.replicator.ReplicatorAwait.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * While the spool cannot be written, walship holds the WAL (its read transaction) so that the transactions committed
 * meanwhile can be captured one by one later: the app's TRUNCATE checkpoint stays busy. When the database's own disk
 * runs low as well, holding the WAL would make the app's commits fail, so walship lets go: the app's TRUNCATE then
 * empties the WAL. Once the spool can be written again, capture catches up with everything the app committed.
 */
@Timeout(120)
class FullSpoolDiskPinTest {
    @TempDir
    Path dir;

    @Test
    void theWalIsHeldWhileTheDatabaseDiskHasRoomAndLetGoWhenItRunsLow() throws Exception {
        Path db = dir.resolve("app.db");
        Path wal = Path.of(db + "-wal");
        AtomicBoolean spoolDiskFull = new AtomicBoolean();
        AtomicLong databaseDiskFree = new AtomicLong(Long.MAX_VALUE);
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            insert(s, 5);
            DatabaseReplicator r = new DatabaseReplicator(db, new FileReplicaStorage(dir.resolve("replica")),
                    ReplicationSettings.defaults().withSyncInterval(Duration.ZERO).withMonitorInterval(Duration.ofMillis(50))
                            .withCheckpointPages(100_000), Clock.systemUTC());
            r.fileIo(new FaultyFileIo(i -> spoolDiskFull.get(), FaultyFileIo.Kind.ENOSPC, false));
            r.walDiskUsable(databaseDiskFree::get);
            r.start();
            try {
                await(() -> r.capturedTxid() > 0 && r.shippedTxid() == r.capturedTxid(), "the first snapshot shipped", r);

                long before = r.capturedTxid();
                spoolDiskFull.set(true);
                insert(s, 20);
                await(() -> r.lastCaptureError() != null && r.lastCaptureError().contains("No space left"),
                        "capture meeting the full spool disk", r);
                // The pin holds: the app's TRUNCATE is busy every time, and the WAL keeps its frames.
                for (int i = 0; i < 10; i++) {
                    assertEquals(1, truncate(s), "walship holds the WAL while the database's disk has room");
                    Thread.sleep(100);
                }
                assertTrue(Files.size(wal) > 0);

                databaseDiskFree.set(1L << 20);
                insert(s, 3);
                await(() -> truncate(s) == 0 && Files.size(wal) == 0,
                        "the app's TRUNCATE emptying the WAL once walship let go of it", r);

                spoolDiskFull.set(false);
                databaseDiskFree.set(Long.MAX_VALUE);
                insert(s, 4);
                await(() -> r.shippedTxid() == r.capturedTxid() && r.lastCaptureError() == null
                        && r.capturedTxid() > before, "capture caught up after the spell", r);
                // The WAL walship let go of was emptied by the app, so capture could not prove it saw every
                // transaction of the spell: a new chain starts with a snapshot.
                long snapshots = new FileReplicaStorage(dir.resolve("replica")).list(io.walship.replica.ObjectKeys.SNAPSHOTS)
                        .stream().filter(o -> io.walship.replica.ObjectKeys.parse(o.key()).isPresent()).count();
                assertEquals(2, snapshots, "the first snapshot and the one after the WAL was let go of");
            } finally {
                r.stop(Duration.ofSeconds(10));
            }
        }
    }

    private static void insert(Statement s, int n) throws SQLException {
        for (int i = 0; i < n; i++) {
            s.execute("INSERT INTO t(v) VALUES (hex(randomblob(2000)))");
        }
    }

    /** The app's {@code wal_checkpoint(TRUNCATE)} with a short busy timeout; returns SQLite's busy flag. */
    private static int truncate(Statement s) throws SQLException {
        s.execute("PRAGMA busy_timeout=100");
        try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
