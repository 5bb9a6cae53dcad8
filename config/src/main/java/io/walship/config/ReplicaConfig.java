package io.walship.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One place a database is replicated to, as the configuration file or the command line describes it: where (a typed
 * {@link ReplicaLocation}, credentials included as {@link Secret}s) and how often.
 *
 * @param name unique among the database's replicas; by default the type ({@code s3} or {@code file}), or
 *             {@code replica-N} (N counting from 1 in the list) when several replicas would get the same default
 * @param location where the objects go; prints with credentials masked
 * @param syncInterval minimum time between two uploads; 0 ships as soon as possible
 * @param snapshotInterval a new snapshot is taken when the replica's newest one is this old; 0 takes none on a schedule
 * @param retention objects no longer needed to restore any point in this window are deleted; 0 keeps everything
 * @param retentionCheckInterval how often retention is enforced; more than 0
 * @param validationInterval how often the replica is to be checked by a restore drill (Litestream's
 *                           {@code validation-interval}); 0 for never
 */
public record ReplicaConfig(String name, ReplicaLocation location, Duration syncInterval, Duration snapshotInterval,
                            Duration retention, Duration retentionCheckInterval, Duration validationInterval) {
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
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(snapshotInterval, "snapshotInterval");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(retentionCheckInterval, "retentionCheckInterval");
        Objects.requireNonNull(validationInterval, "validationInterval");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("replica name '" + name + "' may only use letters, digits, '.', '_' and '-'");
        }
        if (syncInterval.isNegative() || snapshotInterval.isNegative() || retention.isNegative()
                || retentionCheckInterval.isNegative() || retentionCheckInterval.isZero()
                || validationInterval.isNegative()) {
            throw new IllegalArgumentException("replica " + name + ": intervals must not be negative and "
                    + "retention-check-interval must be more than 0");
        }
    }

    /**
     * A replica with the default snapshot interval and retention and no validation, as the command-line form creates
     * them.
     */
    public static ReplicaConfig of(String name, ReplicaLocation location, Duration syncInterval) {
        return new ReplicaConfig(name, location, syncInterval, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_RETENTION,
                DEFAULT_RETENTION_CHECK_INTERVAL, Duration.ZERO);
    }

    /** {@code s3} for an S3 replica, {@code file} for a folder. */
    public String type() {
        return location.type();
    }

    /** The location as a URL with credentials masked as {@code ****}: what {@code walship databases} shows. */
    public String describe() {
        return location.maskedUrl();
    }

    @Override
    public String toString() {
        return "ReplicaConfig[name=" + name + ", location=" + describe() + ", syncInterval=" + Durations.format(syncInterval)
                + ", snapshotInterval=" + Durations.format(snapshotInterval) + ", retention=" + Durations.format(retention)
                + ", retentionCheckInterval=" + Durations.format(retentionCheckInterval) + ", validationInterval="
                + Durations.format(validationInterval) + "]";
    }
}
