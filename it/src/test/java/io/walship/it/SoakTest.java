package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The capture soak: an app that commits, spills and rolls back transactions, runs VACUUM and its own TRUNCATE
 * checkpoints, closes and reopens its connection, and is killed with {@code kill -9} at random points, while walship
 * is killed with {@code kill -9} and restarted too. At the end the latest txid and 200 or more random txids restore
 * exactly what the app committed, and every snapshot walship took has a reason the test expects: one of the app's
 * WAL restarts or checkpoints happened while walship was not running.
 *
 * <p>Runs {@code -Dwalship.soak.seconds} seconds (60 in CI). For a long run:
 * {@code ./mvnw -B -pl it -am verify -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dwalship.soak.seconds=1800}.
 */
class SoakTest extends ScenarioSupport {
    static final long SECONDS = Long.getLong("walship.soak.seconds", 60);

    @Test
    @Timeout(value = 7200, unit = TimeUnit.SECONDS)
    void appAndWalshipKilledAtRandomWhileTheAppCommitsSpillsRollsBackAndCheckpoints() throws Exception {
        long seed = Long.getLong("walship.it.seed", System.nanoTime());
        step("soak for " + SECONDS + " s, seed " + seed + " (rerun with -Dwalship.it.seed=" + seed + ")");
        Random rnd = new Random(seed);
        long deadline = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
        WalshipProcess d = startDaemon();
        Writer w = null;
        int writerRuns = 0;
        int appKills = 0;
        int walshipKills = 0;
        long nextWalshipKill = System.nanoTime() + millis(1_000 + rnd.nextInt(4_000));
        long nextAppKill = System.nanoTime() + millis(1_000 + rnd.nextInt(5_000));
        while (System.nanoTime() < deadline) {
            if (w == null || !w.isAlive()) {
                if (w != null) {
                    int code = w.awaitExit(Duration.ofSeconds(5));
                    assertTrue(code == 0 || code == 137, "the app exited with " + code + "\n" + diagnostics());
                }
                writerRuns++;
                // Each run draws other random values, so a transaction a killed run never committed is written again
                // with other content: a captured phantom would not match the app's record.
                w = writer("app-" + writerRuns).seed(seed + writerRuns).txs(1_000_000).sleep(0.002 + rnd.nextInt(4) / 1000.0)
                        .maxOps(6).every(37, "rollback-spill:300").every(53, "checkpoint:TRUNCATE").every(97, "vacuum")
                        .every(71, "close-reopen").every(29, "bigtx:1").checkpointBusyTimeoutMs(100).untilStopped().start();
            }
            if (System.nanoTime() > nextAppKill) {
                w.close();
                appKills++;
                nextAppKill = System.nanoTime() + millis(500 + rnd.nextInt(6_000));
            }
            if (System.nanoTime() > nextWalshipKill) {
                d.kill9();
                walshipKills++;
                // Sometimes walship stays away a while, so the app's checkpoints, VACUUMs and WAL restarts happen
                // without it.
                WalshipProcess.sleep(rnd.nextInt(3) == 0 ? 500 + rnd.nextInt(2_000) : rnd.nextInt(200));
                d = startDaemon();
                nextWalshipKill = System.nanoTime() + millis(300 + rnd.nextInt(5_000));
            }
            d.assertAlive();
            WalshipProcess.sleep(20);
        }
        if (w.isAlive()) {
            w.requestStop();
            w.awaitSuccess(Duration.ofSeconds(60));
        }
        // A last clean run, so the final state is one the app reached on purpose.
        writer("app-final").seed(seed - 1).txs(20).sleep(0.002).start().awaitSuccess(Duration.ofSeconds(60));
        step("app runs " + (writerRuns + 1) + ", app kills " + appKills + ", walship kills " + walshipKills + ", writer at i="
                + (Logs.lines(digestFile()).size() - 1));
        awaitSynced(d, Duration.ofSeconds(120));
        d.stopCleanly();
        List<String> unexpected = new ArrayList<>();
        for (String line : Logs.warnSnapshotLines(daemonLog)) {
            if (!line.contains("while walship was not running")) {
                unexpected.add(line);
            }
        }
        assertEquals(List.of(), unexpected, "every snapshot needs a reason the test caused: walship away while the app"
                + " restarted or checkpointed its WAL");
        reportWarnings();
        RestoreCheck.Report report = restoreCheck().seed(seed).randomTxids(200).parallelism(2).run();
        step("restored and checked " + report.byTxid().size() + " txids");
        assertTrue(report.byTxid().size() >= 200 || report.byTxid().size() >= report.listing().latestTxid(),
                "at least 200 txids (or all of them) were restored: " + report.byTxid().size());
    }

    private static long millis(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
