package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.walship.it.Digest;
import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** The daemon starts before the database exists (the replica named by its URL); the app creates it later. */
class QuickStartTest extends ReplicaScenario {

    @OnEachReplica
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void daemonWaitsForTheDatabase(ReplicaUnderTest under) throws Exception {
        use(under);
        assertFalse(Files.exists(db));
        WalshipProcess d = startDaemon(List.of("-Xmx256m"));
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
        while (System.nanoTime() < until) {
            d.assertAlive();
            sleep(100);
        }
        assertEquals(0, replica.latestTxid(), "nothing to replicate before the database exists");

        Writer w = writer("writer").seed(81).txs(80).sleep(0.01).start();
        long first = waitForTxid(1, Duration.ofSeconds(30), d::assertAlive);
        step("the daemon replicates the new database: replica at txid " + first + " while the app writes");
        step("writer done: " + w.awaitSuccess(Duration.ofSeconds(60)));
        awaitSynced(Duration.ofSeconds(30), d::assertAlive);
        d.stopCleanly();
        reportWarnings();
        Digest.State last = checkRestores();

        // restore refuses to overwrite an existing file without --force, and overwrites it with --force.
        Path out = work.resolve("existing.db");
        byte[] junk = "not a database\n".getBytes(StandardCharsets.UTF_8);
        Files.write(out, junk);
        Walship.Result refused = restoreLatest(out, false);
        assertNotEquals(0, refused.exitCode(), "restore over an existing file without --force should fail:\n" + refused.describe());
        assertArrayEquals(junk, Files.readAllBytes(out), "restore without --force must leave the existing file alone");
        Walship.Result forced = restoreLatest(out, true);
        assertEquals(0, forced.exitCode(), "restore --force:\n" + forced.describe());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out)) {
            assertEquals("ok", RestoreCheck.integrity(c));
            assertEquals(last, Digest.read(c), "restore --force result");
        }
    }
}
