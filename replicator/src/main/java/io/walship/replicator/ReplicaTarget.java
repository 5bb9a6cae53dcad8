package io.walship.replicator;

import io.walship.config.CompactionSettings;
import io.walship.replica.ReplicaStorage;
import java.time.Duration;
import java.util.Objects;

/**
 * One replica a database ships to, with its own pacing and lifecycle.
 *
 * @param name unique among the database's replicas; names its outbox folder and appears in logs and metrics
 * @param storage where the objects go
 * @param syncInterval minimum time between two uploads; zero ships as soon as possible
 * @param snapshotInterval a new snapshot is taken when the replica's newest one is this old
 * @param retention objects no longer needed to restore any point in this window are deleted; zero keeps everything
 * @param retentionCheckInterval how often retention is enforced
 * @param compaction how the replica's segments are merged into larger ones ({@link Compactor})
 */
public record ReplicaTarget(String name, ReplicaStorage storage, Duration syncInterval, Duration snapshotInterval,
                            Duration retention, Duration retentionCheckInterval, CompactionSettings compaction) {
    public static final Duration DEFAULT_SNAPSHOT_INTERVAL = Duration.ofHours(24);
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    public static final Duration DEFAULT_RETENTION_CHECK_INTERVAL = Duration.ofHours(1);

    public ReplicaTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(compaction, "compaction");
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("replica name '" + name + "' may only use letters, digits, '.', '_' and '-'");
        }
        if (syncInterval.isNegative() || snapshotInterval.isNegative() || retention.isNegative()
                || retentionCheckInterval.isNegative() || retentionCheckInterval.isZero()) {
            throw new IllegalArgumentException("replica " + name + ": intervals must be positive");
        }
    }

    /** A replica with the default compaction ({@link CompactionSettings#defaults()}). */
    public ReplicaTarget(String name, ReplicaStorage storage, Duration syncInterval, Duration snapshotInterval,
                         Duration retention, Duration retentionCheckInterval) {
        this(name, storage, syncInterval, snapshotInterval, retention, retentionCheckInterval,
                CompactionSettings.defaults());
    }

    /** This replica with other compaction settings. */
    public ReplicaTarget withCompaction(CompactionSettings settings) {
        return new ReplicaTarget(name, storage, syncInterval, snapshotInterval, retention, retentionCheckInterval,
                settings);
    }

    /** A replica with the default snapshot interval and retention (24 hours each, checked hourly) and compaction. */
    public static ReplicaTarget of(String name, ReplicaStorage storage, Duration syncInterval) {
        return new ReplicaTarget(name, storage, syncInterval, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_RETENTION,
                DEFAULT_RETENTION_CHECK_INTERVAL);
    }
}
