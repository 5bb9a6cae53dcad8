package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walship.it.Logs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * walship starts while S3 answers every request with 500, 503 or 429 (an overloaded or failing service, not a network
 * failure). Like an endpoint that cannot be reached at start (issue 8, section 5), this must not stop walship: it
 * captures into its spool, says at WARN that no replica answers, and ships everything once S3 answers again.
 *
 * <p>ChaosTest found it: walship restarted during a burst of errors exited 7 ("list failed: HTTP 500 InternalError")
 * because the storage classified 5xx answers as {@code OTHER}, which the start-up check treats as a configuration
 * mistake; it now classifies 5xx and 429 as {@code UNREACHABLE}.
 */
class S3ErrorsAtStartTest extends S3ScenarioSupport {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void walshipStartedWhileS3AnswersOnlyErrorsStaysUpAndShipsOnceS3Recovers() throws Exception {
        FaultProxy proxy = reap(FaultProxy.start(S3.port(), 7));
        proxy.errors(1.0);
        writer("before").seed(1).txs(20).sleep(0).maxOps(4).start().awaitSuccess(Duration.ofSeconds(60));
        JarDaemon d = startJarDaemon(S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX), List.of("-Xmx256m"));
        awaitLog(d, "no replica can be reached");
        // Capture starts without the replica's position once it waited 10 s for it; from then on the app's
        // transactions go into the spool one by one.
        awaitLog(d, "starting without it");
        writer("during").seed(2).txs(60).sleep(0.005).maxOps(4).start().awaitSuccess(Duration.ofSeconds(60));
        d.assertAlive();
        step("S3 answered only errors: " + proxy.stats() + "; now it recovers");
        proxy.passThrough();
        awaitSynced(Duration.ofSeconds(90), d::assertAlive);
        assertEquals(0, d.stop(), "SIGTERM exits 0\n" + Logs.tail(daemonLog, 40));
        S3RestoreCheck.Report report = restoreCheck().viaJar(1).run();
        assertEquals(61, report.latest(), "a snapshot of the app's first 20 transactions, then each of the 60 it committed"
                + " while S3 answered only errors as its own txid: " + view().summary());
    }

    /** Waits until the daemon logs a line containing {@code text}; fails with its exit code and log if it exits. */
    private void awaitLog(JarDaemon d, String text) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (d.ownLogLines().stream().noneMatch(l -> l.contains(text))) {
            d.assertAlive();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("walship neither logged '" + text + "' nor exited within 90 s\n" + Logs.tail(daemonLog, 40));
            }
            sleep(100);
        }
    }
}
