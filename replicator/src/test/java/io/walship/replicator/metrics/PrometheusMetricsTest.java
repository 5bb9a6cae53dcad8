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
        m.spoolDropped(db, 40);
        m.spoolDropped(db, 2);

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
        assertEquals(42, e.value("walship_spool_dropped_transactions_total", "db", d));

        assertEquals("counter", e.types().get("walship_transactions_captured_total"));
        assertEquals("histogram", e.types().get("walship_storage_request_duration_seconds"));
    }

    @Test
    void gaugesAppearOnceADaemonIsWatchedAndCountersStartAtZero() throws Exception {
        PrometheusMetrics m = new PrometheusMetrics();
        Exposition before = Exposition.parse(m.toText());
        assertEquals(0, before.value("walship_ready"), "no daemon yet (starting, restoring): not ready");
        assertTrue(before.find("walship_local_txid").isEmpty(), "no daemon, no database gauges");

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
            assertEquals(0, e.value("walship_spool_dropped_transactions_total", "db", d), "shown at 0 before any drop");
            assertTrue(e.find("walship_captured_timestamp_seconds").isEmpty(), "no capture, no capture time");
            assertEquals("gauge", e.types().get("walship_local_txid"));
        }
    }

    @Test
    void buildInfoJvmAndProcessMetricsAreExported() {
        BuildInfo build = new BuildInfo("1.2.3", "0123456789abcdef0123456789abcdef01234567", false, "2026-11-30T12:00:00Z");
        PrometheusMetrics m = new PrometheusMetrics(new io.prometheus.metrics.model.registry.PrometheusRegistry(), build,
                Clock.systemUTC());
        Exposition e = Exposition.parse(m.toText());
        assertEquals(1, e.value("walship_build_info", "version", "1.2.3", "commit", "0123456789ab"));
        assertEquals("gauge", e.types().get("walship_build_info"));
        assertTrue(e.value("jvm_memory_used_bytes", "area", "heap") > 0, "JVM memory");
        assertTrue(e.value("jvm_threads_current") > 0, "JVM threads");
        assertTrue(e.value("process_cpu_seconds_total") > 0, "process CPU time");
        assertTrue(e.value("process_resident_memory_bytes") > 0, "process memory (read from /proc on Linux)");
        assertTrue(e.value("process_open_fds") > 0, "open file descriptors");
        // The build this test runs in has its version and commit filtered in, never the placeholders.
        assertTrue(!BuildInfo.current().version().contains("${") && !BuildInfo.current().commit().contains("${"),
                BuildInfo.current().toString());
    }

    @Test
    void theVerifyHookRecordsTheLastResultPerReplica() {
        PrometheusMetrics m = new PrometheusMetrics();
        Path db = Path.of("/data/app.db");
        assertTrue(Exposition.parse(m.toText()).find("walship_last_verify_success").isEmpty(), "absent before the first drill");
        m.verified(db, "s3", true, java.time.Instant.parse("2026-11-30T10:00:00Z"));
        m.verified(db, "local", true, java.time.Instant.parse("2026-11-30T10:00:05Z"));
        m.verified(db, "s3", false, java.time.Instant.parse("2026-11-30T11:00:00.250Z"));
        Exposition e = Exposition.parse(m.toText());
        assertEquals(0, e.value("walship_last_verify_success", "db", "/data/app.db", "replica", "s3"), "the last drill failed");
        assertEquals(1_796_036_400.25, e.value("walship_last_verify_timestamp_seconds", "db", "/data/app.db", "replica", "s3"), 1e-6);
        assertEquals(1, e.value("walship_last_verify_success", "db", "/data/app.db", "replica", "local"));
        assertEquals(1_796_032_805, e.value("walship_last_verify_timestamp_seconds", "db", "/data/app.db", "replica", "local"), 1e-6);
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
