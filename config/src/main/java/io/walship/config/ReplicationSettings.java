package io.walship.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How one database is replicated. Defaults follow what an operator expects from Litestream, except where
 * walship owns checkpoints (see the field notes).
 *
 * @param syncInterval minimum time between two uploads to a replica; 0 ships as soon as possible
 * @param monitorInterval how often the WAL is polled when no file-system event arrives (the fallback)
 * @param checkpointPages a PASSIVE checkpoint runs once at least this many WAL pages are safe in the spool
 * @param emergencyWalSize past this WAL size walship runs a TRUNCATE checkpoint
 * @param busyTimeout how long walship's SQLite connections wait for a lock held by the app
 * @param spoolSegmentSize a spool file is closed and a new one started past this size
 * @param maxSegmentSize an uploaded segment holds at most about this many uncompressed bytes
 */
public record ReplicationSettings(Duration syncInterval, Duration monitorInterval, long checkpointPages,
                                  ByteSize emergencyWalSize, Duration busyTimeout, ByteSize spoolSegmentSize,
                                  ByteSize maxSegmentSize) {
    public ReplicationSettings {
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(monitorInterval, "monitorInterval");
        Objects.requireNonNull(emergencyWalSize, "emergencyWalSize");
        Objects.requireNonNull(busyTimeout, "busyTimeout");
        Objects.requireNonNull(spoolSegmentSize, "spoolSegmentSize");
        Objects.requireNonNull(maxSegmentSize, "maxSegmentSize");
        if (syncInterval.isNegative() || monitorInterval.isNegative() || monitorInterval.isZero()) {
            throw new IllegalArgumentException("sync-interval must be >= 0 and monitor-interval > 0");
        }
        if (checkpointPages < 1) {
            throw new IllegalArgumentException("checkpoint pages must be at least 1, got " + checkpointPages);
        }
    }

    public static ReplicationSettings defaults() {
        return new ReplicationSettings(Duration.ofSeconds(1), Duration.ofMillis(250), 1000,
                ByteSize.ofMebibytes(500), Duration.ofSeconds(5), ByteSize.ofMebibytes(64), ByteSize.ofMebibytes(64));
    }

    public ReplicationSettings withSyncInterval(Duration d) {
        return new ReplicationSettings(d, monitorInterval, checkpointPages, emergencyWalSize, busyTimeout, spoolSegmentSize, maxSegmentSize);
    }

    public ReplicationSettings withMonitorInterval(Duration d) {
        return new ReplicationSettings(syncInterval, d, checkpointPages, emergencyWalSize, busyTimeout, spoolSegmentSize, maxSegmentSize);
    }

    public ReplicationSettings withCheckpointPages(long n) {
        return new ReplicationSettings(syncInterval, monitorInterval, n, emergencyWalSize, busyTimeout, spoolSegmentSize, maxSegmentSize);
    }

    public ReplicationSettings withEmergencyWalSize(ByteSize s) {
        return new ReplicationSettings(syncInterval, monitorInterval, checkpointPages, s, busyTimeout, spoolSegmentSize, maxSegmentSize);
    }

    public ReplicationSettings withSpoolSegmentSize(ByteSize s) {
        return new ReplicationSettings(syncInterval, monitorInterval, checkpointPages, emergencyWalSize, busyTimeout, s, maxSegmentSize);
    }

    /** Returns these settings with another busy timeout; the configuration file's {@code busy-timeout} sets it. */
    public ReplicationSettings withBusyTimeout(Duration d) {
        return new ReplicationSettings(syncInterval, monitorInterval, checkpointPages, emergencyWalSize, d, spoolSegmentSize, maxSegmentSize);
    }
}
