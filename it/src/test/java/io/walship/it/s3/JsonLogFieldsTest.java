package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Walship;
import io.walship.replicator.metrics.Json;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar's JSON log lines with an S3 replica: standard field names ({@code @timestamp} in ISO 8601 UTC,
 * {@code level}, {@code logger}, {@code message}), the structured {@code db}, {@code replica} and {@code txid} fields,
 * {@code logging.level: debug} for walship's loggers only (the AWS SDK and the HTTP client stay at WARN) unless
 * {@code WALSHIP_LOG_LEVEL} names them, and durations written as the configuration writes them.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class JsonLogFieldsTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();
    private static final Pattern ISO_UTC = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

    @TempDir
    Path dir;

    @Test
    void jsonLinesCarryStandardAndStructuredFields() throws Exception {
        Path db = dir.resolve("app.db");
        List<Map<?, ?>> lines = run(db, "json-a", Map.of());
        String dbPath = db.toAbsolutePath().normalize().toString();
        for (Map<?, ?> l : lines) {
            assertTrue(ISO_UTC.matcher(String.valueOf(l.get("@timestamp"))).matches(), "@timestamp in " + l);
            Instant.parse((String) l.get("@timestamp"));
            assertTrue(LEVELS.contains(l.get("level")), "level in " + l);
            assertTrue(l.get("logger") instanceof String, "logger in " + l);
            assertTrue(l.get("message") instanceof String, "message in " + l);
            for (String legacy : List.of("@version", "level_value", "logger_name")) {
                assertFalse(l.containsKey(legacy), legacy + " in " + l);
            }
            if (l.containsKey("txid")) {
                assertTrue(l.get("txid") instanceof BigDecimal t && t.scale() <= 0, "txid is a decimal integer in " + l);
            }
            assertFalse(Pattern.compile("\\bPT\\d").matcher((String) l.get("message")).find(), "an ISO-8601 duration in " + l);
            String logger = (String) l.get("logger");
            assertFalse(logger.startsWith("software.amazon.awssdk") || logger.startsWith("org.apache.hc"),
                    "the SDK and the HTTP client stay at WARN: " + l);
        }
        assertTrue(lines.stream().anyMatch(l -> "DEBUG".equals(l.get("level")) && ((String) l.get("logger")).startsWith("io.walship")),
                "logging.level debug shows walship's debug lines");
        Map<?, ?> snapshot = lines.stream().filter(l -> ((String) l.get("message")).contains("taking the initial snapshot"))
                .findFirst().orElseThrow(() -> new AssertionError("no initial snapshot line in " + lines));
        assertEquals(dbPath, snapshot.get("db"), snapshot.toString());
        assertEquals(new BigDecimal(1), snapshot.get("txid"), snapshot.toString());
        assertTrue(lines.stream().anyMatch(l -> dbPath.equals(l.get("db")) && "s3".equals(l.get("replica"))),
                "a shipping line names the database and the replica: " + lines);
        assertTrue(lines.stream().anyMatch(l -> "s3".equals(l.get("replica")) && l.get("txid") != null),
                "a shipping line names a txid");
    }

    @Test
    void walshipLogLevelCanAskForTheSdk() throws Exception {
        List<Map<?, ?>> lines = run(dir.resolve("app.db"), "json-b", Map.of("WALSHIP_LOG_LEVEL", "info,software.amazon.awssdk=debug"));
        assertTrue(lines.stream().anyMatch(l -> ((String) l.get("logger")).startsWith("software.amazon.awssdk")
                && "DEBUG".equals(l.get("level"))), "the SDK's debug lines when asked for");
        assertFalse(lines.stream().anyMatch(l -> "DEBUG".equals(l.get("level")) && ((String) l.get("logger")).startsWith("io.walship")),
                "walship's own loggers at info");
    }

    /** Replicates {@code db} while an app writes 30 rows, with JSON logs on stderr; returns every log line, parsed. */
    private List<Map<?, ?>> run(Path db, String prefix, Map<String, String> extraEnv) throws Exception {
        Path config = dir.resolve(prefix + ".yml");
        // Checkpoints after a few pages, so that walship logs its DEBUG lines about them.
        Files.writeString(config, Sidecar.config(db, S3.url(S3.bucket(), prefix), "  type: json\n  level: debug\n",
                "    min-checkpoint-page-count: 4\n"));
        Path app = dir.resolve("app.py");
        Files.writeString(app, Sidecar.app(30, 0.02));
        Map<String, String> env = new java.util.HashMap<>(S3ProxyServer.env());
        env.putAll(extraEnv);
        Walship.Result r = Walship.run(env, List.of("-Xmx256m"), Duration.ofSeconds(90),
                List.of("replicate", "-config", config.toString(), "-exec", "python3 " + app + " " + db));
        assertEquals(0, r.exitCode(), r.describe());
        assertFalse(r.output().contains(S3ProxyServer.SECRET_KEY), "no secret in the logs");
        List<Map<?, ?>> lines = new ArrayList<>();
        for (String line : r.stderr().lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            assertTrue(line.startsWith("{"), "every stderr line is a JSON log line: " + line + "\n" + r.describe());
            lines.add((Map<?, ?>) Json.parse(line));
        }
        assertTrue(lines.size() > 5, r.describe());
        return lines;
    }
}
