package io.walship.it.s3;

import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.Writer;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Common ground of the S3 scenarios: S3Proxy with a fresh bucket per test, the app's database in {@code app/}, logs
 * and digests in {@code work/} of a temp folder kept when a test fails, child processes that are always reaped, and
 * the diagnostics a failure message needs.
 */
abstract class S3ScenarioSupport {
    /** The replica's path inside the bucket. */
    static final String PREFIX = "prod/app.db";

    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    Path db;
    Path work;
    Path daemonLog;
    String bucket;
    private final List<AutoCloseable> children = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
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
    void setUpS3Scenario(TestInfo info) throws IOException {
        testName = info.getTestClass().map(Class::getSimpleName).orElse("?") + "." + info.getDisplayName();
        db = Files.createDirectories(tmp.resolve("app")).resolve("app.db");
        work = Files.createDirectories(tmp.resolve("work"));
        daemonLog = work.resolve("daemon.log");
        logs.add(daemonLog);
        bucket = S3.bucket();
        t0 = System.nanoTime();
        step("start in " + tmp + ", bucket " + bucket + " at " + S3.endpoint());
    }

    @AfterEach
    void reapS3Children() {
        for (AutoCloseable c : children) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        step("done");
    }

    /** Closed after the test, in order. */
    <T extends AutoCloseable> T reap(T child) {
        children.add(child);
        return child;
    }

    void step(String what) {
        System.out.printf("[%s +%6.1fs] %s%n", testName, (System.nanoTime() - t0) / 1e9, what);
    }

    double elapsed() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The replica URL straight to S3Proxy. */
    String url(String... extraQuery) {
        return S3.url(bucket, PREFIX, extraQuery);
    }

    S3ReplicaView view() {
        return new S3ReplicaView(S3.client(), bucket, PREFIX);
    }

    Writer writer(String name) {
        Writer w = Writer.python(db, work, name);
        children.add(w);
        logs.add(w.log());
        return w;
    }

    Path digestFile() {
        return work.resolve("digests.txt");
    }

    JarDaemon startJarDaemon(String url, List<String> jvmOptions, String... extra) {
        return reap(JarDaemon.start(db, url, S3ProxyServer.env(), jvmOptions, daemonLog, extra));
    }

    S3RestoreCheck restoreCheck() {
        return new S3RestoreCheck(view(), url(), S3ProxyServer.env(), digestFile(), tmp.resolve("restores")).diagnostics(this::diagnostics);
    }

    String diagnostics() {
        StringBuilder b = new StringBuilder("\n==== diagnostics (files in " + tmp + ")\n");
        for (Path p : logs) {
            b.append(Logs.tail(p, p.equals(daemonLog) ? 80 : 15));
        }
        try {
            b.append("replica: ").append(view().summary()).append('\n');
        } catch (RuntimeException e) {
            b.append("replica: cannot list: ").append(e).append('\n');
        }
        return b.toString();
    }

    /** The replica's latest txid, polled through the raw SDK until it reaches {@code n}. */
    long waitForTxid(long n, Duration timeout, Runnable alive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long latest = view().latestTxid();
            if (latest >= n) {
                return latest;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the replica did not reach txid " + n + " within " + timeout + " (latest " + latest + ")"
                        + diagnostics());
            }
            alive.run();
            sleep(100);
        }
    }

    /**
     * Waits until the replica's latest txid restores the writer's final i and digest; returns that txid. {@code alive}
     * fails the test when the daemon died.
     */
    long awaitSynced(Duration timeout, Runnable alive) throws IOException {
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        Map.Entry<Long, String> fin = digests.lastEntry();
        long deadline = System.nanoTime() + timeout.toNanos();
        long tried = -1;
        String seen = "nothing";
        try (ReplicaStorage storage = S3Urls.open(url(), S3ProxyServer.env())) {
            while (true) {
                long latest = view().latestTxid();
                if (latest > 0 && latest != tried) {
                    tried = latest;
                    Restored r = S3RestoreCheck.restoreInProcess(storage, latest, work.resolve("sync-probe.db"));
                    if (r.error() == null && r.i() == fin.getKey() && fin.getValue().equals(r.digest())) {
                        step("synced: latest txid " + latest + " holds the writer's final i=" + fin.getKey());
                        return latest;
                    }
                    if (r.error() == null && !r.digest().equals(digests.get(r.i()))) {
                        throw new AssertionError("latest txid " + latest + " restores i=" + r.i() + " with the wrong content" + diagnostics());
                    }
                    seen = r.error() != null ? r.error() : "i=" + r.i();
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the replica did not reach the writer's final i=" + fin.getKey() + " within " + timeout
                            + ": latest txid " + tried + " restores " + seen + diagnostics());
                }
                alive.run();
                sleep(200);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
