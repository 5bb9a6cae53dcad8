package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.it.Writer;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.DatabaseReplicator;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end against S3Proxy over HTTP, for what only S3 has: multipart uploads. The jar's end-to-end scenario runs
 * against every replica in {@link EndToEndTest}.
 */
class S3EndToEndTest extends S3ScenarioSupport {

    /**
     * DatabaseReplicator in this JVM, with a 5 MiB part size so that a 6 MiB transaction's segment goes up in parts
     * while small ones go up whole.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theReplicatorInProcessShipsSmallAndMultipartSegments() throws Exception {
        ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ofMillis(100))
                .withMonitorInterval(Duration.ofMillis(50)).withCheckpointPages(300);
        try (ReplicaStorage storage = S3Urls.open(url("part-size=5MiB"), S3ProxyServer.env())) {
            DatabaseReplicator replicator = new DatabaseReplicator(db, storage, settings, Clock.systemUTC());
            Writer w = writer("writer").seed(32).txs(250).sleep(0.004).maxOps(6).checkpointBusyTimeoutMs(300)
                    .every(70, "checkpoint:RESTART").at(120, "bigtx:6").start();
            replicator.start();
            try {
                Runnable alive = () -> assertNull(replicator.failure(), "replicator failed");
                w.awaitSuccess(Duration.ofSeconds(60));
                awaitSynced(Duration.ofSeconds(30), alive);
            } finally {
                replicator.stop(Duration.ofSeconds(10));
            }
            assertNull(replicator.failure());
        }
        long big = view().objects().stream().filter(o -> !o.snapshot() && o.size() > 5L << 20).count();
        assertTrue(big >= 1, "the 6 MiB transaction made a segment larger than the part size: " + view().objects());
        for (S3ReplicaView.Obj o : view().objects()) {
            boolean multipart = o.etag().replace("\"", "").matches(".*-\\d+");
            assertEquals(o.size() > 5L << 20, multipart, "multipart exactly for objects over the part size: " + o);
        }
        restoreCheck().viaJar(0).namedViaJar(false).run();
    }
}
