package io.walship.replicator;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * When a replica's {@link Retention} runs: between the shipping loop's rounds, at most once per check interval, and
 * never when the replica keeps everything (a zero window). A failed run is tried again in the next round. Used by one
 * shipping thread.
 */
final class RetentionSchedule {
    private final Retention retention;
    private final Duration window;
    private final Duration checkInterval;
    private Instant next = Instant.EPOCH;

    RetentionSchedule(Retention retention, Duration window, Duration checkInterval) {
        this.retention = retention;
        this.window = window;
        this.checkInterval = checkInterval;
    }

    /** Enforces the retention window when a check is due at {@code now}; returns how many objects it deleted. */
    int runIfDue(Instant now) throws IOException {
        if (window.isZero() || now.isBefore(next)) {
            return 0;
        }
        int deleted = retention.enforce(now).size();
        next = now.plus(checkInterval);
        return deleted;
    }
}
