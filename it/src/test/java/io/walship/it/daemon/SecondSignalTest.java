package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM starts the final sync; a second signal exits at once, and what was not shipped stays in the spool for the
 * next start, which ships it.
 */
@Timeout(120)
class SecondSignalTest {
    @TempDir
    Path dir;

    @Test
    void aSecondSignalExitsAtOnceAndTheNextStartShipsTheRest() throws Exception {
        Path db = dir.resolve("app.db");
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file, so the replica folder below it cannot be created");
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, """
                logging:
                  stderr: true
                final-sync-timeout: 60s
                dbs:
                  - path: %s
                    replica:
                      name: r
                      url: file://%s/replica
                      sync-interval: 100ms
                """.formatted(db, blocker));
        Path app = DaemonRun.script(dir, "counting_app.py");
        Process writer = new ProcessBuilder("python3", app.toString(), db.toString(), "80", "0").redirectErrorStream(true)
                .redirectOutput(dir.resolve("app.log").toFile()).start();
        assertTrue(writer.waitFor(60, TimeUnit.SECONDS));
        DaemonRun run = DaemonRun.start(dir.resolve("walship.log"), "replicate", "-config", config.toString());
        run.awaitLog("upload of snapshots/0000000000000001-", 30);
        run.signal("TERM");
        Thread.sleep(1500);
        assertTrue(run.isAlive(), "the first signal starts a final sync that keeps retrying the broken replica\n" + run.log());
        long before = System.nanoTime();
        run.signal("TERM");
        int code = run.waitFor(20);
        assertEquals(128 + 15, code, run.log());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - before) < 10, "the second signal exits at once");
        assertTrue(run.log().contains("second signal: exiting at once"), run.log());

        // The replica is repaired; the next start ships everything the spool kept.
        Files.delete(blocker);
        DaemonRun again = DaemonRun.start(dir.resolve("again.log"), "replicate", "-config", config.toString());
        Path replica = blocker.resolve("replica");
        Path out = dir.resolve("restored.db");
        long deadline = System.currentTimeMillis() + 30_000;
        boolean done = false;
        while (!done && System.currentTimeMillis() < deadline) {
            var r = Walship.restore(replica, out, null, null, true, true);
            done = r.exitCode() == 0 && RestoreCheck.column(out, "SELECT count(*) FROM counter").get(0) == 80;
            if (!done) {
                Thread.sleep(300);
            }
        }
        again.signal("TERM");
        assertEquals(0, again.waitFor(60), again.log());
        assertTrue(done, "the replica received all 80 rows after the restart\n" + again.log());
        assertEquals("ok", DaemonRun.integrity(out));
    }
}
