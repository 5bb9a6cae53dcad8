package io.walship.replicator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every replication event lands in its counter with the right labels; gauges come from the watched daemon. */
class PrometheusMetricsTest {
    @TempDir
    Path dir;

    @Test
    void eventsBecomeCountersWithTheirLabels() {
        PrometheusMetrics m = new PrometheusMetrics();
        Path db = Path.of("/data/app.db");
        m.captured(db, 3, 12_288);
        m.captured(db, 2, 4096);
        m.checkpoint(db, "PASSIVE", "ok");
        m.checkpoint(db, "TRUNCATE", "busy");
        m.checkpoint(db, "PASSIVE", "ok");
        m.snapshot(db, "initial", 8192);
        m.shipped(db, "s3", "segment", 5, 1000);
        m.shipped(db, "s3", "snapshot", 0, 3000);
        m.shipped(db, "s3", "segment", 2, 500);
        m.storageRequest(java.nio.file.Path.of("/data/app.db"), "s3", "put", "ok", Duration.ofMillis(30));
        m.storageRequest(java.nio.file.Path.of("/data/app.db"), "s3", "put", "error", Duration.ofSeconds(2));
        m.storageRequest(java.nio.file.Path.of("/data/app.db"), "s3", "list", "ok", Duration.ofMillis(3));
        m.retentionDeleted(db, "s3", 4);
        m.error(db, "ship");
        m.error(db, "ship");

        Exposition e = Exposition.parse(m.toText());
        String d = "/data/app.db";
        assertEquals(5, e.value("walship_transactions_captured_total", "db", d));
        assertEquals(16_384, e.value("walship_captured_bytes_total", "db", d));
        assertEquals(2, e.value("walship_checkpoints_total", "db", d, "mode", "PASSIVE", "result", "ok"));
        assertEquals(1, e.value("walship_checkpoints_total", "db", d, "mode", "TRUNCATE", "result", "busy"));
        assertEquals(1, e.value("walship_snapshots_total", "db", d, "reason", "initial"));
        assertEquals(8192, e.value("walship_snapshot_bytes_total", "db", d, "reason", "initial"));
        assertEquals(2, e.value("walship_shipped_objects_total", "db", d, "replica", "s3", "kind", "segment"));
        assertEquals(1, e.value("walship_shipped_objects_total", "db", d, "replica", "s3", "kind", "snapshot"));
        assertEquals(7, e.value("walship_shipped_transactions_total", "db", d, "replica", "s3", "kind", "segment"));
        assertEquals(1500, e.value("walship_shipped_bytes_total", "db", d, "replica", "s3", "kind", "segment"));
        assertEquals(3000, e.value("walship_shipped_bytes_total", "db", d, "replica", "s3", "kind", "snapshot"));
        assertEquals(1, e.value("walship_storage_requests_total", "replica", "s3", "operation", "put", "result", "ok"));
        assertEquals(1, e.value("walship_storage_requests_total", "replica", "s3", "operation", "put", "result", "error"));
        assertEquals(2, e.value("walship_storage_request_duration_seconds_count", "replica", "s3", "operation", "put"));
        assertEquals(2.03, e.value("walship_storage_request_duration_seconds_sum", "replica", "s3", "operation", "put"), 1e-9);
        assertEquals(1, e.value("walship_storage_request_duration_seconds_bucket", "replica", "s3", "operation", "put", "le", "0.05"));
        assertEquals(2, e.value("walship_storage_request_duration_seconds_bucket", "replica", "s3", "operation", "put", "le", "+Inf"));
        assertEquals(4, e.value("walship_retention_deleted_objects_total", "db", d, "replica", "s3"));
        assertEquals(2, e.value("walship_errors_total", "db", d, "component", "ship"));

        assertEquals("counter", e.types().get("walship_transactions_captured_total"));
        assertEquals("histogram", e.types().get("walship_storage_request_duration_seconds"));
    }

    @Test
    void gaugesAppearOnceADaemonIsWatchedAndCountersStartAtZero() throws Exception {
        PrometheusMetrics m = new PrometheusMetrics();
        assertTrue(Exposition.parse(m.toText()).find("walship_ready").isEmpty(), "no daemon, no gauge");

        Path db = dir.resolve("app.db");
        try (FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"))) {
            DatabaseReplicator replicator = new DatabaseReplicator(db, storage, ReplicationSettings.defaults(), Clock.systemUTC());
            m.watch(new Daemon(List.of(replicator), Duration.ofSeconds(10)));
            Exposition e = Exposition.parse(m.toText());
            String d = replicator.database().toString();
            assertEquals(0, e.value("walship_ready"), "a database that is not captured yet is not ready");
            assertEquals(0, e.value("walship_local_txid", "db", d));
            assertEquals(0, e.value("walship_spool_bytes", "db", d));
            assertEquals(0, e.value("walship_database_up", "db", d));
            assertEquals(0, e.value("walship_database_failed", "db", d));
            assertEquals(0, e.value("walship_transactions_captured_total", "db", d), "counters are shown before the first event");
            assertEquals(0, e.value("walship_errors_total", "db", d, "component", "capture"));
            assertTrue(e.find("walship_captured_timestamp_seconds").isEmpty(), "no capture, no capture time");
            assertEquals("gauge", e.types().get("walship_local_txid"));
        }
    }

    @Test
    void everyInstanceHasItsOwnRegistry() {
        PrometheusMetrics a = new PrometheusMetrics();
        PrometheusMetrics b = new PrometheusMetrics();
        a.captured(Path.of("/a.db"), 1, 1);
        assertEquals(1, Exposition.parse(a.toText()).value("walship_transactions_captured_total", "db", "/a.db"));
        assertTrue(Exposition.parse(b.toText()).find("walship_transactions_captured_total").isEmpty());
    }
}
