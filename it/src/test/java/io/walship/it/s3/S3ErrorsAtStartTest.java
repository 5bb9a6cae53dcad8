package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Logs;
import io.walship.it.Ports;
import io.walship.it.WalshipProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * walship starts while S3 answers every request with 500, 503 or 429 (an overloaded or failing service, not a network
 * failure). Like an endpoint that cannot be reached at start (issue 8, section 5), this must not stop walship: it
 * captures into its spool, says at WARN that no replica answers, answers 503 "not reached yet" on {@code /readyz} with
 * {@code walship_ready 0}, and ships everything once S3 answers again (then 200 and 1).
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
        int port = Ports.freePort();
        Path config = Files.writeString(work.resolve("walship.yml"), "addr: \"127.0.0.1:" + port + "\"\ndbs:\n"
                + "  - path: " + db.toAbsolutePath() + "\n    replicas:\n"
                + "      - url: " + S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX) + "\n"
                + "        sync-interval: " + WalshipProcess.SYNC_INTERVAL + "\n");
        WalshipProcess d = reap(WalshipProcess.startWithConfig(config, S3ProxyServer.env(), List.of("-Xmx256m"), daemonLog));
        awaitLog(d, "no replica can be reached");
        String base = "http://127.0.0.1:" + port;
        // Capture starts without the replica's position once it waited 10 s for it; from then on the app's
        // transactions go into the spool one by one.
        awaitLog(d, "starting without it");
        writer("during").seed(2).txs(60).sleep(0.005).maxOps(4).start().awaitSuccess(Duration.ofSeconds(60));
        d.assertAlive();
        // Up but not ready: the probe and the metric say why, so an orchestrator holds traffic and an alert fires.
        HttpResponse<String> ready = get(base + "/readyz");
        assertEquals(503, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("not reached yet"), "/readyz names the unreached replica: " + ready.body());
        assertEquals(0, readyMetric(base), "walship_ready while no replica was reached");
        step("S3 answered only errors: " + proxy.stats() + "; now it recovers");
        proxy.passThrough();
        awaitSynced(Duration.ofSeconds(90), d::assertAlive);
        for (long until = System.nanoTime() + Duration.ofSeconds(30).toNanos(); get(base + "/readyz").statusCode() != 200; ) {
            assertTrue(System.nanoTime() < until, "/readyz still 503 30 s after the replica caught up: " + get(base + "/readyz").body());
            sleep(100);
        }
        assertEquals(1, readyMetric(base), "walship_ready once the replica answers and caught up");
        assertEquals(0, d.stop(), "SIGTERM exits 0\n" + Logs.tail(daemonLog, 40));
        S3RestoreCheck.Report report = restoreCheck().viaJar(1).run();
        assertEquals(61, report.latest(), "a snapshot of the app's first 20 transactions, then each of the 60 it committed"
                + " while S3 answered only errors as its own txid: " + view().summary());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the {@code walship_ready} gauge on {@code /metrics}. */
    private static double readyMetric(String base) throws IOException, InterruptedException {
        String body = get(base + "/metrics").body();
        Matcher m = Pattern.compile("(?m)^walship_ready(?:\\{\\})? (\\S+)$").matcher(body);
        assertTrue(m.find(), "/metrics has walship_ready:\n" + body);
        return Double.parseDouble(m.group(1));
    }


    /** Waits until the daemon logs a line containing {@code text}; fails with its exit code and log if it exits. */
    private void awaitLog(WalshipProcess d, String text) {
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
