package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replicate -exec}: the app runs as walship's child; signals go to the app; when it exits walship syncs and
 * exits with the app's code, and the replica holds everything the app committed, including its last row.
 */
@Timeout(120)
class ExecTest {
    @TempDir
    Path dir;

    private Path config(Path db, Path replica) throws Exception {
        Path file = dir.resolve("walship.yml");
        Files.writeString(file, """
                logging:
                  level: info
                  stderr: true
                dbs:
                  - path: %s
                    replicas:
                      - name: local
                        url: file://%s
                        sync-interval: 200ms
                """.formatted(db, replica));
        return file;
    }

    @Test
    void walshipExitsWithTheAppsCodeAfterAFinalSync() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path app = DaemonRun.script(dir, "counting_app.py");
        DaemonRun run = DaemonRun.start(dir.resolve("walship.log"), "replicate", "-config", config(db, replica).toString(),
                "-exec", "python3 " + app + " " + db + " 300 7");
        assertEquals(7, run.waitFor(90), run.log());
        assertTrue(run.log().contains("the app exited with code 7"), run.log());
        Path out = dir.resolve("restored.db");
        var r = Walship.restore(replica, out, null, null, false);
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("ok", DaemonRun.integrity(out));
        assertEquals(LongStream.range(0, 300).boxed().toList(), RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"),
                "every row the app committed before exiting was shipped by the final sync");
    }

    @Test
    void sigtermGoesToTheAppAndItsLastTransactionIsShipped() throws Exception {
        signalCase("TERM", 42, -15);
    }

    @Test
    void sigintGoesToTheAppToo() throws Exception {
        signalCase("INT", 43, -2);
    }

    /**
     * A minimal image has no {@code kill} command: walship sends SIGINT itself (kill(2)), so the app still gets
     * SIGINT, not a SIGTERM fallback. The PATH walship sees holds python3 and nothing else.
     */
    @Test
    void sigintReachesTheAppWithoutAKillCommand() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // The interpreter itself (python3 on the PATH may be a wrapper script that needs more of the PATH).
        Path python = Path.of(new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").start().inputReader()
                .readLine());
        Files.createSymbolicLink(bin.resolve("python3"), python.toRealPath());
        signalCase("INT", 43, -2, Map.of("PATH", bin.toString()));
    }

    /** Whether this JVM was started with SIGINT ignored (bit 2 of SigIgn in /proc/self/status). */
    private static boolean sigintIgnoredHere() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:"))
                .map(l -> Long.parseUnsignedLong(l.substring("SigIgn:".length()).trim(), 16))
                .anyMatch(mask -> (mask & (1L << 1)) != 0);
    }

    private void signalCase(String signal, int expectedExit, long marker) throws Exception {
        signalCase(signal, expectedExit, marker, Map.of());
    }

    private void signalCase(String signal, int expectedExit, long marker, Map<String, String> env) throws Exception {
        // A shell without job control starts background commands with SIGINT ignored, and every child inherits that
        // (so that Ctrl-C at the terminal spares them): walship, like any process, then never sees the SIGINT.
        org.junit.jupiter.api.Assumptions.assumeFalse(signal.equals("INT") && sigintIgnoredHere(),
                "SIGINT is ignored in this test's process (started in the background by a shell without job control)");
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path app = DaemonRun.script(dir, "counting_app.py");
        DaemonRun run = DaemonRun.start(dir.resolve("walship.log"), env, "replicate", "-config", config(db, replica).toString(),
                "-exec", "python3 " + app + " " + db + " 1000000 0");
        run.awaitLog("app pid", 30);
        run.awaitLog("snapshot at txid 1 written", 30);
        Thread.sleep(Duration.ofMillis(800).toMillis());
        run.signal(signal);
        assertEquals(expectedExit, run.waitFor(60), run.log());
        assertTrue(run.log().contains("forwarding SIG" + signal), run.log());
        assertTrue(run.log().contains("app got signal"), "the app itself received the signal\n" + run.log());
        Path out = dir.resolve("restored.db");
        var r = Walship.restore(replica, out, null, null, false);
        assertEquals(0, r.exitCode(), r.toString());
        List<Long> rows = RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid");
        assertTrue(rows.size() > 10, "the app wrote for a while: " + rows.size());
        assertEquals(marker, rows.get(rows.size() - 1), "the app's last transaction, committed after the signal, was shipped");
        assertEquals(LongStream.range(0, rows.size() - 1).boxed().toList(), rows.subList(0, rows.size() - 1));
        assertEquals(RestoreCheck.column(db, "SELECT n FROM counter ORDER BY rowid"), rows, "restored equals the app's database");
    }
}
