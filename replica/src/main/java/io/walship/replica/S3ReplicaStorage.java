package io.walship.replica;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import io.walship.config.S3Credentials;
import io.walship.config.S3Location;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.AttributeMap;
import software.amazon.awssdk.utils.IoUtils;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * A replica in an S3-compatible bucket (AWS S3, MinIO, R2, B2, Ceph, ...), through the AWS SDK for Java v2 with the
 * blocking Apache HttpClient 5 client.
 *
 * <p>Writes are create-only where the server honours {@code If-None-Match: *}: the first put finds out (a probe
 * object is written twice and must be refused the second time) and logs the mode in use. A refused put is then
 * compared with the local bytes: the same bytes mean an earlier attempt already succeeded; other bytes mean another
 * writer owns the path ({@link ObjectExistsException}). Files larger than the part size go up as multipart uploads
 * whose parts are read from the file on demand, so memory stays bounded by concurrency times a small buffer.
 *
 * <p>Every request is retried by the SDK with exponential backoff and jitter on 5xx, 408, 429, timeouts and
 * connection resets, with a time limit per attempt; callers retry whole uploads on top. Downloads that lose their
 * connection continue with a ranged GET from where they stopped, pinned to the same ETag.
 */
public final class S3ReplicaStorage implements ReplicaStorage {
    private static final Logger log = LoggerFactory.getLogger(S3ReplicaStorage.class);
    private static final int RESUMES = 5;

    /** Where walship looks for credentials, in order; the message when none is found names every place. */
    static final String CREDENTIAL_SOURCES = "access-key-id and secret-access-key in the replica URL or the config file,"
            + " WALSHIP_ACCESS_KEY_ID and WALSHIP_SECRET_ACCESS_KEY, LITESTREAM_ACCESS_KEY_ID and"
            + " LITESTREAM_SECRET_ACCESS_KEY, then the AWS default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
            + " the profile in ~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE, a web identity token, the container"
            + " and instance roles)";

    private final S3Location location;
    private final S3Client s3;
    private final String root;
    private final long partSize;
    private volatile Boolean createOnly;

    public S3ReplicaStorage(S3Location location, Map<String, String> env) {
        this.location = location;
        this.root = location.path().isEmpty() ? "" : location.path() + "/";
        this.partSize = location.partSize().bytes();
        this.s3 = client(location, env);
    }

    private static int maxConnections(S3Location o) {
        return Math.max(8, o.concurrency() * 2);
    }

    /** The connection pool's size: a restore's reads ahead each hold a connection while they stream. */
    @Override
    public int maxConcurrentReads() {
        return maxConnections(location);
    }

