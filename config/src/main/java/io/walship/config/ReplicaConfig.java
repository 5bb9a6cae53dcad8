package io.walship.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One place a database is replicated to, as the configuration file or the command line describes it. The location is
 * kept as one URL in the syntax walship's storage layer opens ({@code file:///path}, a plain path, or
 * {@code s3://BUCKET/PATH?options}), so the configuration module needs nothing from the storage module and the storage
 * module has a single way in.
 *
 * <p>For an S3 replica the URL carries the credentials as query options, because that is what the storage layer
 * takes. It must therefore never be printed as is: {@link #toString()} and {@link #describe()} mask them as
 * {@code ****}.
 *
 * @param name unique among the database's replicas; by default the type ({@code s3} or {@code file}), or
 *             {@code replica-N} (N counting from 1 in the list) when several replicas would get the same default
 * @param url the location, for {@code ReplicaUrl.open}; holds secrets, never log it
 * @param syncInterval minimum time between two uploads; 0 ships as soon as possible
 * @param snapshotInterval a new snapshot is taken when the replica's newest one is this old; 0 takes none on a schedule
 * @param retention objects no longer needed to restore any point in this window are deleted; 0 keeps everything
 * @param retentionCheckInterval how often retention is enforced; more than 0
 */
public record ReplicaConfig(String name, String url, Duration syncInterval, Duration snapshotInterval,
                            Duration retention, Duration retentionCheckInterval) {
    /** Litestream's and walship's default: ship at most once a second. */
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);
    /** One snapshot a day bounds how many segments a restore has to replay. */
    public static final Duration DEFAULT_SNAPSHOT_INTERVAL = Duration.ofHours(24);
    /** Litestream's default: keep what is needed to restore any point of the last day. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /** Litestream's default: enforce retention hourly. */
    public static final Duration DEFAULT_RETENTION_CHECK_INTERVAL = Duration.ofHours(1);

    /** Replica names become folder names and log fields, so they are kept to a safe alphabet. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    public ReplicaConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(snapshotInterval, "snapshotInterval");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(retentionCheckInterval, "retentionCheckInterval");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("replica name '" + name + "' may only use letters, digits, '.', '_' and '-'");
        }
        if (url.isBlank()) {
            throw new IllegalArgumentException("replica " + name + ": the URL is empty");
        }
        if (syncInterval.isNegative() || snapshotInterval.isNegative() || retention.isNegative()
                || retentionCheckInterval.isNegative() || retentionCheckInterval.isZero()) {
            throw new IllegalArgumentException("replica " + name + ": intervals must not be negative and "
                    + "retention-check-interval must be more than 0");
        }
    }

    /** A replica with the default snapshot interval and retention, as the command-line form creates them. */
    public static ReplicaConfig of(String name, String url, Duration syncInterval) {
        return new ReplicaConfig(name, url, syncInterval, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_RETENTION,
                DEFAULT_RETENTION_CHECK_INTERVAL);
    }

    /** {@code s3} for an S3 replica, {@code file} for a folder. */
    public String type() {
        return url.regionMatches(true, 0, "s3://", 0, 5) ? "s3" : "file";
    }

    /** The URL with credentials masked as {@code ****}: what logs, messages and status output may show. */
    public String describe() {
        return S3Location.redact(url);
    }

    /** Shows the location with credentials masked, so that a logged configuration never leaks a secret. */
    @Override
    public String toString() {
        return "ReplicaConfig[name=" + name + ", url=" + describe() + ", syncInterval=" + Durations.format(syncInterval)
                + ", snapshotInterval=" + Durations.format(snapshotInterval) + ", retention=" + Durations.format(retention)
                + ", retentionCheckInterval=" + Durations.format(retentionCheckInterval) + "]";
    }
}
