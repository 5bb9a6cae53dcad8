package io.walship.replicator;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What the replicator reports as it works, for metrics. Every method has an empty default so that an implementation
 * listens only to what it needs; {@link #NONE} listens to nothing. Implementations must be thread-safe and fast: they
 * are called on the capture and shipping threads.
 */
public interface ReplicationEvents {
    ReplicationEvents NONE = new ReplicationEvents() {
    };

    /** Transactions went durably into the spool: how many, and their page images in bytes. */
    default void captured(Path db, long transactions, long bytes) {
    }

    /** walship ran a checkpoint; {@code mode} is PASSIVE or TRUNCATE, {@code result} ok, busy or error. */
    default void checkpoint(Path db, String mode, String result) {
    }

    /** A snapshot went into the spool; {@code reason} is initial, continuity, replica or interval. */
    default void snapshot(Path db, String reason, long bytes) {
    }

    /** An object reached a replica; {@code kind} is segment or snapshot. */
    default void shipped(Path db, String replica, String kind, long transactions, long bytes) {
    }

    /** One request to a replica's storage; {@code result} is ok, not_found, conflict or error. */
    default void storageRequest(Path db, String replica, String operation, String result, Duration took) {
    }

    /** Retention deleted objects from a replica. */
    default void retentionDeleted(Path db, String replica, int objects) {
    }

    /** The wal-index says frames are committed that capture could not read as a continuation (a new snapshot follows). */
    default void captureStalled(Path db) {
    }

    /** The emergency TRUNCATE checkpoint could not finish (readers or new commits blocked it) and backs off. */
    default void emergencyCheckpointBlocked(Path db) {
    }

    /**
     * walship held the app's write lock for {@code held}: a restart cycle's barrier ({@code kind} "restart") or the
     * emergency TRUNCATE checkpoint ("truncate"), which takes the lock itself.
     */
    default void barrierHeld(Path db, String kind, java.time.Duration held) {
    }

    /**
     * A restore drill of a replica finished ({@code validation-interval}): {@code ok} when the restored database passed
     * its checks, at {@code time}. The drill calls this; metrics export the last result per replica.
     */
    default void verified(Path db, String replica, boolean ok, Instant time) {
    }

    /** The spool dropped transactions some replica lacked, to stay within its size limit. */
    default void spoolDropped(Path db, long transactions) {
    }

    /** A failure that is being retried (or that stopped something); {@code component} is capture, ship or retention. */
    default void error(Path db, String component) {
    }
}
