package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Logs;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * End to end with the real jar, whatever the replica: a Python app writes its database in another process while
 * walship replicates it, then the replica is restored at the latest txid and at least 20 random txids and each result
 * is compared with the app's own digest for that transaction.
 */
class EndToEndTest extends ReplicaScenario {

    /** Credentials (for a bucket) from the environment, the replica under a path inside the bucket. */
    @OnEachReplica
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theJarReplicatesAWritingAppAndEveryRestoreIsExact(ReplicaUnderTest under) throws Exception {
        use(under);
        Writer w = writer("writer").seed(31).txs(400).sleep(0.004).maxOps(8).checkpointBusyTimeoutMs(300)
                .every(90, "checkpoint:TRUNCATE").at(200, "close-reopen").start();
        // The daemon meets a live database with a WAL in use.
        while (Logs.lines(digestFile()).size() < 30 && w.isAlive()) {
            sleep(20);
        }
        WalshipProcess d = startDaemon(List.of("-Xmx256m"));
        step("daemon started at writer i=" + (Logs.lines(digestFile()).size() - 1));
        waitForTxid(1, Duration.ofSeconds(30), d::assertAlive);
        step("writer done: " + w.awaitSuccess(Duration.ofSeconds(60)));
        awaitSynced(Duration.ofSeconds(30), d::assertAlive);
        assertEquals(0, d.stop(), "SIGTERM exits 0\n" + Logs.tail(daemonLog, 40));
        String log = String.join("\n", d.ownLogLines());
        assertFalse(log.contains(S3ProxyServer.SECRET_KEY), "the secret key must never be logged");
        if (under != ReplicaUnderTest.FOLDER) {
            assertTrue(log.contains("create-only"), "the daemon says it writes create-only\n" + Logs.tail(daemonLog, 40));
        }
        step("replica: " + replica.summary());
        checkRestores();
    }
}
