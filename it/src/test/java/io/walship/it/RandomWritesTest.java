package io.walship.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Random inserts, updates and deletes by the Python writer; the daemon starts while the app is already writing. */
class RandomWritesTest extends ScenarioSupport {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void randomWritesRestoreAtEveryTxid() throws Exception {
        Writer w = writer("writer").seed(11).txs(400).sleep(0.005).maxOps(8).start();
        // Let the app get going first: the daemon meets a live database with a WAL in use.
        while (Logs.lines(digestFile()).size() < 30 && w.isAlive()) {
            WalshipProcess.sleep(20);
        }
        WalshipProcess d = startDaemon();
        step("daemon started at writer i=" + (Logs.lines(digestFile()).size() - 1));
        w.awaitSuccess(Duration.ofSeconds(60));
        step("writer done: " + w.stats());
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        reportWarnings();
        restoreCheck().run();
    }
}
