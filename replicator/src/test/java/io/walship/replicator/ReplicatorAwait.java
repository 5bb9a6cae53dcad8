package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;

/**
 * Waits in a test for a condition on a running replicator, polling every 20 ms for at most a minute; a timeout fails
 * with what the replicator reports (its positions, its capture error, its failure and its replicas), which is what a
 * failed wait needs to be understood.
 */
public final class ReplicatorAwait {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    /** A condition that may throw (most read SQLite or the replica). */
    @FunctionalInterface
    public interface Condition {
        boolean test() throws Exception;
    }

    private ReplicatorAwait() {
    }

    public static void await(Condition condition, String what, DatabaseReplicator r) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.test()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what + " (captured " + r.capturedTxid() + ", shipped " + r.shippedTxid()
                        + ", capture error " + r.lastCaptureError() + ", failure " + r.failure() + ", replicas "
                        + r.replicas() + ")");
            }
            Thread.sleep(20);
        }
    }
}
