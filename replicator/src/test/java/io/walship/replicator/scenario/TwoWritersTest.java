package io.walship.replicator.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misconfiguration operators make: two daemons (here two databases) pointed at one replica path. Their histories
 * must never be interleaved silently: one of them stops that replica with an error saying another writer owns it.
 */
@Timeout(90)
class TwoWritersTest {
    @TempDir
    Path dir;

    @Test
    void asecondWriterOnTheSamePathIsDetected() throws Exception {
        FileReplicaStorage shared = new FileReplicaStorage(dir.resolve("shared-replica"));
        TestClock clock = new TestClock(Instant.parse("2026-02-01T00:00:00Z"));
        ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ZERO)
                .withMonitorInterval(Duration.ofMillis(50));
        try (InteractiveApp a = new InteractiveApp(dir.resolve("a.db"), dir, 1);
             InteractiveApp b = new InteractiveApp(dir.resolve("b.db"), dir, 2)) {
            a.send("tx 5");
            b.send("tx 5");
            DatabaseReplicator ra = new DatabaseReplicator(dir.resolve("a.db"),
                    List.of(ReplicaTarget.of("shared", shared, Duration.ZERO)), settings, clock);
            DatabaseReplicator rb = new DatabaseReplicator(dir.resolve("b.db"),
                    List.of(ReplicaTarget.of("shared", shared, Duration.ZERO)), settings, clock);
            ra.start();
            Thread.sleep(1000);
            rb.start();
            String failure = null;
            long deadline = System.currentTimeMillis() + 40_000;
            try {
                while (failure == null && System.currentTimeMillis() < deadline) {
                    a.send("tx 2");
                    b.send("tx 2");
                    clock.advance(Duration.ofSeconds(31));
                    Thread.sleep(300);
                    for (DatabaseReplicator r : List.of(ra, rb)) {
                        for (var state : r.replicas()) {
                            if (state.failure() != null) {
                                failure = state.failure();
                            }
                        }
                    }
                }
            } finally {
                ra.stop(Duration.ofSeconds(2));
                rb.stop(Duration.ofSeconds(2));
            }
            assertTrue(failure != null, "one of the two writers must notice the other");
            // The second database meets the first one's history (lineage) on the path, or, had it started first, the
            // first one's writer's lease.
            assertTrue(failure.contains("another walship") || failure.contains("holds the history (lineage)"), failure);
        }
    }
}
