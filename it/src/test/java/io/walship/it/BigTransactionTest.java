package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One transaction writes 110 MiB of incompressible blobs (more than the daemon's heap), among small ones. */
class BigTransactionTest extends ScenarioSupport {

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void transactionOver100MB() throws Exception {
        WalshipProcess d = startDaemon();
        Writer w = writer("writer").seed(21).txs(60).sleep(0.01).at(45, "bigtx:110").start();
        Map<String, String> stats = w.awaitSuccess(Duration.ofSeconds(120));
        step("writer done: " + stats);
        assertTrue(Writer.stat(stats, "page_count") * Writer.stat(stats, "page_size") > 110L * 1024 * 1024,
                "the source database should hold the 110 MiB: " + stats);
        awaitSynced(d, Duration.ofSeconds(150));
        d.stopCleanly();
        reportWarnings();
        RestoreCheck.Report report = restoreCheck().run();
        RestoreCheck.Restored latest = report.latest();
        assertTrue(latest.fileSize() > 110L * 1024 * 1024, "the latest restore should hold the big transaction: " + latest);
    }
}
