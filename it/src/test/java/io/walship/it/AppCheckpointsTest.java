package io.walship.it;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The application runs wal_checkpoint(TRUNCATE), (RESTART) and (PASSIVE) itself while the daemon replicates. */
class AppCheckpointsTest extends ScenarioSupport {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void appCheckpointsTruncateAndRestart() throws Exception {
        WalshipProcess d = startDaemon();
        Writer w = writer("writer").seed(41).txs(300).sleep(0.005)
                .every(40, "checkpoint:TRUNCATE").every(55, "checkpoint:RESTART").at(150, "checkpoint:PASSIVE")
                .checkpointBusyTimeoutMs(1000).start();
        Map<String, String> stats = w.awaitSuccess(Duration.ofSeconds(90));
        step("writer done: " + stats + " (checkpoints_busy counts checkpoints the app could not complete in 1 s)");
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        reportWarnings();
        restoreCheck().run();
    }
}
