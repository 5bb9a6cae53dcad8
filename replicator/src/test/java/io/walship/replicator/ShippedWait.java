package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits for a running replicator to have shipped everything it captured; the it module's tests use it too. */
public final class ShippedWait {
    private ShippedWait() {
    }

    /**
     * Waits (up to 30 s) until everything written is captured and shipped: the replicator captures, both positions are
     * equal, and they stay still for 300 ms. Fails at once when the replicator has failed.
     */
    public static void awaitShipped(DatabaseReplicator replicator) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        long seen = -1;
        long since = 0;
        while (System.currentTimeMillis() < deadline) {
            if (replicator.failure() != null) {
                fail("replicator failed: " + replicator.failure());
            }
            long captured = replicator.capturedTxid();
            if (captured > 0 && replicator.capturing() && replicator.shippedTxid() == captured) {
                if (captured != seen) {
                    seen = captured;
                    since = System.currentTimeMillis();
                } else if (System.currentTimeMillis() - since >= 300) {
                    return;
                }
            } else {
                seen = -1;
            }
            Thread.sleep(20);
        }
        fail("not shipped: captured " + replicator.capturedTxid() + ", shipped " + replicator.shippedTxid());
    }
}
