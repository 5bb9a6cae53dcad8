package io.walship.it.s3;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 server for the tests: S3Proxy 4 in this JVM, on 127.0.0.1 and a random port, storing into a temporary
 * folder (its filesystem backend), with one fixed access key and secret (AWS signature v2 or v4).
 *
 * <p>As a JUnit 5 extension ({@code @RegisterExtension static final S3ProxyServer s3 = new S3ProxyServer();}) it
 * starts before the class's first test, creates a fresh bucket before each test ({@link #bucket()}), and stops after
 * the last test. It can also be used on its own with {@link #start()} and {@link #close()}.
 *
 * <p>{@link #client()} is an independent AWS SDK client (not walship's code) for arranging and inspecting the bucket:
 * creating buckets, listing raw keys, putting directory markers, reading ETags.
 */
public final class S3ProxyServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AutoCloseable {
    public static final String ACCESS_KEY = "walship-it-access-key";
    /** Distinctive, so that a test can assert it never appears in any output. */
    public static final String SECRET_KEY = "walship-it-SECRET-9f3c1e7a2b";
    public static final String REGION = "us-east-1";

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    static {
        quietLoggers();
        // Never let an SDK in this JVM look for the EC2 instance metadata service (a non-loopback address).
        System.setProperty("aws.disableEc2Metadata", "true");
    }

    private Path baseDir;
    private S3Proxy proxy;
    private URI endpoint;
    private S3Client client;
    private String bucket;

    /** Starts the server (idempotent). */
    public synchronized S3ProxyServer start() throws Exception {
        if (proxy != null) {
            return this;
        }
        long t0 = System.nanoTime();
        baseDir = Files.createTempDirectory("walship-s3proxy-");
        proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(baseDir.toString()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        skipGracefulDrain(proxy);
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start within 30 s: state " + proxy.getState());
            }
            Thread.sleep(10);
        }
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        client = newClient(endpoint, ACCESS_KEY, SECRET_KEY);
        System.out.printf("[S3ProxyServer] S3Proxy listening on %s (data in %s), started in %d ms%n", endpoint, baseDir,
                (System.nanoTime() - t0) / 1_000_000);
        return this;
    }

    /**
     * S3Proxy 4.0.0 stops its Jetty gracefully, waiting about two seconds for keep-alive connections that clients left
     * open; a test's requests are all done by then. (Later S3Proxy versions have {@code Builder.stopTimeout(0)} for this.)
     */
    private static void skipGracefulDrain(S3Proxy proxy) {
        try {
            var field = S3Proxy.class.getDeclaredField("server");
            field.setAccessible(true);
            Object server = field.get(proxy);
            server.getClass().getMethod("setStopTimeout", long.class).invoke(server, 0L);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("[S3ProxyServer] cannot shorten S3Proxy's stop (it will take a little longer): " + e);
        }
    }

    /** An SDK client for {@code endpoint}: path style, checksums only when required (as S3-compatible servers want). */
    public static S3Client newClient(URI endpoint, String accessKey, String secretKey) {
        return newClient(endpoint, accessKey, secretKey, true);
    }

    /** As above; without retries every failure reaches the caller (for testing the fault proxy itself). */
    public static S3Client newClient(URI endpoint, String accessKey, String secretKey, boolean retries) {
        return S3Client.builder()
                .overrideConfiguration(c -> {
                    if (!retries) {
                        c.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry());
                    }
                })
                .httpClient(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30))
                        .build())
                .endpointOverride(endpoint)
                .region(Region.of(REGION))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .build();
    }

    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return proxy.getPort();
    }

    /** The raw SDK client (the tests' own view of the bucket). */
    public S3Client client() {
        return client;
    }

    /** Where the filesystem backend keeps the buckets. */
    public Path baseDir() {
        return baseDir;
    }

    /** Creates a new, empty bucket with a unique name and returns the name. */
    public String createBucket() {
        String name = "walship-it-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        client.createBucket(b -> b.bucket(name));
        return name;
    }

    /** The bucket made for the current test (by the extension). */
    public String bucket() {
        if (bucket == null) {
            throw new IllegalStateException("no bucket yet: register S3ProxyServer with @RegisterExtension (static)");
        }
        return bucket;
    }

    /** The environment walship reads credentials from: WALSHIP_ACCESS_KEY_ID and WALSHIP_SECRET_ACCESS_KEY. */
    public static Map<String, String> env() {
        return env(ACCESS_KEY, SECRET_KEY);
    }

    public static Map<String, String> env(String accessKey, String secretKey) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("WALSHIP_ACCESS_KEY_ID", accessKey);
        env.put("WALSHIP_SECRET_ACCESS_KEY", secretKey);
        return env;
    }

    /** {@code s3://BUCKET/PREFIX?endpoint=...&region=us-east-1[&extra]} for this server. */
    public String url(String bucket, String prefix, String... extraQuery) {
        return url(endpoint, bucket, prefix, extraQuery);
    }

    /** The same replica reached through another endpoint (a fault proxy in front of this server). */
    public static String url(URI endpoint, String bucket, String prefix, String... extraQuery) {
        StringBuilder b = new StringBuilder("s3://").append(bucket);
        if (!prefix.isEmpty()) {
            b.append('/').append(prefix);
        }
        b.append("?endpoint=").append(endpoint).append("&region=").append(REGION);
        for (String q : extraQuery) {
            b.append('&').append(q);
        }
        return b.toString();
    }

    /** Every object under {@code prefix} in {@code bucket}, following all pages (raw keys, markers included). */
    public List<S3Object> listRaw(String bucket, String prefix) {
        List<S3Object> out = new ArrayList<>();
        for (var page : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))) {
            out.addAll(page.contents());
        }
        return out;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        bucket = createBucket();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (proxy != null) {
            long t0 = System.nanoTime();
            try {
                proxy.stop();
                System.out.printf("[S3ProxyServer] S3Proxy on %s stopped in %d ms%n", endpoint, (System.nanoTime() - t0) / 1_000_000);
            } catch (Exception e) {
                System.err.println("stopping S3Proxy: " + e);
            }
            proxy = null;
        }
        if (baseDir != null) {
            deleteRecursively(baseDir);
            baseDir = null;
        }
    }

    static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            System.err.println("cannot delete " + p + ": " + e);
        }
    }

    /**
     * The test JVM has no logback configuration of its own, so logback logs everything at DEBUG; the HTTP server, the
     * SDK and the HTTP client would drown the tests' output. Walship's own loggers are left as they are.
     */
    private static void quietLoggers() {
        try {
            for (String name : List.of("org.gaul", "software.amazon.awssdk", "org.apache.hc", "org.eclipse.jetty",
                    "io.opentelemetry", "org.testcontainers", "com.github.dockerjava", "tc")) {
                var logger = LoggerFactory.getLogger(name);
                if (logger instanceof ch.qos.logback.classic.Logger l) {
                    l.setLevel(name.equals("org.testcontainers") ? ch.qos.logback.classic.Level.INFO : ch.qos.logback.classic.Level.WARN);
                }
            }
        } catch (LinkageError e) {
            // Another logging backend: leave it alone.
        }
    }
}
