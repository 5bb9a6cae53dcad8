package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The daemon starts before the database exists (replica named by a file:// URL); the app creates it later. */
class QuickStartTest extends ScenarioSupport {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void daemonWaitsForTheDatabase() throws Exception {
        assertFalse(Files.exists(db));
        WalshipProcess d = startDaemonWithUrl();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
        while (System.nanoTime() < until) {
            d.assertAlive();
            WalshipProcess.sleep(100);
        }
        assertEquals(0, ReplicaDir.latestTxid(replica), "nothing to replicate before the database exists");

        Writer w = writer("writer").seed(81).txs(80).sleep(0.01).start();
        long first = WalshipProcess.waitForTxid(replica, 1, Duration.ofSeconds(30), d);
        step("the daemon replicates the new database: replica at txid " + first + " while the app writes");
        step("writer done: " + w.awaitSuccess(Duration.ofSeconds(60)));
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        reportWarnings();
        RestoreCheck.Report report = restoreCheck().run();

        // restore refuses to overwrite an existing file without --force, and overwrites it with --force.
        Path out = work.resolve("existing.db");
        byte[] junk = "not a database\n".getBytes(StandardCharsets.UTF_8);
        Files.write(out, junk);
        Walship.Result refused = Walship.restore(replica, out, null, null, false);
        assertNotEquals(0, refused.exitCode(), "restore over an existing file without --force should fail:\n" + refused.describe());
        assertArrayEquals(junk, Files.readAllBytes(out), "restore without --force must leave the existing file alone");
        Walship.Result forced = Walship.restore(replica, out, null, null, true);
        assertEquals(0, forced.exitCode(), "restore --force:\n" + forced.describe());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out)) {
            assertEquals("ok", RestoreCheck.integrity(c));
            assertEquals(new Digest.State(report.finalI(), report.finalDigest()), Digest.read(c), "restore --force result");
        }
    }
}
