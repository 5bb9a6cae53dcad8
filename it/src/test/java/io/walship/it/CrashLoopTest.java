package io.walship.it;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon is SIGKILLed at random moments (0.2-2 s after each start) at least 20 times while the application
 * writes continuously, and restarted each time. Nothing may be lost or corrupted in the replica.
 */
class CrashLoopTest extends ScenarioSupport {
    static final int CYCLES = Integer.getInteger("walship.it.crashCycles", 20);

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void kill9LoopWhileTheAppWrites() throws Exception {
        long seed = Long.getLong("walship.it.seed", System.nanoTime());
        step("crash loop seed " + seed + " (rerun with -Dwalship.it.seed=" + seed + ")");
        Random rnd = new Random(seed);
        // The app also closes and reopens its connection (SQLite deletes the WAL at the last close when it can) and
        // truncates the WAL now and then, so some restarts find the WAL gone or restarted.
        Writer w = writer("writer").seed(61).txs(1_000_000).sleep(0.003).maxOps(6).untilStopped()
                .every(100, "close-reopen").every(250, "checkpoint:TRUNCATE").checkpointBusyTimeoutMs(200).start();
        while (Logs.lines(digestFile()).size() < 10 && w.isAlive()) {
            WalshipProcess.sleep(20);
        }
        WalshipProcess d = startDaemon();
        for (int cycle = 1; cycle <= CYCLES; cycle++) {
            long uptimeMs = 200 + rnd.nextInt(1800);
            while (d.uptime().toMillis() < uptimeMs) {
                d.assertAlive();
                if (!w.isAlive()) {
                    w.awaitSuccess(Duration.ofSeconds(1));
                    throw new AssertionError("the writer stopped during the crash loop\n" + diagnostics());
                }
                WalshipProcess.sleep(10);
            }
            d.kill9();
            step("cycle " + cycle + ": killed the daemon after " + uptimeMs + " ms; writer at i="
                    + (Logs.lines(digestFile()).size() - 1) + ", replica latest txid " + ReplicaDir.latestTxid(replica));
            d = startDaemon();
        }
        WalshipProcess.sleep(1000);
        w.requestStop();
        Map<String, String> stats = w.awaitSuccess(Duration.ofSeconds(30));
        step("writer stopped: " + stats);
        awaitSynced(d, Duration.ofSeconds(60));
        d.stopCleanly();
        reportWarnings();
        restoreCheck().seed(seed).run();
    }
}
