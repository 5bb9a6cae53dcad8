package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Ports;
import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow {@code -restore-if-db-not-exists} (every S3 response delayed by a second) in the real jar: while it
 * restores, {@code /healthz} answers 200 (a liveness probe does not restart it), {@code /startupz} and
 * {@code /readyz} answer 503 saying it restores; once the database is back, {@code /startupz} answers 200 and the
 * restored rows are all there.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SlowRestoreProbesTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void probesAnswerWhileTheDatabaseIsRestored() throws Exception {
        Path db = dir.resolve("app.db");
        String bucket = S3.bucket();
        Path first = dir.resolve("first.yml");
        Files.writeString(first, config(db, S3.url(bucket, "slow/app"), null));
        Path app = dir.resolve("app.py");
        Files.writeString(app, Sidecar.app(200, 0));
        Walship.Result seeded = Walship.run(S3ProxyServer.env(), List.of("-Xmx256m"), Duration.ofSeconds(90),
                List.of("replicate", "-config", first.toString(), "-exec", "python3 " + app + " " + db));
        assertEquals(0, seeded.exitCode(), seeded.describe());
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
        deleteRecursively(dir.resolve(".app.db-walship"));

        try (FaultProxy proxy = FaultProxy.start(S3.port(), 7)) {
            proxy.latency(Duration.ofSeconds(1));
            int port = Ports.freePort();
            Path second = dir.resolve("second.yml");
            Files.writeString(second, config(db, S3ProxyServer.url(proxy.endpoint(), bucket, "slow/app"), "127.0.0.1:" + port));
            Path log = dir.resolve("second.log");
            Process walship = Walship.builder(Walship.command(List.of("-Xmx256m"),
                            List.of("replicate", "-config", second.toString(), "-restore-if-db-not-exists")), S3ProxyServer.env())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                String base = "http://127.0.0.1:" + port;
                List<String> seen = new ArrayList<>();
                boolean aliveWhileRestoring = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline) {
                    assertTrue(walship.isAlive(), "walship exited\n" + Files.readString(log));
                    HttpResponse<String> startup = get(base + "/startupz");
                    if (startup == null) {
                        Thread.sleep(100);
                        continue;
                    }
                    if (startup.statusCode() == 200) {
                        break;
                    }
                    HttpResponse<String> health = get(base + "/healthz");
                    HttpResponse<String> ready = get(base + "/readyz");
                    seen.add(startup.statusCode() + " " + startup.body().strip());
                    if (startup.body().contains("restoring " + db) && !Files.exists(db) && health != null
                            && health.statusCode() == 200 && ready != null && ready.statusCode() == 503
                            && ready.body().contains("restoring")) {
                        aliveWhileRestoring = true;
                    }
                    Thread.sleep(200);
                }
                assertTrue(aliveWhileRestoring, "/healthz 200 and /startupz, /readyz 503 'restoring' while the database"
                        + " did not exist yet; /startupz said: " + seen + "\n" + Files.readString(log));
                assertEquals(200, get(base + "/startupz").statusCode(), "started once restored\n" + Files.readString(log));
                assertEquals(200, get(base + "/healthz").statusCode());
                List<Long> expected = new ArrayList<>();
                for (long i = 0; i < 200; i++) {
                    expected.add(i);
                }
                assertEquals(expected, RestoreCheck.column(db, "SELECT n FROM t ORDER BY rowid"));

                // The file's lag-budget (2s) is what /readyz holds the replica to: cut S3 off, write, and it says so.
                proxy.latency(Duration.ZERO);
                awaitStatus(base + "/readyz", 200, "", walship, log);
                proxy.outage(true);
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                    c.createStatement().execute("INSERT INTO t(n) VALUES (200)");
                }
                awaitStatus(base + "/readyz", 503, "(budget 2 s)", walship, log);
                proxy.outage(false);
                awaitStatus(base + "/readyz", 200, "", walship, log);
            } finally {
                walship.destroy();
                assertTrue(walship.waitFor(60, TimeUnit.SECONDS));
            }
            assertEquals(0, walship.exitValue(), Files.readString(log));
        }
    }

    /** Polls {@code url} until it answers {@code code} with a body containing {@code text}, for at most 60 s. */
    private static void awaitStatus(String url, int code, String text, Process walship, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        HttpResponse<String> r = null;
        while (System.nanoTime() < deadline) {
            assertTrue(walship.isAlive(), "walship exited\n" + Files.readString(log));
            r = get(url);
            if (r != null && r.statusCode() == code && r.body().contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(url + " never answered " + code + " '" + text + "'; last: "
                + (r == null ? "nothing" : r.statusCode() + " " + r.body()) + "\n" + Files.readString(log));
    }

    private static String config(Path db, String url, String addr) {
        return (addr == null ? "" : "addr: \"" + addr + "\"\nlag-budget: 2s\n") + Sidecar.config(db, url, "", "");
    }

    private static HttpResponse<String> get(String url) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static void deleteRecursively(Path p) throws Exception {
        if (Files.exists(p)) {
            try (var s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }
}
