package io.walship.replicator;

import static io.walship.replicator.ReplicatorAwait.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ByteSize;
import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.nio.charset.StandardCharsets;
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
                        insert.setBytes(2, payload(k));
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
        try (FileReplicaStorage storage = new FileReplicaStorage(replicaDir)) {
            long n = rows.get();
            for (int i = 0; i <= 10; i++) {
                long k = i * n / 10;
                Path out = dir.resolve("restores").resolve(k + ".db");
                Files.createDirectories(out.getParent());
                new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out)
                        .withTarget(new RestoreTarget.AtTxid(base + k)));
                assertRows(out, k);
                Files.delete(out);
            }
        }
    }

    private static byte[] payload(long k) {
        return (k + "-").repeat(ROW_BYTES / 2 + 1).substring(0, ROW_BYTES).getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertRows(Path restored, long k) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + restored); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
            long count = 0;
            try (ResultSet rs = s.executeQuery("SELECT id, p FROM t ORDER BY id")) {
                while (rs.next()) {
                    count++;
                    assertEquals(count, rs.getLong(1), "row ids 1.." + k + " without a hole");
                    assertTrue(java.util.Arrays.equals(payload(count), rs.getBytes(2)), "row " + count + "'s payload");
                }
            }
            assertEquals(k, count, "rows at the txid of the app's commit " + k);
        }
    }
}
