package io.walship.replicator;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether replication of one database is behind a busy writer right now, so that background work that can wait
 * (compaction) leaves the CPU to capture and shipping, which cannot.
 *
 * <p>Replication is behind when one capture pass had more than {@link #BEHIND_BYTES} of the WAL to read (the app wrote
 * that much while the previous pass ran), or when the shipper had more than one segment's worth to upload at once. It
 * stays behind for {@link #SETTLE} after the last such sign, so that a pass or two that happen to find little do not
 * end it in the middle of a load.
 *
 * <p>On a small host (the sidecar's two cores) the app takes one core and capture, shipping and compaction share the
 * other: a merge of a compaction level, which reads, decompresses, compresses and uploads up to a few hundred MiB, ran
 * as long as capture itself under sustained writes and made capture fall seconds behind. Compaction only saves objects
 * and restore time later, so it waits; but never more than {@link #MAX_DEFERRAL} in a row, so that an app that writes
 * without a pause still gets its segments merged.
 *
 * <p>It measures elapsed time with a monotonic ticker ({@link System#nanoTime} outside tests), not the wall clock: a
 * clock that steps back must not keep compaction waiting, and the load is a matter of elapsed work, not of dates.
 *
 * <p>Shared across threads: the capture and shipping threads report, each replica's compactor asks.
 */
final class ReplicationLoad {
    /** More WAL than this read in one capture pass means the app writes faster than capture's pace between passes. */
    static final long BEHIND_BYTES = 4L << 20;
    /** How long replication counts as behind after the last sign of it. */
    static final Duration SETTLE = Duration.ofSeconds(5);
    /** The longest that background work waits for the load to end before it runs anyway. */
    static final Duration MAX_DEFERRAL = Duration.ofMinutes(2);

    private final LongSupplier ticker;
    /** The ticker's reading at the last sign of load; a day before the start means none yet. */
    private volatile long lastBehind;

    ReplicationLoad() {
        this(System::nanoTime);
    }

    /** @param ticker nanoseconds from an arbitrary origin, never going back */
    ReplicationLoad(LongSupplier ticker) {
        this.ticker = ticker;
        this.lastBehind = ticker.getAsLong() - Duration.ofDays(1).toNanos();
    }

    /** The ticker's reading now, for callers that measure how long they waited for the load to end. */
    long now() {
        return ticker.getAsLong();
    }

    /** One capture pass read {@code walBytes} of WAL frames. */
    void captured(long walBytes) {
        if (walBytes > BEHIND_BYTES) {
            behind();
        }
    }

    /** Capture or shipping found more work waiting than one step of it takes. */
    void behind() {
        lastBehind = ticker.getAsLong();
    }

    /** Whether replication was behind within the last {@link #SETTLE}. */
    boolean busy() {
        return ticker.getAsLong() - lastBehind < SETTLE.toNanos();
    }
}
