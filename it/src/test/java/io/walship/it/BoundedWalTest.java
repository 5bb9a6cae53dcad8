package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WAL stays small while the app commits without a pause. SQLite restarts the WAL only when a write begins while
 * every frame is checkpointed and no reader uses the WAL; walship's read transaction and the app's non-stop commits
 * never leave such a moment by themselves, so before walship made one (its restart cycle) the WAL grew by every byte
 * the app wrote until the writes stopped. An app (Python's sqlite3) commits one row per transaction without a pause
 * for 12 seconds (by default); the WAL file is sampled every 10 ms. Then every transaction must be in the replica,
 * one per txid, with exactly the rows the app had committed. The app's commit latencies are printed, not asserted.
 *
 * <p>The second case writes as fast as Python can commit small rows (tens of thousands a second, faster than capture
 * keeps up with on two cores): before walship forced its restart cycles, the WAL grew past the emergency size (500 MB)
 * within seconds and on to gigabytes, the restart cycles never converging and the emergency TRUNCATE never finding a
 * moment with every frame checkpointed. Now walship slows the app to its own pace once the WAL holds twice the restart
 * size. Largest WAL in runs here: 51 to 225 MiB, and 586 MiB in one CI run (capture can still chase the app before
 * a forced cycle catches it; the fix for that is on branch h/throttle, not yet verified in CI). The test asserts
 * 1 GiB, which the old code passed within about five seconds (1,688 MB in all).
 */
class BoundedWalTest extends ScenarioSupport {
    static final int SECONDS = Integer.getInteger("walship.it.boundedWalSeconds", 12);
    static final int ROW_BYTES = 3000;
    /**
     * The app's pace: 3,000 commits per second, about 12 MiB of WAL per second, well within what capture keeps up with
     * on a loaded CI machine (a WAL can restart only once walship captured all of it). Without restart cycles the WAL
     * reached 302 MB in 8 s at this pace; with them 40 MB.
     */
    static final int COMMITS_PER_SECOND = Integer.getInteger("walship.it.boundedWalRate", 3000);
    /** The bound: 64 MiB plus the largest transaction (one row here). */
    static final long BOUND = 64L << 20;

    /** The flat-out case's bound: see the class comment. */
    static final long FLAT_OUT_BOUND = 1L << 30;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theWalStaysBoundedWhileTheAppCommitsWithoutAPause() throws Exception {
        run(SECONDS, ROW_BYTES, COMMITS_PER_SECOND, BOUND, 60);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theWalStaysBoundedWhenTheAppWritesFasterThanCaptureKeepsUp() throws Exception {
        run(8, 200, 0, FLAT_OUT_BOUND, 20);
    }

    private void run(int seconds, int rowBytes, int commitsPerSecond, long bound, int checked) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, p BLOB NOT NULL)");
        }
        WalshipProcess d = startDaemon();
        long base = WalshipProcess.waitForQuiet(replica, quiet(), Duration.ofSeconds(60), d);
        Path wal = Path.of(db + "-wal");
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong maxWal = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                try {
                    maxWal.accumulateAndGet(Files.exists(wal) ? Files.size(wal) : 0, Math::max);
                    Thread.sleep(10);
                } catch (Exception e) {
                    // The WAL may vanish between exists and size; the next sample sees the new one.
                }
            }
        });
        sampler.start();
        Path stats = work.resolve("fast-writer.stats");
        Process app = new ProcessBuilder("python3", script().toString(), db.toString(), Integer.toString(seconds),
                Integer.toString(rowBytes), stats.toString(), Integer.toString(commitsPerSecond)).redirectErrorStream(true)
                .redirectOutput(work.resolve("fast-writer.log").toFile()).start();
        assertTrue(app.waitFor(seconds + 60L, TimeUnit.SECONDS), "the app finished");
        assertEquals(0, app.exitValue(), Files.readString(work.resolve("fast-writer.log")));
        sampling.set(false);
        sampler.join();
        Map<String, String> figures = new HashMap<>();
        for (String line : Files.readAllLines(stats)) {
            String[] kv = line.split(" ");
            figures.put(kv[0], kv[1]);
        }
        long rows = Long.parseLong(figures.get("rows"));
        step("app: " + figures + "; largest WAL " + (maxWal.get() >> 20) + " MiB ("
                + figures.get("commits") + " commits of " + rowBytes + " bytes, "
                + ((Long.parseLong(figures.get("commits")) * rowBytes) >> 20) + " MiB written)");
        long latest = WalshipProcess.waitForQuiet(replica, quiet(), Duration.ofSeconds(120), d);
        d.stopCleanly();
        assertEquals(base + rows, latest, "one txid per commit after the table's creation at txid " + base);
        assertTrue(maxWal.get() <= bound, "the WAL reached " + maxWal.get() + " bytes; bound " + bound);

        // Exactly the committed rows at every txid checked: the first and last, and random ones in between.
        TreeSet<Long> txids = new TreeSet<>(List.of(base, base + 1, latest - 1, latest));
        Random random = new Random(7);
        while (txids.size() < checked) {
            txids.add(base + 1 + (long) (random.nextDouble() * (rows - 1)));
        }
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        // Two restores at a time (the machine's two cores): each reads a database of about 100 MB.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (FileReplicaStorage storage = new FileReplicaStorage(replica)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (long txid : txids) {
                done.add(pool.submit(() -> {
                    Path out = tmp.resolve("restores").resolve(txid + ".db");
                    Files.createDirectories(out.getParent());
                    new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out)
                            .withTarget(new RestoreTarget.AtTxid(txid)).withVerify(false));
                    String problem = check(out, txid - base, rowBytes);
                    if (problem != null) {
                        wrong.add("txid " + txid + ": " + problem);
                    }
                    Files.delete(out);
                    return null;
                }));
            }
            for (var f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        step("restored and checked " + txids.size() + " txids of " + base + ".." + latest);
    }

    /** Null when the database holds exactly rows 1..k with the app's payloads and passes integrity_check. */
    private static String check(Path out, long k, int rowBytes) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                if (!"ok".equals(rs.getString(1))) {
                    return "integrity_check: " + rs.getString(1);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0),"
                    + " coalesce(sum(length(p)), 0) FROM t")) {
                rs.next();
                long count = rs.getLong(1);
                if (count != k || (k > 0 && (rs.getLong(2) != 1 || rs.getLong(3) != k)) || rs.getLong(4) != k * rowBytes) {
                    return "expected rows 1.." + k + ", found " + count + " rows " + rs.getLong(2) + ".." + rs.getLong(3)
                            + " with " + rs.getLong(4) + " payload bytes";
                }
            }
            // Every row's payload is the one the app wrote for its id.
            try (ResultSet rs = s.executeQuery("SELECT id, p FROM t")) {
                while (rs.next()) {
                    String expected = (rs.getLong(1) + "-").repeat(rowBytes / 2 + 1).substring(0, rowBytes);
                    if (!expected.equals(new String(rs.getBytes(2), java.nio.charset.StandardCharsets.US_ASCII))) {
                        return "row " + rs.getLong(1) + " holds another payload";
                    }
                }
            }
        }
        return null;
    }

    private static Path script() throws URISyntaxException {
        return Path.of(BoundedWalTest.class.getResource("/fast_writer.py").toURI());
    }
}
