package io.walship.bench;

import io.walship.it.WalshipProcess;
import io.walship.it.s3.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Litestream 0.3.13 (the binary of the npm package {@code @flydotio/litestream-linux-x64@1.0.1}) with a config file
 * that holds only what reaching the S3 server needs: every replication setting is Litestream's default.
 *
 * <p>Litestream has no position endpoint that says "the replica holds the app's last commit", so catching up is
 * judged by silence: after the app stopped, no request for {@value #QUIET_SECONDS} s (five of its 1 s sync
 * intervals). The benchmark then restores the replica and checks that the app's last row is there.
 */
final class LitestreamSubject implements Subject {
    static final String PREFIX = "litestream";
    static final int QUIET_SECONDS = 5;

    private final Lab lab;
    private final Path binary;

    LitestreamSubject(Lab lab, Path binary) {
        this.lab = lab;
        this.binary = binary;
    }

    @Override
    public String name() {
        return "litestream";
    }

    @Override
    public String client() {
        return "aws-sdk-go";
    }

    private Path config(Path db, String bucket, Settings settings) throws IOException {
        StringBuilder yml = new StringBuilder()
                .append("dbs:\n")
                .append("  - path: ").append(db.toAbsolutePath()).append('\n')
                .append("    replicas:\n")
                .append("      - type: s3\n")
                .append("        bucket: ").append(bucket).append('\n')
                .append("        path: ").append(PREFIX).append('\n')
                .append("        endpoint: ").append(lab.proxy.endpoint()).append('\n')
                .append("        region: ").append(S3ProxyServer.REGION).append('\n')
                .append("        force-path-style: true\n")
                .append("        access-key-id: ").append(S3ProxyServer.ACCESS_KEY).append('\n')
                .append("        secret-access-key: ").append(S3ProxyServer.SECRET_KEY).append('\n');
        if (settings.syncInterval() != null) {
            yml.append("        sync-interval: ").append(settings.syncInterval().toMillis()).append("ms\n");
        }
        Path config = db.resolveSibling("litestream.yml");
        Files.writeString(config, yml.toString());
        return config;
    }

    @Override
    public List<String> restoreCommand(Path db, String bucket, Path out) throws IOException {
        Path config = db.resolveSibling("litestream.yml");
        if (!Files.exists(config)) {
            config(db, bucket, Settings.DEFAULTS);
        }
        return List.of(binary.toString(), "restore", "-config", config.toString(), "-o", out.toString(), db.toAbsolutePath().toString());
    }

    @Override
    public Running start(Path db, String bucket, Settings settings) throws IOException {
        Path config = config(db, bucket, settings);
        Path log = db.resolveSibling("litestream.log");
        int mark = lab.proxy.mark();
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "replicate", "-config", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("LITESTREAM_") || k.startsWith("AWS_"));
        Process p = pb.start();
        p.getOutputStream().close();
        return new Running() {
            @Override
            public long pid() {
                return p.pid();
            }

            @Override
            public Path log() {
                return log;
            }

            @Override
            public void awaitReady(Duration timeout) throws IOException, InterruptedException {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (lab.proxy.since(mark).stream().noneMatch(e -> e.client.equals(client()) && e.op == CountingProxy.Op.PUT
                        && e.target.contains("/snapshots/") && e.responseNanos != 0)) {
                    if (!p.isAlive()) {
                        throw new IOException("litestream exited with code " + p.exitValue() + "; see " + log);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException("litestream did not upload its first snapshot within " + timeout + "; see " + log);
                    }
                    Thread.sleep(50);
                }
                Quiet.await(lab.proxy, client(), Duration.ofSeconds(2), deadline);
            }

            @Override
            public long awaitCaughtUp(int proxyMark, Duration timeout) throws IOException, InterruptedException {
                if (!p.isAlive()) {
                    throw new IOException("litestream exited with code " + p.exitValue() + "; see " + log);
                }
                long now = System.nanoTime();
                Quiet.await(lab.proxy, client(), Duration.ofSeconds(QUIET_SECONDS), now, now + timeout.toNanos());
                return Quiet.lastUpload(lab.proxy.since(proxyMark), client());
            }

            @Override
            public int stop() throws InterruptedException {
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                return p.exitValue();
            }

            @Override
            public void close() {
                WalshipProcess.kill(p);
            }
        };
    }
}
