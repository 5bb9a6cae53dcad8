package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Logs;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bucket is unreachable for over a minute (every connection reset) while the app keeps writing and the real jar
 * keeps capturing. The app is never blocked; when S3 is back the daemon catches up on its own; the replica's txids
 * chain with no overlap and no gap; restores are exact. This is the suite's one long test.
 */
class S3OutageTest extends S3ScenarioSupport {
    static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("walship.it.s3.outageSeconds", 61));

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void aMinuteLongOutageLosesNothingDuplicatesNothingAndNeverBlocksTheApp() throws Exception {
        FaultProxy proxy = reap(FaultProxy.start(S3.port(), 11));
        String viaProxy = S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX);
        Writer w = writer("writer").seed(51).txs(1_000_000).sleep(0.02).maxOps(6).checkpointBusyTimeoutMs(300)
                .every(150, "checkpoint:TRUNCATE").untilStopped().start();
        WalshipProcess d = startJarDaemon(viaProxy, List.of("-Xmx256m"));
        long before = waitForTxid(20, Duration.ofSeconds(30), d::assertAlive);
        step("replicating: replica at txid " + before + ", writer at i=" + writerI());

        proxy.outage(true);
        long outageStart = System.nanoTime();
        long iAtStart = writerI();
        step("outage begins at writer i=" + iAtStart + ", replica txid " + view().latestTxid());
        List<String> windows = new ArrayList<>();
        long lastI = iAtStart;
        long lastProgress = System.nanoTime();
        long longestStallMs = 0;
        long nextWindow = outageStart + Duration.ofSeconds(5).toNanos();
        long windowStartI = iAtStart;
        while (System.nanoTime() - outageStart < OUTAGE.toNanos()) {
            sleep(250);
            d.assertAlive();
            assertTrue(w.isAlive(), "the writer died during the outage\n" + Logs.tail(w.log(), 20));
            long i = writerI();
            long now = System.nanoTime();
            if (i > lastI) {
                lastI = i;
                lastProgress = now;
            }
            longestStallMs = Math.max(longestStallMs, (now - lastProgress) / 1_000_000);
            if (now >= nextWindow) {
                windows.add(Long.toString(i - windowStartI));
                assertTrue(i > windowStartI, "the app committed nothing for 5 s during the outage (stuck at i=" + i + ")\n"
                        + Logs.tail(w.log(), 20) + Logs.tail(daemonLog, 30));
                windowStartI = i;
                nextWindow += Duration.ofSeconds(5).toNanos();
            }
        }
        long iAtEnd = writerI();
        long replicaDuring = view().latestTxid();
        proxy.outage(false);
        step("outage over after " + OUTAGE.toSeconds() + " s: the app committed " + (iAtEnd - iAtStart) + " transactions during it "
                + "(per 5 s: " + windows + ", longest stall " + longestStallMs + " ms); replica still at txid " + replicaDuring + "; "
                + proxy.stats());
        assertTrue(longestStallMs < 3000, "the app's commits never stalled for 3 s: longest " + longestStallMs + " ms");
        assertTrue(iAtEnd - iAtStart >= OUTAGE.toSeconds() * 10, "the app kept its pace: " + (iAtEnd - iAtStart) + " transactions");

        sleep(1000);
        w.requestStop();
        step("writer done: " + w.awaitSuccess(Duration.ofSeconds(30)));
        long synced = awaitSynced(Duration.ofSeconds(75), d::assertAlive);
        step("caught up " + String.format("%.1f", (System.nanoTime() - outageStart - OUTAGE.toNanos()) / 1e9)
                + " s after the outage: replica at txid " + synced + "; " + view().summary());
        assertEquals(0, d.stop(), "SIGTERM exits 0\n" + Logs.tail(daemonLog, 40));

        List<String> log = d.ownLogLines();
        assertTrue(log.stream().anyMatch(l -> l.contains("WARN") && l.contains("failed")), "the daemon said uploads failed\n"
                + Logs.tail(daemonLog, 40));
        assertTrue(log.stream().anyMatch(l -> l.contains("reachable again")), "the daemon said the replica is back\n"
                + Logs.tail(daemonLog, 60));
        assertTrue(log.stream().noneMatch(l -> l.contains(S3ProxyServer.SECRET_KEY)));
        List<String> chain = S3ReplicaView.continuityProblems(view().objects());
        assertEquals(List.of(), chain, "the replica's txids chain without overlap or gap: " + view().summary());
        assertEquals(1, view().snapshotTxids().size(), "no extra snapshot was needed: " + view().summary());
        restoreCheck().viaJar(0).namedViaJar(false).run();
    }

    private long writerI() {
        List<String> lines = Logs.lines(digestFile());
        return lines.isEmpty() ? 0 : lines.size() - 1;
    }
}
