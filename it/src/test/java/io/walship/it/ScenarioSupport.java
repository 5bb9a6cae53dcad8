package io.walship.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Common ground for the scenarios: a temp folder (kept when a test fails) holding the application's database in
 * {@code app/}, the replica in {@code replica/}, logs and digests in {@code work/}; child processes that are always
 * reaped; and the log tails a failure message needs.
 */
abstract class ScenarioSupport {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    Path appDir;
    Path db;
    Path replica;
    Path work;
    Path daemonLog;
    private final List<AutoCloseable> children = new ArrayList<>();
    private final List<Path> writerLogs = new ArrayList<>();
    private long t0;
    private String testName;

    @RegisterExtension
    final TestWatcher watcher = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.err.println("==== " + testName + " FAILED; its files are kept in " + tmp);
            System.err.println(diagnostics());
        }
    };

    @BeforeEach
    void setUpScenario(TestInfo info) throws IOException {
        testName = info.getTestClass().map(Class::getSimpleName).orElse("?") + "." + info.getDisplayName();
        appDir = Files.createDirectories(tmp.resolve("app"));
        db = appDir.resolve("app.db");
        replica = tmp.resolve("replica");
        work = Files.createDirectories(tmp.resolve("work"));
        daemonLog = work.resolve("daemon.log");
        t0 = System.nanoTime();
        step("start in " + tmp);
    }

    @AfterEach
    void reapChildren() {
        for (AutoCloseable c : children) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        step("done");
    }

    /** Prints a timestamped progress line to the test output. */
    void step(String what) {
        System.out.printf("[%s +%6.1fs] %s%n", testName, (System.nanoTime() - t0) / 1e9, what);
    }

    /** Closed after the test, with the scenario's other child processes. */
    <T extends AutoCloseable> T reap(T child) {
        children.add(child);
        return child;
    }

    WalshipProcess startDaemon(String... extra) {
        WalshipProcess d = WalshipProcess.start(db, replica, daemonLog, extra);
        children.add(d);
        return d;
    }

    /** Starts the daemon with the replica given as a file:// URL. */
    WalshipProcess startDaemonWithUrl(String... extra) {
        WalshipProcess d = WalshipProcess.start(db, "file://" + replica.toAbsolutePath(), daemonLog, extra);
        children.add(d);
        return d;
    }

    Writer writer(String name) {
        Writer w = Writer.python(db, work, name);
        children.add(w);
        writerLogs.add(w.log());
        return w;
    }

    SqliteCliWriter cliWriter(int txs) {
        SqliteCliWriter w = new SqliteCliWriter(db, work, txs);
        writerLogs.add(w.log());
        return w;
    }

    Path digestFile() {
        return work.resolve("digests.txt");
    }

    RestoreCheck restoreCheck() {
        return RestoreCheck.of(replica, digestFile(), tmp.resolve("restores")).diagnostics(this::diagnostics);
    }

    /** Log tails of the daemon and the writers, and what is in the replica and the app folder. */
    String diagnostics() {
        StringBuilder b = new StringBuilder("\n==== diagnostics (files in " + tmp + ")\n");
        b.append(Logs.tail(daemonLog, 80));
        for (Path w : writerLogs) {
            b.append(Logs.tail(w, 15));
        }
        b.append("replica keys: ");
        List<ReplicaDir.Key> keys = ReplicaDir.keys(replica);
        b.append(keys.size()).append(" objects, latest txid ").append(ReplicaDir.latestTxid(replica)).append(", snapshots at ")
                .append(ReplicaDir.snapshotTxids(replica)).append('\n');
        b.append("app folder: ");
        try (Stream<Path> s = Files.walk(appDir)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                try {
                    b.append(appDir.relativize(p)).append('=').append(Files.size(p)).append("B ");
                } catch (IOException e) {
                    b.append(appDir.relativize(p)).append("=? ");
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // A file deleted while the walk ran (the stream reports it unchecked).
            b.append(e);
        }
        return b.append('\n').toString();
    }

    /** How long the replica's latest txid must stay unchanged before we call the daemon idle. */
    static Duration quiet() {
        return Duration.ofMillis(1500);
    }

    /**
     * Waits until the running daemon has replicated the writer's final transaction: the replica settles, and its
     * latest txid restores the final i and digest of the digest file. Returns that txid.
     */
    long awaitSynced(WalshipProcess daemon, Duration timeout) throws IOException {
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        Map.Entry<Long, String> fin = digests.lastEntry();
        long deadline = System.nanoTime() + timeout.toNanos();
        long tried = -1;
        String lastSeen = "nothing";
        while (true) {
            long remaining = Math.max(1, deadline - System.nanoTime());
            long latest = WalshipProcess.waitForQuiet(replica, quiet(), Duration.ofNanos(remaining).plusSeconds(5), daemon);
            if (latest != tried) {
                tried = latest;
                RestoreCheck.Restored r = RestoreCheck.restoreOne(replica, latest, work.resolve("sync-probe-" + latest + ".db"));
                if (r.error() == null && r.i() == fin.getKey() && fin.getValue().equals(r.digest())) {
                    step("daemon synced: latest txid " + latest + " holds the writer's final i=" + fin.getKey());
                    return latest;
                }
                if (r.error() != null) {
                    throw new AssertionError("restoring the replica's latest txid " + latest + " failed while waiting for the daemon"
                            + " to replicate the writer's final i=" + fin.getKey() + ": " + r.error() + "\n" + diagnostics());
                }
                if (!"ok".equals(r.integrity()) || !r.digest().equals(digests.get(r.i()))) {
                    throw new AssertionError("the replica's latest txid " + latest + " restores progress i=" + r.i()
                            + " with digest " + RestoreCheck.shortDigest(r.digest()) + " and integrity_check '" + r.integrity()
                            + "', but the writer's digest for i=" + r.i() + " is " + RestoreCheck.shortDigest(digests.get(r.i()))
                            + RestoreCheck.matchingI(r.digest(), digests) + "\n" + diagnostics());
                }
                lastSeen = "i=" + r.i() + " (a correct but older state)";
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the daemon did not replicate the writer's final transaction i=" + fin.getKey()
                        + " within " + timeout + ": latest txid " + tried + " restores " + lastSeen + "\n" + diagnostics());
            }
            if (daemon != null) {
                daemon.assertAlive();
            }
            WalshipProcess.sleep(200);
        }
    }

    /** Summary of the WARN snapshot lines in the daemon log, for the report. */
    void reportWarnings() {
        List<String> warns = Logs.warnSnapshotLines(daemonLog);
        step(warns.size() + " WARN snapshot line(s) in the daemon log" + (warns.isEmpty() ? "" : "; first: " + Logs.clip(warns.get(0), 300)));
    }
}
