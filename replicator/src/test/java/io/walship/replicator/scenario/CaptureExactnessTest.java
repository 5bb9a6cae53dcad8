package io.walship.replicator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.config.ByteSize;
import io.walship.config.ReplicationSettings;
import io.walship.replicator.DatabaseReplicator;
import io.walship.restore.RestoreTarget;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * walship captures exactly what SQLite committed: no transaction that SQLite never committed (a checksum-valid
 * commit frame past the wal-index's end, as an app killed mid-commit leaves it), no pages of a transaction that was
 * rolled back, and no transaction lost afterwards. Every txid is restored and compared with the app's own state.
 */
@Timeout(180)
class CaptureExactnessTest extends InProcessScenario {
    CaptureExactnessTest() {
        super(11);
    }

    private static ReplicationSettings settings() {
        return ReplicationSettings.defaults().withSyncInterval(Duration.ZERO).withMonitorInterval(Duration.ofMillis(50));
    }

    @Test
    void aCommitFramePastTheWalIndexEndIsNeverCapturedAndNothingAfterItIsLost() throws Exception {
        app.send("tx 5 6");
        start(settings().withCheckpointPages(100_000));
        awaitReplicated();
        for (int round = 0; round < 3; round++) {
            long frame = appendPhantom("PH" + round);
            // Give walship several polls to see the phantom frame before the app's next commit overwrites it.
            Thread.sleep(400);
            app.send("tx 4 3");
            awaitReplicated();
            assertTrue(frame > 0);
        }
        // A WAL restart by the app after the phantom: capture must still be continuous across it.
        app.send("checkpoint TRUNCATE");
        app.send("tx 3");
        awaitReplicated();
        int checked = history.forbidding("PH").verifyEveryTxid();
        assertTrue(checked >= 15, "txids checked: " + checked);
        assertEquals(1, history.snapshotTxids().size(), "capture never lost continuity: " + history.snapshotTxids());
    }

    @Test
    void aRolledBackTransactionHeldAcrossFailedCaptureAttemptsNeverLeaksIntoTheNextOne() throws Exception {
        // The app rewrites 150 rows to 'R' * 1000 with cache_size=10, so the pages spill into the WAL, holds the
        // transaction for 12 s and rolls it back. Meanwhile the spill pushes the WAL past walship's emergency size, so
        // walship wants its write barrier while the app holds the write lock: with the default 5 s busy timeout the
        // attempt fails with SQLITE_BUSY, and capture starts over, more than once.
        app.send("tx 30 10");
        start(settings().withCheckpointPages(100_000).withEmergencyWalSize(ByteSize.parse("100KiB")));
        awaitReplicated();
        app.send("tx-then-hold-spill 150");
        Thread.sleep(12_000);
        // The app rolls back and commits one unrelated row at once, before walship's next attempt takes the lock.
        app.send("rollback 1");
        awaitReplicated();
        history.forbidding("RRRR").verifyEveryTxid();
        history.restore(new RestoreTarget.Latest(), "latest");
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private void start(ReplicationSettings settings) throws Exception {
        replicator = new DatabaseReplicator(db, storage, settings, Clock.systemUTC());
        replicator.start();
    }

    private long appendPhantom(String mark) throws Exception {
        Path script;
        try {
            script = Path.of(CaptureExactnessTest.class.getResource("phantom_frame.py").toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Process p = new ProcessBuilder("python3", script.toString(), db.toString(), mark).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail("phantom_frame.py failed: " + out);
        }
        return Long.parseLong(out);
    }

    /** Waits until the replica's latest state is the app's latest transaction. */
    private void awaitReplicated() throws Exception {
        history.awaitReplicated(replicator, app::seq);
    }
}
