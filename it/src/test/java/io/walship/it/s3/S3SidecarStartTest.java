package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar's life with an S3 replica (S3Proxy over HTTP), driven by a config file with JSON logs: a database the
 * app created in rollback-journal mode is switched to WAL and replicated; then the container is recreated (database,
 * WAL and spool gone) and {@code -restore-if-db-not-exists} brings the data back from S3 before the app starts.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class S3SidecarStartTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @TempDir
    Path dir;

    @Test
    void aFreshContainerStartsWithItsDataFromS3() throws Exception {
        Path db = dir.resolve("app.db");
        // The app's database exists before walship, in the default rollback-journal mode.
        sqlite(db, "CREATE TABLE counter(n INTEGER); WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 49) "
                + "INSERT INTO counter SELECT i FROM c;");
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, Sidecar.config(db, S3.url(S3.bucket(), "sidecar/app"), "  type: json\n", ""));
        Path app = dir.resolve("app.py");
        Files.writeString(app, """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                before = c.execute("SELECT count(*) FROM counter").fetchone()[0]
                for i in range(int(sys.argv[2])):
                    c.execute("INSERT INTO counter(n) VALUES (?)", (before + i,))
                print(f"app saw {before} rows", flush=True)
                """);

        Process first = walship(dir.resolve("first.log"), "replicate", "-config", config.toString(),
                "-exec", "python3 " + app + " " + db + " 70");
        assertEquals(0, waitFor(first), log("first.log"));
        String firstLog = log("first.log");
        assertTrue(firstLog.contains("was not in WAL mode; switched it to WAL"), firstLog);
        assertTrue(firstLog.contains("app saw 50 rows"), firstLog);
        assertJsonLines(firstLog);
        assertFalse(firstLog.contains(S3ProxyServer.SECRET_KEY), "no secret in the logs");

        // The container is recreated: only the replica in S3 survives.
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("app.db") || name.startsWith(".app.db")) {
                    deleteRecursively(p);
                }
            }
        }
        Process second = walship(dir.resolve("second.log"), "replicate", "-config", config.toString(), "-restore-if-db-not-exists",
                "-exec", "python3 " + app + " " + db + " 5");
        assertEquals(0, waitFor(second), log("second.log"));
        String secondLog = log("second.log");
        assertTrue(secondLog.contains("app saw 120 rows"), "the app started with every row from S3\n" + secondLog);
        assertJsonLines(secondLog);

        Path out = dir.resolve("restored.db");
        var r = io.walship.it.Walship.run(S3ProxyServer.env(), java.time.Duration.ofSeconds(60), "restore", "-o", out.toString(),
                S3.url(S3.bucket(), "sidecar/app"));
        assertEquals(0, r.exitCode(), r.toString());
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < 125; i++) {
            expected.add(i);
        }
        assertEquals(expected, RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"));
    }

    private Process walship(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Walship.java(), "-Xmx256m", "-jar", Walship.jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(S3ProxyServer.env());
        return pb.start();
    }

    private static int waitFor(Process p) throws Exception {
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("walship did not exit");
        }
        return p.exitValue();
    }

    private String log(String name) throws Exception {
        return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    }

    /** Every line walship logged is one JSON object (the app's own output lines are not). */
    private static void assertJsonLines(String log) {
        long json = log.lines().filter(l -> l.startsWith("{") && l.endsWith("}") && l.contains("\"level\"")).count();
        long other = log.lines().filter(l -> !l.isBlank() && !l.startsWith("{") && !l.startsWith("app saw")).count();
        assertTrue(json > 5, "JSON log lines: " + json + "\n" + log);
        assertEquals(0, other, "lines that are neither JSON logs nor the app's output\n" + log);
    }

    private static void sqlite(Path db, String sql) throws Exception {
        Process p = new ProcessBuilder("sqlite3", db.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write(sql.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void deleteRecursively(Path p) throws Exception {
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }
}
