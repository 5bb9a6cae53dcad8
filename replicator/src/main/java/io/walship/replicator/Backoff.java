package io.walship.replicator;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, used by every retry in the replicator: each failure doubles the wait up to a
 * maximum, and each wait is drawn between half and all of it, so that many daemons retrying one store do not fall into
 * step. A success resets it. Used by one thread at a time.
 */
final class Backoff {
    private final Duration initial;
    private final Duration max;
    private Duration current;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
        this.current = initial;
    }

    /** The wait before the next attempt; the one after it will be twice as long, up to the maximum. */
    Duration next() {
        long ms = current.toMillis();
        Duration wait = Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
        Duration doubled = current.multipliedBy(2);
        current = doubled.compareTo(max) > 0 ? max : doubled;
        return wait;
    }

    void reset() {
        current = initial;
    }
}
