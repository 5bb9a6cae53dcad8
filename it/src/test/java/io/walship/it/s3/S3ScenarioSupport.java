package io.walship.it.s3;

import io.walship.it.Digest;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.RestoreCheck;
import io.walship.it.Scenario;
import io.walship.it.WalshipProcess;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scenarios against S3Proxy: {@link Scenario}'s temp folder with a fresh bucket per test, the daemon started on
 * it with the S3 credentials, and the bucket's listing in the diagnostics.
 */
abstract class S3ScenarioSupport extends Scenario {
    /** The replica's path inside the bucket. */
    static final String PREFIX = "prod/app.db";

    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    String bucket;

    @Override
    protected String setUpReplica() {
        bucket = S3.bucket();
        return ", bucket " + bucket + " at " + S3.endpoint();
    }

    /** The replica URL straight to S3Proxy. */
    String url(String... extraQuery) {
        return S3.url(bucket, PREFIX, extraQuery);
    }

    S3ReplicaView view() {
        return new S3ReplicaView(S3.client(), bucket, PREFIX);
    }

    WalshipProcess startJarDaemon(String url, List<String> jvmOptions, String... extra) {
        return reap(WalshipProcess.start(db, url, S3ProxyServer.env(), jvmOptions, daemonLog, extra));
    }

    S3RestoreCheck restoreCheck() {
        return new S3RestoreCheck(view(), url(), S3ProxyServer.env(), digestFile(), tmp.resolve("restores")).diagnostics(this::diagnostics);
    }

    /** The bucket's listing. */
    @Override
    protected String replicaDiagnostics() {
        try {
            return "replica: " + view().summary() + "\n";
        } catch (RuntimeException e) {
            return "replica: cannot list: " + e + "\n";
        }
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
                    Restored r = RestoreCheck.restoreInProcess(storage, latest, work.resolve("sync-probe.db"));
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
}
