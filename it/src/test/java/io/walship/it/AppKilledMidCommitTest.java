package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The app (Python's sqlite3, synchronous=FULL) is killed by {@code strace}'s fault injection at an exact
 * {@code fdatasync}: usually the one that syncs a commit's frames into the WAL, before SQLite publishes the commit in
 * the wal-index. The frames are checksum-valid but were never committed; while walship keeps the wal-index alive,
 * SQLite ignores them and the app's next run overwrites them with other content (each run uses another seed). No
 * restored txid may hold such a phantom, and no transaction after it may be lost. Skipped where strace is missing.
 */
class AppKilledMidCommitTest extends ScenarioSupport {
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void appKilledBetweenItsWalWriteAndItsWalIndexUpdate() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed");
        long seed = Long.getLong("walship.it.seed", System.nanoTime());
        step("seed " + seed + " (rerun with -Dwalship.it.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Writer first = writer("setup").seed(1).txs(20).sleep(0.001).start();
        first.awaitSuccess(Duration.ofSeconds(30));
        WalshipProcess d = startDaemon();
        for (int run = 1; run <= 4; run++) {
            int when = 15 + rnd.nextInt(40);
            Writer w = writer("killed-" + run).seed(1000 + run).txs(1_000_000).sleep(0.004).maxOps(5)
                    .wrappedBy("strace", "-f", "-qq", "-o", "/dev/null", "-e", "inject=fdatasync:signal=SIGKILL:when=" + when)
                    .start();
            int code = w.awaitExit(Duration.ofSeconds(60));
            step("writer run " + run + " killed at its fdatasync #" + when + " (exit " + code + "), writer at i="
                    + (Logs.lines(digestFile()).size() - 1));
            assertEquals(128 + 9, code, "the writer must die by SIGKILL at the injected fdatasync\n" + Logs.tail(w.log(), 20));
            // Let walship poll the WAL with the dead app's frames in it before the next run overwrites them.
            WalshipProcess.sleep(300);
            d.assertAlive();
        }
        writer("final").seed(99).txs(30).sleep(0.002).maxOps(5).start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(d, Duration.ofSeconds(60));
        d.stopCleanly();
        reportWarnings();
        RestoreCheck.Report report = restoreCheck().seed(seed).randomTxids(100_000).run();
        step("restored and checked " + report.byTxid().size() + " txids");
        assertEquals(1, report.listing().snapshots().size(), "capture never lost continuity: " + report.listing().snapshots());
    }
}
