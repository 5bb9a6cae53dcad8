package io.walship.replicator;

import static io.walship.replicator.ReplicatorAwait.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ByteSize;
import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walship's restart cycles keep the WAL small while the app commits without a pause and checkpoints as an app in WAL
 * mode does: after nearly every commit (SQLite's auto-checkpoint, once the WAL is past 1000 pages) and, here, also
 * from another process whose checkpoints hold SQLite's checkpoint lock half of the time. SQLite never waits for the checkpoint lock in a PASSIVE checkpoint, so walship's own
 * checkpoints often meet the app's; before walship waited for the app's checkpoint to finish, nearly every restart
 * cycle gave up ("another connection is checkpointing") and backed off, and the WAL grew by everything the app wrote
 * (188 MB in CI against a 64 MiB bound). The WAL file's largest size is sampled; then restores at many txids hold
 * exactly the rows the app had committed.
 */
@Timeout(180)
class RestartCycleTest {
    private static final int ROW_BYTES = 3000;
    private static final CommittedRows ROWS = new CommittedRows(ROW_BYTES);
    private static final int COMMITS_PER_SECOND = 1000;
    private static final Duration WRITING = Duration.ofSeconds(6);
    /** Restart cycles start at half this size, and TRUNCATE checkpoints past it. */
    private static final ByteSize EMERGENCY = ByteSize.ofMebibytes(8);
    /** The WAL never reaches the emergency size; without restart cycles it reached 25 MB here. */
    private static final long BOUND = EMERGENCY.bytes();

    /**
     * Python: argv[1] is the -shm file, argv[2] how many milliseconds to run. Holds the checkpoint lock for 4 ms, then
     * leaves it free for 4 ms, over and over.
     */
    private static final String CHECKPOINTER = """
            import fcntl, os, sys, time
            fd = os.open(sys.argv[1], os.O_RDWR)
            end = time.monotonic() + int(sys.argv[2]) / 1000
            while time.monotonic() < end:
                fcntl.lockf(fd, fcntl.LOCK_EX, 1, 121)
                time.sleep(0.004)
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, 121)
                time.sleep(0.004)
            """;

    @TempDir
    Path dir;

    @Test
    void theWalStaysSmallWhileTheAppCommitsAndCheckpointsWithoutAPause() throws Exception {
        Path db = dir.resolve("app.db");
        Path wal = Path.of(db + "-wal");
        Path replicaDir = dir.resolve("replica");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, p BLOB NOT NULL)");
        }
        DatabaseReplicator r = new DatabaseReplicator(db, new FileReplicaStorage(replicaDir),
                ReplicationSettings.defaults().withSyncInterval(Duration.ofMillis(250))
                        .withMonitorInterval(Duration.ofMillis(50)).withEmergencyWalSize(EMERGENCY), Clock.systemUTC());
        r.start();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong maxWal = new AtomicLong();
        AtomicLong rows = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long base;
        try {
            await(() -> r.capturedTxid() > 0 && r.shippedTxid() == r.capturedTxid(), "the first snapshot shipped", r);
            base = r.capturedTxid();
            // The other threads stop when the writer does, however it ends.
            AutoCloseable writingEnds = () -> writing.set(false);
            threads.add(thread("app writer", failure, () -> {
                try (writingEnds; Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                     PreparedStatement insert = c.prepareStatement("INSERT INTO t(id, p) VALUES (?, ?)")) {
                    try (Statement s = c.createStatement()) {
                        s.execute("PRAGMA synchronous=NORMAL");
                        s.execute("PRAGMA busy_timeout=5000");
                    }
                    long start = System.nanoTime();
                    long k = 0;
                    while (System.nanoTime() - start < WRITING.toNanos()) {
                        k++;
                        insert.setLong(1, k);
                        insert.setBytes(2, ROWS.payload(k));
                        insert.executeUpdate();
                        rows.set(k);
                        long ahead = start + k * 1_000_000_000L / COMMITS_PER_SECOND - System.nanoTime();
                        if (ahead > 0) {
                            Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                        }
                    }
                }
            }));
            // Another process of the app checkpoints half of the time, in bursts of 4 ms: it holds SQLite's checkpoint
            // lock (byte 121 of the -shm file, as SQLite's unix VFS takes it) as long as a checkpoint that copies
            // pages and syncs them would.
            Process checkpointer = new ProcessBuilder("python3", "-c", CHECKPOINTER, db + "-shm",
                    Long.toString(WRITING.toMillis())).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("checkpointer.log").toFile()).start();
            try {
                threads.add(thread("WAL sampler", failure, () -> {
                    while (writing.get()) {
                        maxWal.accumulateAndGet(Files.exists(wal) ? Files.size(wal) : 0, Math::max);
                        Thread.sleep(5);
                    }
                }));
                for (Thread t : threads) {
                    t.join();
                }
                assertTrue(checkpointer.waitFor(30, TimeUnit.SECONDS), "the app's checkpointer finished");
                assertEquals(0, checkpointer.exitValue(), Files.readString(dir.resolve("checkpointer.log")));
            } finally {
                checkpointer.destroyForcibly();
            }
            assertEquals(null, failure.get(), "the app's threads failed");
            long last = base + rows.get();
            await(() -> r.shippedTxid() == last, "every commit shipped", r);
        } finally {
            writing.set(false);
            r.stop(Duration.ofSeconds(10));
        }
        System.out.printf("RestartCycleTest: the app committed %d rows of %d bytes; the largest WAL was %d bytes%n",
                rows.get(), ROW_BYTES, maxWal.get());
        assertTrue(maxWal.get() <= BOUND, "the WAL reached " + maxWal.get() + " bytes while the app wrote "
                + rows.get() + " rows; bound " + BOUND);

        // Exactly the committed rows at the first and last txids and at evenly spread ones in between.
        ROWS.assertRestoresSpread(replicaDir, dir, base, rows.get(), 12);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread thread(String name, AtomicReference<Throwable> failure, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.start();
        return t;
    }
}
