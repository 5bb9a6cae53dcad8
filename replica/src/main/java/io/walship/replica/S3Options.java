package io.walship.replica;

import java.net.URI;
import java.util.Objects;

/**
 * How to reach an S3-compatible bucket. Parsed from the replica URL's query (and, later, the config file, with the
 * same key names). {@link #toString()} never shows the secret key.
 *
 * @param bucket bucket name
 * @param prefix key prefix inside the bucket, without leading or trailing slash ("" for the bucket root)
 * @param endpoint custom endpoint (MinIO, R2, B2, Ceph ...), null for AWS
 * @param region signing region; null lets the SDK find it (environment, profile), falling back to us-east-1
 * @param forcePathStyle path-style addressing ({@code endpoint/bucket/key}); on by default with a custom endpoint
 * @param skipVerify accept any TLS certificate (self-signed test servers only)
 * @param storageClass S3 storage class for new objects, null for the bucket default
 * @param partSize objects larger than this are uploaded in parts of this size
 * @param concurrency parts uploaded at once
 * @param checksumWhenRequired send and validate SDK checksums only when an operation requires them; many
 *     S3-compatible servers reject the SDK's default flexible checksums
 * @param accessKeyId explicit access key, or null
 * @param secretAccessKey explicit secret key, or null
 */
public record S3Options(String bucket, String prefix, URI endpoint, String region, boolean forcePathStyle,
                        boolean skipVerify, String storageClass, long partSize, int concurrency,
                        boolean checksumWhenRequired, String accessKeyId, String secretAccessKey) {
    public static final long MIN_PART_SIZE = 5L << 20;
    public static final long DEFAULT_PART_SIZE = 16L << 20;
    public static final int DEFAULT_CONCURRENCY = 4;

    public S3Options {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("part-size must be at least 5MiB (S3's minimum part size), got " + partSize + " bytes");
        }
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("concurrency must be between 1 and 64, got " + concurrency);
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("give both access-key-id and secret-access-key, or neither");
        }
    }

    /** The replica's URL as shown in logs: bucket, path and endpoint, never credentials. */
    public String describe() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + (endpoint == null ? "" : " at " + endpoint);
    }

    @Override
    public String toString() {
        return "S3Options[" + describe() + ", region=" + region + ", forcePathStyle=" + forcePathStyle + ", skipVerify="
                + skipVerify + ", storageClass=" + storageClass + ", partSize=" + partSize + ", concurrency=" + concurrency
                + ", checksum=" + (checksumWhenRequired ? "when-required" : "when-supported") + ", accessKeyId="
                + (accessKeyId == null ? "none" : "set") + ", secretAccessKey=" + (secretAccessKey == null ? "none" : "****") + "]";
    }
}
