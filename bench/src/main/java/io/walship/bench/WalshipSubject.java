package io.walship.bench;

import io.walship.it.WalshipProcess;
import io.walship.it.s3.S3ProxyServer;
import io.walship.replicator.metrics.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * walship through its real fat jar, launched the way users launch it: the release archive's launcher
 * ({@code dist/src/bin/walship}) in a copy of the archive's layout ({@code bin/walship}, {@code lib/walship.jar} linked
 * to the jar under test, and {@code lib/walship.jsa} when a class-data sharing archive lies beside that jar), so the
 * JVM gets exactly the options the launcher chooses by default. Here with {@code replicate -config FILE} so that the
 * daemon serves {@code /status} and {@code /metrics} on a loopback port.
 *
 * <p>{@code WALSHIP_BENCH_JAVA_OPTS}, for experiments only, reaches walship as its {@code WALSHIP_JAVA_OPTS}; a run
 * whose numbers are reported sets none (the JSON records it under {@code options.walshipJavaOpts}).
 */
final class WalshipSubject implements Subject {
    static final String PREFIX = "walship";
    static final String JAVA_OPTS = System.getenv().getOrDefault("WALSHIP_BENCH_JAVA_OPTS", "");

    private final Lab lab;
    private final Path launcher;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    WalshipSubject(Lab lab, Path jar, Path launcherScript) throws IOException {
        this.lab = lab;
        Path home = lab.work.resolve("walship-home");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        this.launcher = home.resolve("bin/walship");
        Files.copy(launcherScript, launcher, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        launcher.toFile().setExecutable(true);
        Files.createSymbolicLink(home.resolve("lib/walship.jar"), jar.toAbsolutePath());
        Path jsa = jar.toAbsolutePath().resolveSibling("walship.jsa");
        if (Files.isRegularFile(jsa)) {
            Files.createSymbolicLink(home.resolve("lib/walship.jsa"), jsa);
        }
    }

    @Override
    public String name() {
        return "walship";
    }

    @Override
    public String client() {
        return "aws-sdk-java";
    }

    /** The replica URL walship's CLI takes (credentials come from the environment). */
    String url(String bucket) {
        return S3ProxyServer.url(lab.proxy.endpoint(), bucket, PREFIX);
    }

    /** {@code bin/walship ARGS...}: the launcher's default JVM settings, as users run walship. */
    List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The environment of every walship process: the S3 credentials, no inherited WALSHIP_, AWS_ or JAVA_ variables (the
     * launcher's {@code java} is the bench's own), and {@code WALSHIP_BENCH_JAVA_OPTS} as {@code WALSHIP_JAVA_OPTS}.
     */
    static void environment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("WALSHIP_") || k.startsWith("AWS_") || k.equals("JAVA_TOOL_OPTIONS")
                || k.equals("JDK_JAVA_OPTIONS"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        if (!JAVA_OPTS.isBlank()) {
            env.put("WALSHIP_JAVA_OPTS", JAVA_OPTS);
        }
        env.putAll(S3ProxyServer.env());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
    }

    @Override
    public List<String> restoreCommand(Path db, String bucket, Path out) {
        return command("restore", "-o", out.toString(), url(bucket));
    }

    @Override
    public WalshipRunning start(Path db, String bucket, Settings settings) throws IOException {
        int port = Lab.freePort();
        StringBuilder yml = new StringBuilder()
                .append("addr: \"127.0.0.1:").append(port).append("\"\n");
        if (settings.compactionLevels() != null) {
            yml.append("levels:").append(settings.compactionLevels().isEmpty() ? " []" : "").append('\n');
            settings.compactionLevels().forEach(d -> yml.append("  - interval: ").append(d.toMillis()).append("ms\n"));
        }
        yml.append("dbs:\n")
                .append("  - path: ").append(db.toAbsolutePath()).append('\n');
        if (settings.emergencyWalBytes() != null) {
            yml.append("    emergency-wal-size: ").append(settings.emergencyWalBytes()).append("B\n");
        }
        yml.append("    replicas:\n")
                .append("      - name: s3\n")
                .append("        type: s3\n")
                .append("        bucket: ").append(bucket).append('\n')
                .append("        path: ").append(PREFIX).append('\n')
                .append("        endpoint: ").append(lab.proxy.endpoint()).append('\n')
                .append("        region: ").append(S3ProxyServer.REGION).append('\n');
        if (settings.syncInterval() != null) {
            yml.append("        sync-interval: ").append(settings.syncInterval().toMillis()).append("ms\n");
        }
        Path config = db.resolveSibling("walship.yml");
        Files.writeString(config, yml.toString());
        Path log = db.resolveSibling("walship.log");
        ProcessBuilder pb = new ProcessBuilder(command("replicate", "-config", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        environment(pb.environment());
        Process p = pb.start();
        p.getOutputStream().close();
        return new WalshipRunning(p, URI.create("http://127.0.0.1:" + port), log);
    }

    /** A walship daemon and its HTTP endpoints. */
    final class WalshipRunning implements Running {
        private final Process process;
        private final URI base;
        private final Path log;

        WalshipRunning(Process process, URI base, Path log) {
            this.process = process;
            this.base = base;
            this.log = log;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public Path log() {
            return log;
        }

        URI statusUrl() {
            return base.resolve("/status");
        }

        /** The first database's local txid and its replica's txid, or null while the daemon does not answer. */
        Position position() throws InterruptedException {
            String body = get("/status");
            if (body == null) {
                return null;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = (Map<String, Object>) Json.parse(body);
            @SuppressWarnings("unchecked")
            List<Object> dbs = (List<Object>) doc.get("databases");
            if (dbs == null || dbs.isEmpty()) {
                return null; // the daemon answers before its databases are registered
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> db = (Map<String, Object>) dbs.get(0);
            @SuppressWarnings("unchecked")
            List<Object> replicas = (List<Object>) db.get("replicas");
            if (replicas == null || replicas.isEmpty()) {
                return null;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> replica = (Map<String, Object>) replicas.get(0);
            return new Position(number(db.get("localTxid")), number(replica.get("replicatedTxid")));
        }

        /** The Prometheus text of /metrics, or null. */
        String metrics() throws InterruptedException {
            return get("/metrics");
        }

        private String get(String path) throws InterruptedException {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                return r.statusCode() == 200 ? r.body() : null;
            } catch (IOException e) {
                return null;
            }
        }

        private static long number(Object o) {
            return o instanceof BigDecimal b ? b.longValueExact() : -1;
        }

        private void assertAlive() throws IOException {
            if (!process.isAlive()) {
                throw new IOException("walship exited with code " + process.exitValue() + "; see " + log);
            }
        }

        @Override
        public void awaitReady(Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                assertAlive();
                Position p = position();
                if (p != null && p.replicated() >= 1 && p.replicated() == p.local()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("walship did not ship its initial snapshot within " + timeout + "; see " + log);
                }
                Thread.sleep(50);
            }
            Quiet.await(lab.proxy, client(), Duration.ofSeconds(1), deadline);
        }

        /** Waits until the replica holds {@code txid} (when the app's commit count says which txid is its last). */
        void awaitReplicated(long txid, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            Position p = position();
            while (p == null || p.replicated() < txid) {
                assertAlive();
                if (System.nanoTime() > deadline) {
                    throw new IOException("walship did not replicate txid " + txid + " within " + timeout + " (" + p + "); see " + log);
                }
                Thread.sleep(20);
                p = position();
            }
        }

        @Override
        public long awaitCaughtUp(int proxyMark, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                assertAlive();
                long t = System.nanoTime();
                Position p = position();
                if (p != null && p.replicated() == p.local()) {
                    // The app has stopped: two sync intervals without a request and without a new capture.
                    Quiet.await(lab.proxy, client(), Duration.ofSeconds(2), t, deadline);
                    Position again = position();
                    if (p.equals(again)) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("walship did not catch up within " + timeout + " (" + p + "); see " + log);
                }
                Thread.sleep(50);
            }
            return Quiet.lastUpload(lab.proxy.since(proxyMark), client());
        }

        @Override
        public int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            WalshipProcess.kill(process);
        }
    }

    /** walship's local txid (captured into the spool) and the replica's txid. */
    record Position(long local, long replicated) {
    }
}
