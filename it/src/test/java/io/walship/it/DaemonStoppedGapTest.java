package io.walship.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon is stopped (SIGTERM) while the application keeps writing and truncates the WAL with
 * wal_checkpoint(TRUNCATE), so the transactions in between are gone from the WAL. On restart the daemon cannot
 * prove continuity: it must say so (a WARN line mentioning a snapshot) and take a snapshot. Restores at txids before
 * the gap give phase-1 states (i <= 50), at the new snapshot and after it phase-2-or-later states (i >= 100).
 *
 * <p>Ways in: the daemon replicated phase 1 from the WAL (it ran while the app wrote), or the daemon only ever saw
 * the database file (phase 1 was written and the WAL removed before the daemon's first start), the latter also
 * with no explicit checkpoint in phase 2 (the app's last close removes the WAL by itself).
 */
class DaemonStoppedGapTest extends ScenarioSupport {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void gapAfterTheDaemonReplicatedWalFrames() throws Exception {
        WalshipProcess d = startDaemon();
        // The database does not exist yet; the daemon snapshots it as soon as it appears and then follows the WAL.
        writer("phase1").seed(71).txs(50).sleep(0.02).start().awaitSuccess(Duration.ofSeconds(60));
        gapScenario(d, true);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void gapWhenTheDaemonHadOnlySeenTheDatabaseFile() throws Exception {
        // Phase 1 runs to the end without the daemon: the app's last close checkpoints and deletes the WAL.
        writer("phase1").seed(71).txs(50).sleep(0).start().awaitSuccess(Duration.ofSeconds(60));
        WalshipProcess d = startDaemon();
        gapScenario(d, true);
    }

    /**
     * As above, but phase 2 runs no checkpoint of its own: SQLite's ordinary checkpoint-and-delete of the WAL when
     * the app closes its last connection is enough to lose the frames.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void gapWhenTheDaemonHadOnlySeenTheDatabaseFileAndTheAppJustClosed() throws Exception {
        writer("phase1").seed(71).txs(50).sleep(0).start().awaitSuccess(Duration.ofSeconds(60));
        WalshipProcess d = startDaemon();
        gapScenario(d, false);
    }

    private void gapScenario(WalshipProcess d, boolean truncate) throws Exception {
        List<String> failures = new ArrayList<>();
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        long beforeGap = ReplicaDir.latestTxid(replica);
        step("daemon stopped at replica txid " + beforeGap + " (writer i=50); " + ReplicaDir.keys(replica).size() + " replica objects");

        Writer phase2 = writer("phase2").seed(72).txs(50).sleep(0.002);
        if (truncate) {
            phase2.every(10, "checkpoint:TRUNCATE");
        }
        phase2.start().awaitSuccess(Duration.ofSeconds(60));
        step("phase 2 written without the daemon (i=51..100" + (truncate ? ", TRUNCATE every 10" : ", then the app closed") + ")");

        WalshipProcess d2 = startDaemon();
        long afterGap = -1;
        try {
            String warn = d2.waitForLogLine(l -> l.contains("WARN") && l.toLowerCase().contains("snapshot"), Duration.ofSeconds(15),
                    "a WARN line about taking a snapshot");
            step("daemon warned: " + warn);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (afterGap < 0) {
                afterGap = ReplicaDir.snapshotTxids(replica).stream().filter(t -> t > beforeGap).findFirst().orElse(-1L);
                if (afterGap < 0 && System.nanoTime() > deadline) {
                    throw new AssertionError("no snapshot after txid " + beforeGap + " within 30 s of the restart");
                }
                d2.assertAlive();
                WalshipProcess.sleep(100);
            }
            step("snapshot after the gap at txid " + afterGap);
        } catch (AssertionError e) {
            failures.add("after the restart: " + e.getMessage().lines().findFirst().orElse(""));
            step("FAILURE (continuing to see the consequences): " + failures.get(failures.size() - 1));
        }

        writer("phase3").seed(73).txs(50).sleep(0.005).start().awaitSuccess(Duration.ofSeconds(60));
        try {
            awaitSynced(d2, Duration.ofSeconds(30));
        } catch (AssertionError e) {
            failures.add(firstLines(e.getMessage(), 8));
            step("FAILURE (continuing with the restore check): " + firstLines(e.getMessage(), 1));
            WalshipProcess.waitForQuiet(replica, quiet(), Duration.ofSeconds(30), d2);
        }
        d2.stopCleanly();
        try {
            RestoreCheck check = restoreCheck().diagnostics(() -> "").extraTxids(beforeGap);
            if (afterGap > 0) {
                check.extraTxids(afterGap);
            }
            RestoreCheck.Report report = check.run();
            if (report.at(beforeGap).i() != 50) {
                failures.add("the last txid before the gap (" + beforeGap + ") restores i=" + report.at(beforeGap).i() + ", expected 50");
            }
            if (afterGap > 0 && report.at(afterGap).i() != 100) {
                failures.add("the snapshot after the gap (txid " + afterGap + ") restores i=" + report.at(afterGap).i()
                        + ", expected phase 2's end, 100");
            }
            for (RestoreCheck.Restored r : report.byTxid().values()) {
                if (r.txid() <= beforeGap && r.i() > 50) {
                    failures.add("txid " + r.txid() + " (before the gap) restores i=" + r.i());
                }
                if (afterGap > 0 && r.txid() >= afterGap && r.i() < 100) {
                    failures.add("txid " + r.txid() + " (after the gap) restores i=" + r.i());
                }
            }
        } catch (AssertionError e) {
            failures.add(e.getMessage());
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " failure(s):\n- " + String.join("\n- ", failures) + "\n" + diagnostics());
        }
    }

    private static String firstLines(String s, int n) {
        return String.join("\n", s.lines().limit(n).toList());
    }
}
