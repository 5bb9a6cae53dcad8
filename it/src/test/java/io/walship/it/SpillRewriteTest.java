package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pages overwritten in place during a commit. With a 10-page cache, each of the app's 1,000 transactions spills pages
 * into the WAL and rewrites them, so SQLite overwrites the transaction's own frames in place and recomputes the
 * checksums after them while it commits. The app and walship share one CPU ({@code taskset}), which makes walship's
 * scans land inside those rewrites as often as the scheduler allows. walship reads only frames up to the wal-index's
 * committed count, which SQLite publishes after the rewrite is final, so no stale page image may reach any txid.
 */
class SpillRewriteTest extends ScenarioSupport {
    static final int TRANSACTIONS = Integer.getInteger("walship.it.spillRewrites", 1000);

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void transactionsThatRewriteTheirOwnSpilledFramesAreCapturedWhole() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")), "taskset is not installed");
        writer("setup").seed(31).txs(150).sleep(0).maxOps(12).start().awaitSuccess(Duration.ofSeconds(60));
        WalshipProcess d = startDaemon();
        Process pin = new ProcessBuilder("taskset", "-a", "-p", "-c", "0", Long.toString(d.pid())).redirectErrorStream(true).start();
        assertEquals(0, pin.waitFor(), "taskset -p on the daemon: " + new String(pin.getInputStream().readAllBytes()));
        Writer w = writer("spill").seed(32).txs(TRANSACTIONS).sleep(0).maxOps(3).every(1, "spill-rewrite")
                .wrappedBy("taskset", "-c", "0").start();
        w.awaitSuccess(Duration.ofSeconds(300));
        awaitSynced(d, Duration.ofSeconds(60));
        d.stopCleanly();
        RestoreCheck.Report report = restoreCheck().randomTxids(100).run();
        step("restored and checked " + report.byTxid().size() + " txids of " + report.listing().latestTxid());
        assertEquals(1, report.listing().snapshots().size(), "no continuity break: " + report.listing().snapshots());
    }
}
