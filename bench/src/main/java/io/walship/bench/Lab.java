package io.walship.bench;

import io.walship.it.s3.S3ProxyServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bench's environment: one S3Proxy (in this JVM) with the counting proxy in front, a work folder, and the
 * helpers every scenario uses. Replicators reach the S3 server only through the counting proxy; the bench's own
 * look-ups (listing a bucket) go to S3Proxy directly and are not counted.
 */
final class Lab implements AutoCloseable {
    final Options options;
    final S3ProxyServer s3;
    final CountingProxy proxy;
    final Path work;
    final BuildLock buildLock;
    private int dirs;

    Lab(Options options, Path work, BuildLock buildLock) throws Exception {
        this.options = options;
        this.work = work;
        this.buildLock = buildLock;
        this.s3 = new S3ProxyServer().start();
        this.proxy = CountingProxy.start(s3.port());
    }

    /** A new empty folder under the work folder. */
    Path newDir(String name) throws IOException {
        return Files.createDirectories(work.resolve(String.format("%02d-%s", ++dirs, name)));
    }

    String newBucket() {
        return s3.createBucket();
    }

    /** Objects and bytes in a bucket, listed directly (not through the counting proxy). */
    record BucketSize(long objects, long bytes) {
    }

    BucketSize bucketSize(String bucket) {
        List<S3Object> all = s3.listRaw(bucket, "");
        return new BucketSize(all.size(), all.stream().mapToLong(S3Object::size).sum());
    }

    /** A free loopback port (for walship's addr). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Little-endian int64 values, as Python's array('q').tofile writes them on x86-64 and arm64. */
    static long[] readInt64(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    /** Runs a command to its end within {@code seconds}, output to {@code log}; returns the exit code. */
    static int run(List<String> command, Map<String, String> env, Path log, long seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException(String.join(" ", command) + " did not finish within " + seconds + " s; see " + log);
        }
        return p.exitValue();
    }

    static double mib(double bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    @Override
    public void close() {
        proxy.close();
        s3.close();
    }
}