    private static S3Client client(S3Location o, Map<String, String> env) {
        var http = Apache5HttpClient.builder()
                .maxConnections(maxConnections(o))
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30));
        SdkHttpClient httpClient = o.skipVerify()
                ? http.buildWithDefaults(AttributeMap.builder().put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, true).build())
                : http.build();
        var builder = S3Client.builder()
                .httpClient(httpClient)
                .region(region(o))
                .forcePathStyle(o.forcePathStyle())
                .credentialsProvider(credentials(o, env))
                .requestChecksumCalculation(o.checksum() == S3Location.Checksum.WHEN_REQUIRED
                        ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(o.checksum() == S3Location.Checksum.WHEN_REQUIRED
                        ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED)
                .overrideConfiguration(c -> c
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(6)
                                .retryOnException(S3ReplicaStorage::alsoRetry)
                                .build())
                        .apiCallAttemptTimeout(Duration.ofMinutes(2)));
        if (o.endpoint() != null) {
            builder.endpointOverride(o.endpoint());
        }
        return builder.build();
    }

    /** 408 Request Timeout is retryable too; the SDK's standard strategy already covers 5xx, 429 and I/O errors. */
    private static boolean alsoRetry(Throwable t) {
        return t instanceof SdkServiceException e && e.statusCode() == 408;
    }

    private static Region region(S3Location o) {
        if (o.region() != null) {
            return Region.of(o.region());
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            return Region.US_EAST_1;
        }
    }

    private static AwsCredentialsProvider credentials(S3Location o, Map<String, String> env) {
        S3Credentials given = o.credentials();
        if (given != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(given.accessKeyId().reveal(),
                    given.secretAccessKey().reveal()));
        }
        // walship's own variables first, then Litestream's, so that a Litestream deployment works unchanged.
        for (String prefix : new String[] {"WALSHIP", "LITESTREAM"}) {
            String id = env.get(prefix + "_ACCESS_KEY_ID");
            String secret = env.get(prefix + "_SECRET_ACCESS_KEY");
            if (id != null && !id.isEmpty() && secret != null && !secret.isEmpty()) {
                return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
            }
        }
        return new DefaultChain(DefaultCredentialsProvider.builder().build());
    }

    /**
     * The AWS default credentials chain, with its failure to find any marked ({@link NoCredentials}), so that the error
     * says where walship looked in one line instead of the SDK's list of every provider's complaint.
     */
    private record DefaultChain(AwsCredentialsProvider chain) implements AwsCredentialsProvider, SdkAutoCloseable {
        @Override
        public AwsCredentials resolveCredentials() {
            try {
                return chain.resolveCredentials();
            } catch (SdkClientException e) {
                throw SdkClientException.create("no credentials found", new NoCredentials(e));
            }
        }

        /** The chain may hold refresh threads (instance and container roles); they go with the client. */
        @Override
        public void close() {
            IoUtils.closeIfCloseableV2(chain, null);
        }
    }

    /** Marks the default chain's failure to find credentials. */
    private static final class NoCredentials extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoCredentials(Throwable cause) {
            super("no credentials found", cause);
        }
    }

    public S3Location location() {
        return location;
    }

    @Override
    public String describe() {
        return location.describe();
    }

    /** Whether puts are create-only; null until the first put found out. */
    public Boolean createOnly() {
        return createOnly;
    }

    @Override
    public void put(String key, Path source) throws IOException {
        boolean conditional = detectCreateOnly();
        long size = Files.size(source);
        try {
            if (size <= partSize) {
                s3.putObject(b -> b.bucket(location.bucket()).key(root + key).contentLength(size)
                        .ifNoneMatch(conditional ? "*" : null).storageClass(location.storageClass()), RequestBody.fromFile(source));
            } else {
                multipartPut(root + key, source, size, conditional);
            }
        } catch (SdkException e) {
            if (conditional && isPreconditionFailed(e)) {
                if (sameContent(key, source, size)) {
                    log.debug("{} already holds {} with the same bytes; an earlier attempt succeeded", describe(), key);
                    return;
                }
                throw new ObjectExistsException(key, describe());
            }
            throw translate(e, "put " + key);
        }
    }

    private void multipartPut(String fullKey, Path source, long size, boolean conditional) throws IOException {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(location.bucket()).key(fullKey)
                .storageClass(location.storageClass())).uploadId();
        int parts = (int) ((size + partSize - 1) / partSize);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parts, location.concurrency()), r -> {
            Thread t = new Thread(r, "s3-part-upload");
            t.setDaemon(true);
            return t;
        });
        boolean done = false;
        try {
            List<Future<CompletedPart>> futures = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                int partNumber = i + 1;
                long offset = (long) i * partSize;
                long length = Math.min(partSize, size - offset);
                futures.add(pool.submit(() -> {
                    // The body reopens the file at its offset on every attempt, so a retried part needs no buffer.
                    RequestBody body = RequestBody.fromContentProvider(() -> openRange(source, offset, length), length,
                            "application/octet-stream");
                    String etag = s3.uploadPart(b -> b.bucket(location.bucket()).key(fullKey).uploadId(uploadId)
                            .partNumber(partNumber).contentLength(length), body).eTag();
                    return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
                }));
            }
            List<CompletedPart> completed = new ArrayList<>();
            for (Future<CompletedPart> f : futures) {
                completed.add(f.get());
            }
            s3.completeMultipartUpload(b -> b.bucket(location.bucket()).key(fullKey).uploadId(uploadId)
                    .ifNoneMatch(conditional ? "*" : null)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build()));
            done = true;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SdkException se) {
                throw se;
            }
            throw new IOException("multipart upload of " + fullKey + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during multipart upload of " + fullKey, e);
        } finally {
            pool.shutdownNow();
            if (!done) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(location.bucket()).key(fullKey).uploadId(uploadId));
                } catch (SdkException e) {
                    log.debug("aborting multipart upload {} failed (the bucket's lifecycle rules will clean it up)", uploadId, e);
                }
            }
        }
    }

    private static InputStream openRange(Path file, long offset, long length) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(offset);
            return new FilterInputStream(Channels.newInputStream(ch)) {
                private long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Finds out once whether the server refuses a second create-only put of the same key, and says which mode is in
     * use. Servers that ignore the header would silently let two daemons overwrite each other's history.
     */
    private boolean detectCreateOnly() throws IOException {
        Boolean known = createOnly;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (createOnly != null) {
                return createOnly;
            }
            String probe = root + ".walship-probe-" + UUID.randomUUID();
            boolean honoured;
            try {
                s3.putObject(b -> b.bucket(location.bucket()).key(probe).ifNoneMatch("*"), RequestBody.fromString("probe"));
                try {
                    s3.putObject(b -> b.bucket(location.bucket()).key(probe).ifNoneMatch("*"), RequestBody.fromString("probe"));
                    honoured = false;
                } catch (SdkException e) {
                    if (!isPreconditionFailed(e)) {
                        throw e;
                    }
                    honoured = true;
                }
                s3.deleteObject(b -> b.bucket(location.bucket()).key(probe));
            } catch (SdkException e) {
                throw translate(e, "write to");
            }
            if (honoured) {
                log.info("{}: the server honours If-None-Match; objects are written create-only", describe());
            } else {
                log.warn("{}: the server ignores If-None-Match; objects are written unconditionally, so make sure only one "
                        + "walship writes to this path", describe());
            }
            createOnly = honoured;
            return honoured;
        }
    }

    private static boolean isPreconditionFailed(SdkException e) {
        return e instanceof SdkServiceException s && s.statusCode() == 412;
    }

    private boolean sameContent(String key, Path source, long size) throws IOException {
        try (InputStream remote = get(key, 0);
             InputStream local = Files.newInputStream(source)) {
            byte[] a = new byte[1 << 16];
            byte[] b = new byte[1 << 16];
            long total = 0;
            while (true) {
                int n = remote.readNBytes(a, 0, a.length);
                int m = local.readNBytes(b, 0, n == 0 ? b.length : n);
                if (n != m || !java.util.Arrays.equals(a, 0, n, b, 0, m)) {
                    return false;
                }
                total += n;
                if (n == 0) {
                    return total == size;
                }
            }
        }
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        return new ResumingStream(key, offset);
    }

    private ResponseInputStream<GetObjectResponse> open(String key, long offset, String etag) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(location.bucket()).key(root + key).range(offset > 0 ? "bytes=" + offset + "-" : null)
                    .ifMatch(etag));
        } catch (S3Exception e) {
            if (offset > 0 && e.statusCode() == 416) {
                // S3 answers a range that starts at the object's end with 416: there is simply nothing left to read.
                return null;
            }
            throw translate(e, "get " + key, key);
        } catch (SdkException e) {
            throw translate(e, "get " + key, key);
        }
    }

    /** A download that continues with a ranged GET, pinned to the same ETag, when its connection drops. */
    private final class ResumingStream extends InputStream {
        private final String key;
        private long position;
        private String etag;
        private ResponseInputStream<GetObjectResponse> in;
        private int resumes;

        ResumingStream(String key, long offset) throws IOException {
            this.key = key;
            this.position = offset;
            this.in = open(key, offset, null);
            this.etag = in == null ? null : in.response().eTag();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                if (in == null) {
                    return -1;
                }
                try {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        position += n;
                    }
                    return n;
                } catch (IOException | SdkException e) {
                    if (resumes++ >= RESUMES) {
                        throw e instanceof IOException io ? io : new IOException(e);
                    }
                    log.warn("download of {} from {} broke at byte {} ({}); resuming with a ranged GET", key, describe(), position,
                            e.toString());
                    in.abort();
                    in = open(key, position, etag);
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        try (var in = s3.getObject(b -> b.bucket(location.bucket()).key(root + key)
                .range("bytes=" + offset + "-" + (offset + length - 1)))) {
            return in.readNBytes(length);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return new byte[0];
            }
            throw translate(e, "get " + key, key);
        } catch (SdkException e) {
            throw translate(e, "get " + key, key);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            for (var page : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(root + prefix))) {
                for (S3Object o : page.contents()) {
                    String key = o.key().substring(root.length());
                    // Directory markers and probe leftovers are not objects of ours.
                    if (!key.isEmpty() && !key.endsWith("/") && !key.startsWith(".walship-probe-")) {
                        out.add(new ObjectInfo(key, o.size(), o.lastModified()));
                    }
                }
            }
        } catch (SdkException e) {
            throw translate(e, "list");
        }
        return out;
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        List<String> all = new ArrayList<>(keys);
        for (int i = 0; i < all.size(); i += 1000) {
            List<ObjectIdentifier> batch = all.subList(i, Math.min(all.size(), i + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(root + k).build()).toList();
            try {
                var result = s3.deleteObjects(b -> b.bucket(location.bucket()).delete(Delete.builder().objects(batch).quiet(true).build()));
                if (result.hasErrors() && !result.errors().isEmpty()) {
                    var first = result.errors().get(0);
                    throw new StorageException(StorageException.Problem.OTHER, describe() + ": deleting " + first.key() + " failed: "
                            + first.code() + " " + first.message(), null);
                }
            } catch (SdkException e) {
                throw translate(e, "delete");
            }
        }
    }

    private IOException translate(SdkException e, String action) {
        return translate(e, action, null);
    }

    /** Turns an SDK failure into an error that names the replica and says what to do; never includes credentials. */
    private IOException translate(SdkException e, String action, String key) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null ? "" : String.valueOf(s.awsErrorDetails().errorCode());
            int status = s.statusCode();
            if ("NoSuchBucket".equals(code)) {
                return new StorageException(StorageException.Problem.BUCKET_NOT_FOUND, "bucket '" + location.bucket() + "' does not exist"
                        + (location.endpoint() == null ? "" : " at " + location.endpoint()) + "; create it or fix the replica URL", e);
            }
            if (key != null && (status == 404 || "NoSuchKey".equals(code))) {
                return new ObjectNotFoundException(key);
            }
            if (status == 401 || status == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)
                    || "AccessDenied".equals(code)) {
                return new StorageException(StorageException.Problem.ACCESS_DENIED, "access denied to " + describe() + " (" + code
                        + "); check the credentials (WALSHIP_ACCESS_KEY_ID / WALSHIP_SECRET_ACCESS_KEY, or the AWS default chain) "
                        + "and the bucket policy", e);
            }
            if (status >= 500 || status == 429) {
                // The service answered, after the SDK's retries, only that it cannot serve now (failing, overloaded,
                // throttling): transient, like an endpoint that cannot be reached, and treated the same way (replicate
                // keeps capturing and retrying instead of exiting at start).
                return new StorageException(StorageException.Problem.UNREACHABLE, describe() + ": " + action + " failed: HTTP "
                        + status + " " + code + " (the service is failing or throttling; it may answer again later)", e);
            }
            return new StorageException(StorageException.Problem.OTHER, describe() + ": " + action + " failed: HTTP " + status + " "
                    + code, e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoCredentials) {
                return new StorageException(StorageException.Problem.ACCESS_DENIED, "no S3 credentials for " + describe()
                        + ": walship looked at " + CREDENTIAL_SOURCES + "; set one of them", e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException || t instanceof SSLException) {
                return new StorageException(StorageException.Problem.UNREACHABLE, "cannot reach " + describe() + ": " + t.getMessage()
                        + "; check the endpoint, the network and TLS settings", e);
            }
        }
        return new StorageException(StorageException.Problem.UNREACHABLE, describe() + ": " + action + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        s3.close();
    }
}
