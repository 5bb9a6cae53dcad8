package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Logs;
import io.walship.it.Ports;
import io.walship.it.Walship;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One redaction rule everywhere: a whole run with S3 credentials in the configuration file (at its top, and in a
 * replica URL's query) and on the command line, at DEBUG, and every output of it grepped for the access key id and the
 * secret: the daemon's log, {@code /status}, {@code /metrics}, {@code /healthz}, {@code /readyz}, {@code walship
 * status}, {@code walship databases}, {@code walship ls} and {@code restore} through {@code -config}, and the error
 * lines of commands that fail (a bad option next to credentials, a bucket that does not exist, an unknown replica
 * name). The environment holds no credential variable walship reads, so the run also shows the credentials reach S3
 * from the file and the URL.
 */
@Timeout(180)
class SecretsNeverShownTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    /** Every output of the run, by where it came from. */
    private final Map<String, String> outputs = new LinkedHashMap<>();

    @Test
    void noOutputOfARunShowsACredential() throws Exception {
        String bucket = S3.bucket();
        int port = Ports.freePort();
        Path a = dir.resolve("a.db");
        Path b = dir.resolve("b.db");
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, """
                addr: 127.0.0.1:%d
                access-key-id: ${KEY_ID}
                secret-access-key: ${KEY_SECRET}
                dbs:
                  - path: %s
                    replica:
                      name: top-credentials
                      type: s3
                      bucket: %s
                      path: a
                      endpoint: %s
                      region: us-east-1
                      sync-interval: 100ms
                  - path: %s
                    replica:
                      name: url-credentials
                      url: s3://%s/b?endpoint=%s&region=us-east-1&access-key-id=${KEY_ID}&secret-access-key=${KEY_SECRET}
                      sync-interval: 100ms
                """.formatted(port, a, bucket, S3.endpoint(), b, bucket, S3.endpoint()));
        Map<String, String> env = Map.of("KEY_ID", S3ProxyServer.ACCESS_KEY, "KEY_SECRET", S3ProxyServer.SECRET_KEY,
                "WALSHIP_LOG_LEVEL", "DEBUG,software.amazon.awssdk=DEBUG,org.apache.hc=DEBUG");
        write(a, 40);
        write(b, 25);

        Path log = dir.resolve("daemon.log");
        Process daemon = Walship.builder(Walship.command(List.of("-Xmx256m"), List.of("replicate", "-config", config.toString())),
                env).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitShipped(port, daemon, log);
            write(a, 10);
            awaitShipped(port, daemon, log);
            for (String path : List.of("/status", "/metrics", "/healthz", "/readyz")) {
                outputs.put("GET " + path, get(port, path).body());
            }
            String cfg = config.toString();
            String secretUrl = "s3://" + bucket + "/b?endpoint=" + S3.endpoint() + "&region=us-east-1&access-key-id="
                    + S3ProxyServer.ACCESS_KEY + "&secret-access-key=" + S3ProxyServer.SECRET_KEY;
            cli(env, 0, "status", "-config", cfg);
            cli(env, 0, "status", "--json", "-config", cfg);
            cli(env, 0, "databases", "-config", cfg);
            cli(env, 0, "databases", "--json", "-config", cfg);
            cli(env, 0, "ls", "-config", cfg, a.toString());
            cli(env, 0, "ls", "--json", "-config", cfg, b.toString());
            cli(env, 0, "ls", secretUrl);
            Path outA = dir.resolve("restored-a.db");
            Path outB = dir.resolve("restored-b.db");
            cli(env, 0, "restore", "-config", cfg, "-o", outA.toString(), a.toString());
            cli(env, 0, "restore", "-o", outB.toString(), secretUrl);
            assertEquals(50, count(outA));
            assertEquals(25, count(outB));
            // Failures that name the replica.
            cli(env, 2, "ls", secretUrl + "&colour=blue");
            cli(env, 2, "replicate", dir.resolve("c.db").toString(), secretUrl.replace("/b?", "/c?") + "&part-size=1MiB");
            cli(env, 2, "ls", "-config", cfg, "--replica", "nope", a.toString());
            cli(env, 2, "restore", "-o", dir.resolve("x.db").toString(), secretUrl.replace("s3://", "s3:/"));
            cli(env, 5, "restore", "-config", cfg, "-o", outA.toString(), a.toString());
            cli(env, 10, "ls", secretUrl.replace("s3://" + bucket, "s3://no-such-bucket-" + ProcessHandle.current().pid()));
            cli(env, 11, "ls", secretUrl.replace(S3ProxyServer.SECRET_KEY, "wrong-" + S3ProxyServer.SECRET_KEY));
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        assertEquals(0, daemon.exitValue(), Logs.tail(log, 40));
        outputs.put("daemon log", Files.readString(log, StandardCharsets.UTF_8));

        // The outputs say what they should, so the grep below looks at real content.
        assertTrue(outputs.get("GET /status").contains("s3://" + bucket + "/a at " + S3.endpoint()), outputs.get("GET /status"));
        assertTrue(outputs.get("walship databases -config " + config).contains("access-key-id=****&secret-access-key=****"),
                outputs.get("walship databases -config " + config));
        assertTrue(outputs.get("daemon log").contains("DEBUG"), "the daemon logged at DEBUG");
        List<String> leaks = new ArrayList<>();
        for (Map.Entry<String, String> o : outputs.entrySet()) {
            for (String secret : List.of(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)) {
                int at = o.getValue().indexOf(secret);
                if (at >= 0) {
                    leaks.add(o.getKey() + " shows " + secret + ": ..." + o.getValue().substring(Math.max(0, at - 200),
                            Math.min(o.getValue().length(), at + 100)) + "...");
                }
            }
        }
        assertEquals(List.of(), leaks, outputs.size() + " outputs checked");
    }

    private void cli(Map<String, String> env, int code, String... args) {
        Walship.Result r = Walship.run(env, Duration.ofSeconds(60), args);
        assertEquals(code, r.exitCode(), r.describe());
        outputs.put("walship " + String.join(" ", args), r.stdout() + "\n" + r.stderr());
    }

    /** Waits until /status says every replica holds every captured transaction. */
    private void awaitShipped(int port, Process daemon, Path log) throws Exception {
        Pattern local = Pattern.compile("\"localTxid\": (\\d+)");
        Pattern replicated = Pattern.compile("\"replicatedTxid\": (\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited\n" + Logs.tail(log, 60));
            }
            try {
                String body = get(port, "/status").body();
                List<Long> locals = numbers(local.matcher(body));
                if (locals.size() == 2 && locals.stream().allMatch(n -> n > 0) && locals.equals(numbers(replicated.matcher(body)))) {
                    return;
                }
            } catch (java.io.IOException e) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the replicas did not catch up\n" + Logs.tail(log, 60));
    }

    private static List<Long> numbers(Matcher m) {
        List<Long> out = new ArrayList<>();
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void write(Path db, int rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE IF NOT EXISTS t(x)");
            for (int i = 0; i < rows; i++) {
                s.execute("INSERT INTO t VALUES (" + i + ")");
            }
        }
    }

    private static long count(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

}
