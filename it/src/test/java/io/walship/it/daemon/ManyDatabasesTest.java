package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One daemon, two databases written by two independent apps; one database also has a replica that cannot be written
 * (its folder is under a regular file). The failing replica is reported and retried while the other replicas of both
 * databases keep up, and their restores equal what the apps wrote.
 */
@Timeout(120)
class ManyDatabasesTest {
    @TempDir
    Path dir;

    @Test
    void aFailingReplicaDoesNotStopTheOthers() throws Exception {
        Path db1 = dir.resolve("one.db");
        Path db2 = dir.resolve("two.db");
        Path good1 = dir.resolve("replica-one");
        Path good2 = dir.resolve("replica-two");
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file, so no folder can be made below it");
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, """
                logging:
                  stderr: true
                final-sync-timeout: 3s
                dbs:
                  - path: %s
                    replicas:
                      - name: good
                        url: file://%s
                        sync-interval: 100ms
                      - name: broken
                        url: file://%s/replica
                        sync-interval: 100ms
                  - path: %s
                    replica:
                      url: file://%s
                      sync-interval: 100ms
                """.formatted(db1, good1, blocker, db2, good2));
        DaemonRun run = DaemonRun.start(dir.resolve("walship.log"), "replicate", "-config", config.toString());
        try {
            checkRun(run, db1, db2, good1, good2, blocker);
        } finally {
            run.destroy();
        }
    }

    private void checkRun(DaemonRun run, Path db1, Path db2, Path good1, Path good2, Path blocker) throws Exception {
        Path app = DaemonRun.script(dir, "counting_app.py");
        Process app1 = new ProcessBuilder("python3", app.toString(), db1.toString(), "250", "0").redirectErrorStream(true)
                .redirectOutput(dir.resolve("app1.log").toFile()).start();
        Process app2 = new ProcessBuilder("python3", app.toString(), db2.toString(), "250", "0").redirectErrorStream(true)
                .redirectOutput(dir.resolve("app2.log").toFile()).start();
        assertTrue(app1.waitFor(60, TimeUnit.SECONDS) && app2.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, app1.exitValue());
        assertEquals(0, app2.exitValue());
        run.awaitLog("upload of snapshots/0000000000000001-", 30);
        run.awaitLog(".snapshot to file://" + blocker, 30);
        // Both good replicas catch up with their apps while the broken one keeps failing.
        awaitRows(good1, 250, dir.resolve("check1.db"));
        awaitRows(good2, 250, dir.resolve("check2.db"));
        assertTrue(run.isAlive(), run.log());
        run.signal("TERM");
        // The broken replica never received anything, so the final sync reports what stays in the spool (exit 16)
        // instead of claiming success; the good replicas are complete.
        assertEquals(16, run.waitFor(60), run.log());
        String log = run.log();
        assertTrue(log.contains("one.db -> {broken="), "the exit names the replica that lacks transactions\n" + log);
        assertTrue(log.contains("one.db -> broken: upload of"), "the failing replica is reported\n" + log);
        assertTrue(!log.contains("one.db -> good: upload of"), "the good replica never failed\n" + log);
        for (Path[] pair : new Path[][] {{good1, db1}, {good2, db2}}) {
            Path out = dir.resolve("final-" + pair[0].getFileName() + ".db");
            var r = Walship.restore(pair[0], out, null, null, false);
            assertEquals(0, r.exitCode(), r.toString());
            assertEquals("ok", DaemonRun.integrity(out));
            assertEquals(RestoreCheck.column(pair[1], "SELECT n FROM counter ORDER BY rowid"),
                    RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"));
        }
    }

    /** Restores the replica until it holds {@code rows} rows (the app's final state), or fails after 30 s. */
    private static void awaitRows(Path replica, int rows, Path out) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            var r = Walship.restore(replica, out, null, null, true, true);
            if (r.exitCode() == 0 && RestoreCheck.column(out, "SELECT count(*) FROM counter").get(0) == rows) {
                assertEquals(LongStream.range(0, rows).boxed().toList(), RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"));
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("replica " + replica + " never reached " + rows + " rows");
    }
}
