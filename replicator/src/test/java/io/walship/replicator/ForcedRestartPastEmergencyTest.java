package io.walship.replicator;

import static io.walship.replicator.ReplicatorAwait.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walship.config.ByteSize;
import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app that commits without a pause while one of its readers keeps an old snapshot open for a while: the WAL passes
 * the forced-restart size and the emergency size, so restart cycles run forced and past the emergency size while the
 * TRUNCATE backs off; once the reader ends they must restart the WAL with every commit captured as its own txid.
 */
@Timeout(240)
class ForcedRestartPastEmergencyTest {
    private static final int ROW_BYTES = 1500;
    private static final CommittedRows ROWS = new CommittedRows(ROW_BYTES);
    private static final Duration WRITING = Duration.ofSeconds(6);
    private static final ByteSize EMERGENCY = ByteSize.ofMebibytes(4);

    @TempDir
    Path dir;

    @Test
    void everyCommitIsItsOwnTxidThroughForcedCyclesPastTheEmergencySize() throws Exception {
        Path db = dir.resolve("app.db");
        Path replicaDir = dir.resolve("replica");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, p BLOB NOT NULL)");
        }
        DatabaseReplicator r = new DatabaseReplicator(db, new FileReplicaStorage(replicaDir),
                ReplicationSettings.defaults().withSyncInterval(Duration.ofMillis(250))
                        .withMonitorInterval(Duration.ofMillis(20)).withEmergencyWalSize(EMERGENCY), Clock.systemUTC());
        r.start();
        AtomicLong rows = new AtomicLong();
        AtomicLong maxWal = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long base;
        try {
            await(() -> r.capturedTxid() > 0 && r.shippedTxid() == r.capturedTxid(), "the first snapshot shipped", r);
            base = r.capturedTxid();
            Thread writer = new Thread(() -> {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                     PreparedStatement insert = c.prepareStatement("INSERT INTO t(id, p) VALUES (?, ?)")) {
                    try (Statement s = c.createStatement()) {
                        s.execute("PRAGMA synchronous=NORMAL");
                        s.execute("PRAGMA busy_timeout=10000");
                    }
                    long start = System.nanoTime();
                    long k = 0;
                    while (System.nanoTime() - start < WRITING.toNanos()) {
                        k++;
                        insert.setLong(1, k);
                        insert.setBytes(2, ROWS.payload(k));
                        insert.executeUpdate();
                        rows.set(k);
                        long size = Files.exists(Path.of(db + "-wal")) ? Files.size(Path.of(db + "-wal")) : 0;
                        maxWal.accumulateAndGet(size, Math::max);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "app writer");
            writer.start();
            // An app reader holds an old snapshot for 1.5 s in the middle: no restart can happen meanwhile.
            Thread.sleep(1500);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute("BEGIN");
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                }
                Thread.sleep(1500);
                s.execute("COMMIT");
            }
            writer.join();
            assertEquals(null, failure.get(), "the app's writer failed");
            long last = base + rows.get();
            await(() -> r.shippedTxid() == last, "every commit shipped as its own txid", r);
        } finally {
            r.stop(Duration.ofSeconds(10));
        }
        System.out.printf("ForcedRestartPastEmergencyTest: %d rows, largest WAL %d bytes%n", rows.get(), maxWal.get());
        ROWS.assertRestoresSpread(replicaDir, dir, base, rows.get(), 10);
    }
}
