package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.replicator.metrics.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Moving from Litestream: the real Litestream 0.3.13 binary replicates a database a Python app writes, to a folder and
 * to an S3 bucket (S3Proxy) at once; after Litestream stops, the real walship jar restores both replicas, and each
 * restored database holds exactly the app's last committed state (its digest for that progress row) and passes
 * integrity_check; {@code walship ls} says the replicas are Litestream layouts. Restores at several object times are
 * compared with the app's digests and, byte for byte, with Litestream's own restore at the same time.
 *
 * <p>Needs the binary (npm package {@code @flydotio/litestream-linux-x64@1.0.1}, which {@code .ci/run} fetches when it
 * can): the system property {@code walship.litestream}, else {@code $WALSHIP_LITESTREAM}, else
 * {@code /tmp/package/litestream}, else {@code target/litestream/package/litestream} of this module. Without it the
 * test is skipped.
 */
class LitestreamMigrationTest extends S3ScenarioSupport {

    static Optional<Path> litestreamBinary() {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("walship.litestream")).ifPresent(candidates::add);
        Optional.ofNullable(System.getenv("WALSHIP_LITESTREAM")).ifPresent(candidates::add);
        candidates.add("/tmp/package/litestream");
        candidates.add("target/litestream/package/litestream");   // the it module's folder, where Maven runs the tests
        candidates.add("it/target/litestream/package/litestream");
        return candidates.stream().filter(s -> !s.isBlank()).map(Path::of).filter(Files::isExecutable).findFirst()
                .map(p -> p.toAbsolutePath().normalize());
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void walshipRestoresWhatLitestream0313ReplicatedToAFolderAndToS3() throws Exception {
        Optional<Path> binary = litestreamBinary();
        assumeTrue(binary.isPresent(), "the Litestream 0.3.13 binary is not here (see .ci/run); skipping");
        String version = run(List.of(binary.get().toString(), "version"), Duration.ofSeconds(20)).strip();
        assumeTrue(version.startsWith("v0.3."), binary.get() + " is Litestream " + version + ", not 0.3; skipping");
        step("Litestream " + version + " at " + binary.get());

        Path fileReplica = tmp.resolve("litestream-file-replica");
        Path config = work.resolve("litestream.yml");
        Files.writeString(config, config(fileReplica));
        // The app first creates its database, then keeps writing while Litestream replicates it.
        writer("writer-1").seed(61).txs(20).sleep(0.002).start().awaitSuccess(Duration.ofSeconds(60));
        Path litestreamLog = work.resolve("litestream.log");
        Process litestream = new ProcessBuilder(binary.get().toString(), "replicate", "-config", config.toString())
                .redirectErrorStream(true).redirectOutput(litestreamLog.toFile()).start();
        reap(() -> {
            litestream.destroyForcibly();
            litestream.waitFor(10, TimeUnit.SECONDS);
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Logs.count(litestreamLog, "snapshot written") < 2) {
            assertTrue(litestream.isAlive(), "Litestream exited\n" + Logs.tail(litestreamLog, 40));
            assertTrue(System.nanoTime() < deadline, "Litestream wrote no snapshot in 30 s\n" + Logs.tail(litestreamLog, 40));
            sleep(100);
        }
        step("Litestream took its first snapshots");
        Map<String, String> stats = writer("writer-2").seed(62).txs(400).sleep(0.01).maxOps(8)
                .checkpointBusyTimeoutMs(200).every(150, "checkpoint:TRUNCATE").at(120, "bigtx:2").at(260, "vacuum")
                .start().awaitSuccess(Duration.ofSeconds(120));
        step("writer done: " + stats);
        sleep(1500);
        litestream.destroy(); // SIGTERM: Litestream syncs every replica one last time and exits
        assertTrue(litestream.waitFor(30, TimeUnit.SECONDS), "Litestream did not stop\n" + Logs.tail(litestreamLog, 40));
        step("Litestream stopped with exit code " + litestream.exitValue());
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        long finalI = digests.lastKey();
        assertEquals(420, finalI);

        String s3Url = url();
        String fileUrl = "file://" + fileReplica;
        for (String replica : List.of(fileUrl, s3Url)) {
            Jar.Result ls = Jar.run(S3ProxyServer.env(), Duration.ofSeconds(60), "ls", replica);
            assertTrue(ls.ok() && ls.stdout().contains("layout Litestream 0.3"), ls.describe());
            Jar.Result lsJson = Jar.run(S3ProxyServer.env(), Duration.ofSeconds(60), "ls", "--json", replica);
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = (Map<String, Object>) Json.parse(lsJson.stdout().trim());
            assertEquals("litestream-0.3", doc.get("layout"), lsJson.describe());
            assertTrue(((List<?>) doc.get("generations")).size() >= 1, lsJson.describe());

            Path out = tmp.resolve("restores").resolve(replica.startsWith("s3:") ? "from-s3.db" : "from-file.db");
            Jar.Result r = Jar.run(S3ProxyServer.env(), Duration.ofSeconds(120), "restore", "-o", out.toString(), replica);
            assertTrue(r.ok(), r.describe());
            assertTrue(r.stdout().contains("from Litestream generation") && r.stdout().contains("integrity ok"),
                    r.describe());
            assertTrue(r.stderr().contains("is a Litestream 0.3 replica; restoring its generation"), r.describe());
            Digest.State state = read(out);
            assertEquals(finalI, state.i(), "the restore from " + replica + " holds the app's last transaction");
            assertEquals(digests.get(state.i()), state.digest(), "content restored from " + replica);
            step("restored " + replica + ": i=" + state.i() + ", digest matches, integrity ok");
            if (replica.equals(fileUrl)) {
                Path theirs = tmp.resolve("restores/litestream-latest.db");
                String their = run(List.of(binary.get().toString(), "restore", "-o", theirs.toString(), fileUrl),
                        Duration.ofSeconds(60));
                assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(out),
                        "walship and Litestream restore the same bytes\n" + their);
            }
        }

        // Points in time: the times of some WAL segments Litestream stored, restored by both tools from the folder.
        List<Instant> times;
        try (Stream<Path> files = Files.walk(fileReplica)) {
            times = files.filter(p -> p.toString().endsWith(".wal.lz4")).map(LitestreamMigrationTest::mtime).sorted()
                    .toList();
        }
        assertTrue(times.size() >= 10, "Litestream wrote WAL segments: " + times.size());
        long previousI = -1;
        for (int k = 1; k <= 5; k++) {
            Instant t = times.get(times.size() * k / 6);
            Path ours = tmp.resolve("restores/at-" + k + ".db");
            Path theirs = tmp.resolve("restores/litestream-at-" + k + ".db");
            Jar.Result r = Jar.run(Map.of(), Duration.ofSeconds(120), "restore", "-o", ours.toString(), "--timestamp",
                    t.toString(), fileUrl);
            assertTrue(r.ok(), r.describe());
            Digest.State state = read(ours);
            assertEquals(digests.get(state.i()), state.digest(), "content at " + t);
            assertTrue(state.i() >= previousI, "history moves forward with time");
            previousI = state.i();
            String their = run(List.of(binary.get().toString(), "restore", "-o", theirs.toString(), "-timestamp",
                    t.toString(), fileUrl), Duration.ofSeconds(60));
            assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours),
                    "walship and Litestream restore the same bytes at " + t + "\n" + their);
            step("at " + t + ": i=" + state.i() + ", same bytes as Litestream's restore");
        }
    }

    private String config(Path fileReplica) {
        return String.join("\n",
                "dbs:",
                "  - path: " + db,
                "    monitor-interval: 100ms",
                "    checkpoint-interval: 1s",
                "    min-checkpoint-page-count: 50",
                "    replicas:",
                "      - name: file",
                "        url: file://" + fileReplica,
                "        sync-interval: 200ms",
                "        snapshot-interval: 3s",
                "      - name: s3",
                "        type: s3",
                "        bucket: " + bucket,
                "        path: " + PREFIX,
                "        endpoint: " + S3.endpoint(),
                "        region: " + S3ProxyServer.REGION,
                "        force-path-style: true",
                "        access-key-id: " + S3ProxyServer.ACCESS_KEY,
                "        secret-access-key: " + S3ProxyServer.SECRET_KEY,
                "        sync-interval: 200ms",
                "        snapshot-interval: 3s",
                "");
    }

    private static Digest.State read(Path database) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                assertTrue(rs.next());
                assertEquals("ok", rs.getString(1), "integrity_check of " + database);
            }
            return Digest.read(c);
        }
    }

    private static Instant mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command to its end and returns what it printed; fails the test on a non-zero exit. */
    private static String run(List<String> command, Duration timeout) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), command + " did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + " failed:\n" + text);
        return text;
    }
}
