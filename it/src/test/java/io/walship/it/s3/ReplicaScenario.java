package io.walship.it.s3;

import io.walship.it.Digest;
import io.walship.it.RestoreCheck;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.Scenario;
import io.walship.it.Walship;
import io.walship.it.WalshipProcess;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scenarios that run against any replica: {@link Scenario}'s temp folder and a {@link ScenarioReplica}, the
 * daemon started on its URL with its environment, and waits and restores through that URL only. A parameterised
 * scenario takes a {@link ReplicaUnderTest} and calls {@link #use} first; {@link S3ScenarioSupport} fixes S3Proxy.
 */
abstract class ReplicaScenario extends Scenario {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    ScenarioReplica replica;

    @Override
    protected String setUpReplica() {
        return "";
    }

    /** Sets up a fresh replica of the kind under test; skips the scenario where that kind cannot run here. */
    void use(ReplicaUnderTest under) {
        Assumptions.assumeTrue(under.available(), under + " needs a Docker engine");
        replica = under.create(tmp, S3);
        step("replica under test: " + under + " (" + replica.url() + ")");
    }

    /** Starts the jar daemon on the replica's URL with its environment and exactly {@code jvmOptions}. */
    WalshipProcess startDaemon(List<String> jvmOptions, String... extra) {
        return reap(WalshipProcess.start(db, replica.url(), replica.env(), jvmOptions, daemonLog, extra));
    }

    /** {@code walship restore -o OUT [--force] URL}: the latest state, with the replica's environment. */
    Walship.Result restoreLatest(Path out, boolean force) {
        return Walship.run(replica.env(), Walship.SHORT_LIVED, Duration.ofSeconds(120),
                Walship.restoreArgs(replica.url(), out, null, null, force, false));
    }

    /** The restore oracle on everything the writer committed; returns the writer's final state. */
    Digest.State checkRestores() throws Exception {
        return replica.checkRestores(digestFile(), tmp.resolve("restores"), this::diagnostics);
    }

    @Override
    protected String replicaDiagnostics() {
        if (replica == null) {
            return "";
        }
        try {
            return "replica: " + replica.summary() + "\n";
        } catch (RuntimeException e) {
            return "replica: cannot list: " + e + "\n";
        }
    }

    /** The replica's latest txid, polled until it reaches {@code n}. */
    long waitForTxid(long n, Duration timeout, Runnable alive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long latest = replica.latestTxid();
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
        try (ReplicaStorage storage = S3Urls.open(replica.url(), replica.env())) {
            while (true) {
                long latest = replica.latestTxid();
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
