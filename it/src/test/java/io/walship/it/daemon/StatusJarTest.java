package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Ports;
import io.walship.it.Walship;
import io.walship.replicator.metrics.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walship status} through the jar against a running daemon whose replica fails with a long error (an S3
 * endpoint where nothing listens): the table's last-error column is cut to fit the terminal's width ({@code COLUMNS}),
 * and says so; {@code status --json} holds the whole text.
 */
@Timeout(120)
class StatusJarTest {
    @TempDir
    Path dir;

    @Test
    void aLongReplicaErrorIsCutToTheTerminalWidthAndWholeInJson() throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t(x)");
            s.execute("INSERT INTO t VALUES (1)");
        }
        int port = Ports.freePort();
        int nothingListens = Ports.freePort();
        Path config = Files.writeString(dir.resolve("walship.yml"), "addr: 127.0.0.1:" + port + "\n"
                + "dbs:\n"
                + "  - path: " + db + "\n"
                + "    replicas:\n"
                + "      - name: s3\n"
                + "        url: s3://bucket/app?endpoint=http://127.0.0.1:" + nothingListens + "&region=us-east-1\n");
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", "AKIDSTATUSJARTEST", "AWS_SECRET_ACCESS_KEY",
                "statusjartestsecret");
        DaemonRun daemon = DaemonRun.start(dir.resolve("daemon.log"), env, "replicate", "-config", config.toString());
        try {
            // Until the replica's first failure shows on the endpoint (a JVM per look would be slow).
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest get = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/status")).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean failing = false;
            while (!failing && System.nanoTime() < deadline) {
                try {
                    var r = http.send(get, java.net.http.HttpResponse.BodyHandlers.ofString());
                    failing = r.statusCode() == 200 && lastError(r.body()) != null;
                } catch (java.io.IOException e) {
                    // Not serving yet.
                }
                if (!failing) {
                    Thread.sleep(200);
                }
            }
            Run json = status(config, "--json");
            assertEquals(0, json.code, json.out);
            String error = lastError(json.out);
            assertTrue(error != null && error.length() > 60, "the replica's error, whole: " + error + "\n" + daemon.log());

            Run table = status(config);
            assertEquals(0, table.code, table.out);
            String row = table.out.lines().filter(l -> l.startsWith("  s3 ")).findFirst().orElseThrow(() ->
                    new AssertionError("no row for the replica: " + table.out));
            assertTrue(row.length() <= 150, row.length() + " columns: " + row);
            assertTrue(row.endsWith("..."), row);
            assertTrue(table.out.contains("'walship status --json' has their full text"), table.out);
        } finally {
            // SIGTERM would wait out the final sync's timeout: the replica cannot be reached.
            daemon.signal("KILL");
            daemon.waitFor(30);
        }
    }

    private record Run(int code, String out) {
    }

    /** {@code walship status -config FILE [more]} through the jar, at a terminal 150 columns wide. */
    private static Run status(Path config, String... more) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Walship.java(), "-Xmx256m", "-jar", Walship.jar().toString(),
                "status", "-config", config.toString()));
        cmd.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("COLUMNS", "150");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "status ended");
        return new Run(p.exitValue(), out);
    }

    @SuppressWarnings("unchecked")
    private static String lastError(String json) {
        Map<String, Object> status = (Map<String, Object>) Json.parse(json.trim());
        for (Object d : (List<Object>) status.get("databases")) {
            for (Object r : (List<Object>) ((Map<String, Object>) d).get("replicas")) {
                Object e = ((Map<String, Object>) r).get("lastError");
                if (e instanceof String s) {
                    return s;
                }
            }
        }
        return null;
    }

}
