package io.walship.replicator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.ShippedWait;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP endpoints, scraped over a real socket as Prometheus, a probe or {@code walship status} would. */
@Timeout(60)
class MetricsServerTest {
    @TempDir
    Path dir;
    private FileReplicaStorage storage;
    private DatabaseReplicator replicator;
    private MetricsServer server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (replicator != null) {
            replicator.stop(Duration.ofSeconds(5));
        }
        if (storage != null) {
            storage.close();
        }
    }

    private Daemon daemon(Path db) throws IOException {
        storage = new FileReplicaStorage(dir.resolve("replica"));
        ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ZERO)
                .withMonitorInterval(Duration.ofMillis(50));
        replicator = new DatabaseReplicator(db, List.of(ReplicaTarget.of("backup", storage, Duration.ZERO)), settings,
                Clock.systemUTC(), metrics);
        return new Daemon(List.of(replicator), Duration.ofSeconds(10));
    }

    private final PrometheusMetrics metrics = new PrometheusMetrics();

    private String base() {
        return server.address().clientUrl();
    }

    @Test
    void anIdleDaemonIsHealthyButNotReady() throws Exception {
        Daemon daemon = daemon(dir.resolve("app.db"));
        server = MetricsServer.start("127.0.0.1:0", daemon, metrics);
        assertTrue(server.port() > 0);
        assertEquals(server.port(), server.address().port());

        HttpResponse<String> health = Http.get(base(), "/healthz");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());

        HttpResponse<String> ready = Http.get(base(), "/readyz");
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("not capturing yet"), ready.body());

        HttpResponse<String> metricsPage = Http.get(base(), "/metrics");
        assertEquals(200, metricsPage.statusCode());
        assertTrue(metricsPage.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), metricsPage.headers().toString());
        Exposition e = Exposition.parse(metricsPage.body());
        assertEquals(0, e.value("walship_ready"));
        assertEquals(0, e.value("walship_local_txid", "db", replicator.database().toString()));

        HttpResponse<String> status = Http.get(base(), "/status");
        assertEquals(200, status.statusCode());
        assertTrue(status.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        DaemonStatus s = DaemonStatus.fromJson(status.body());
        assertEquals(false, s.ready());
        assertTrue(s.notReadyReason().contains("not capturing yet"));
        assertEquals(replicator.database().toString(), s.databases().get(0).path());
        assertEquals(0, s.databases().get(0).localTxid());
        assertNull(s.databases().get(0).capturedTime());
        assertNotNull(s.time());

        assertEquals(404, Http.get(base(), "/nope").statusCode());
        assertEquals(405, Http.send(base(), "/status", "POST").statusCode());
        HttpResponse<String> head = Http.send(base(), "/healthz", "HEAD");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    /**
     * Before the daemon exists (replicas being checked, a database being restored) the server already answers: alive,
     * not started, not ready, with what walship is doing; once it serves the daemon, startup is over.
     */
    @Test
    void theServerAnswersBeforeTheDaemonRuns() throws Exception {
        server = MetricsServer.start("127.0.0.1:0", metrics);
        server.starting("starting: restoring /data/app.db if it is missing");
        assertEquals(200, Http.get(base(), "/healthz").statusCode(), "alive while restoring: no liveness restart");
        HttpResponse<String> startup = Http.get(base(), "/startupz");
        assertEquals(503, startup.statusCode());
        assertEquals("starting: restoring /data/app.db if it is missing\n", startup.body());
        HttpResponse<String> ready = Http.get(base(), "/readyz");
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("restoring /data/app.db"), ready.body());
        DaemonStatus s = DaemonStatus.fromJson(Http.get(base(), "/status").body());
        assertFalse(s.ready());
        assertEquals("starting: restoring /data/app.db if it is missing", s.notReadyReason());
        assertTrue(s.databases().isEmpty());
        Exposition e = Exposition.parse(Http.get(base(), "/metrics").body());
        assertEquals(0, e.value("walship_ready"));
        assertEquals(1, e.value("walship_build_info", "version", BuildInfo.current().version()));
        assertTrue(e.value("jvm_memory_used_bytes", "area", "heap") > 0);

        Daemon daemon = daemon(dir.resolve("app.db"));
        server.serve(daemon);
        assertEquals(200, Http.get(base(), "/startupz").statusCode(), "started once the daemon is served");
        assertTrue(Http.get(base(), "/readyz").body().contains("not capturing yet"));
        assertEquals(0, Exposition.parse(Http.get(base(), "/metrics").body())
                .value("walship_local_txid", "db", replicator.database().toString()));
    }

    /** The restore drill reports through {@link io.walship.replicator.ReplicationEvents#verified}; Prometheus reads it. */
    @Test
    void aVerifyResultReportedThroughTheHookIsScraped() throws Exception {
        Daemon daemon = daemon(dir.resolve("app.db"));
        server = MetricsServer.start("127.0.0.1:0", daemon, metrics);
        io.walship.replicator.ReplicationEvents events = metrics;
        Path db = replicator.database();
        events.verified(db, "backup", true, java.time.Instant.parse("2026-11-30T10:00:00Z"));
        Exposition ok = Exposition.parse(Http.get(base(), "/metrics").body());
        assertEquals(1, ok.value("walship_last_verify_success", "db", db.toString(), "replica", "backup"));
        assertEquals(1_796_032_800, ok.value("walship_last_verify_timestamp_seconds", "db", db.toString(), "replica", "backup"));
        events.verified(db, "backup", false, java.time.Instant.parse("2026-11-30T11:00:00Z"));
        Exposition failed = Exposition.parse(Http.get(base(), "/metrics").body());
        assertEquals(0, failed.value("walship_last_verify_success", "db", db.toString(), "replica", "backup"));
        assertEquals(1_796_036_400, failed.value("walship_last_verify_timestamp_seconds", "db", db.toString(), "replica", "backup"));
    }

    @Test
    void aReplicatingDaemonIsScrapedOverHttp() throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = app.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            Daemon daemon = daemon(db);
            server = MetricsServer.start("127.0.0.1:0", daemon, metrics);
            daemon.start();
            awaitShipped();
            for (int i = 0; i < 5; i++) {
                st.execute("INSERT INTO t(v) VALUES ('row " + i + "')");
            }
            awaitShipped();
            String d = replicator.database().toString();
            Exposition first = Exposition.parse(Http.get(base(), "/metrics").body());
            assertEquals(replicator.capturedTxid(), first.value("walship_local_txid", "db", d));
            assertEquals(replicator.shippedTxid(), first.value("walship_replica_txid", "db", d, "replica", "backup"));
            assertEquals(0, first.value("walship_replication_lag_seconds", "db", d, "replica", "backup"));
            assertEquals(5, first.value("walship_transactions_captured_total", "db", d), "one per INSERT after the snapshot");
            assertEquals(1, first.value("walship_snapshots_total", "db", d, "reason", "initial"));
            assertEquals(1, first.value("walship_shipped_objects_total", "db", d, "replica", "backup", "kind", "snapshot"));
            assertTrue(first.value("walship_storage_requests_total", "replica", "backup", "operation", "put", "result", "ok") >= 1);
            assertEquals(1, first.value("walship_database_up", "db", d));
            assertEquals(1, first.value("walship_ready"));
            assertEquals(java.nio.file.Files.size(db), first.value("walship_database_size_bytes", "db", d));
            assertEquals(java.nio.file.Files.size(Path.of(db + "-wal")), first.value("walship_wal_size_bytes", "db", d));
            assertEquals(0, first.value("walship_oldest_unshipped_age_seconds", "db", d));

            for (int i = 0; i < 5; i++) {
                st.execute("INSERT INTO t(v) VALUES ('more " + i + "')");
            }
            awaitShipped();
            Exposition second = Exposition.parse(Http.get(base(), "/metrics").body());
            assertEquals(10, second.value("walship_transactions_captured_total", "db", d));
            assertEquals(10, second.value("walship_shipped_transactions_total", "db", d, "replica", "backup", "kind", "segment"));
            assertEquals(replicator.shippedTxid(), second.value("walship_replica_txid", "db", d, "replica", "backup"));

            assertEquals(200, Http.get(base(), "/readyz").statusCode());
            DaemonStatus s = DaemonStatus.fromJson(Http.get(base(), "/status").body());
            assertTrue(s.ready());
            DaemonStatus.DatabaseStatus ds = s.databases().get(0);
            assertEquals(replicator.capturedTxid(), ds.localTxid());
            assertNotNull(ds.capturedTime());
            assertTrue(ds.capturing());
            DaemonStatus.ReplicaStatus rs = ds.replicas().get(0);
            assertEquals("backup", rs.name());
            assertEquals(storage.describe(), rs.url());
            assertEquals(replicator.shippedTxid(), rs.replicatedTxid());
            assertEquals(0.0, rs.lagSeconds());
            assertNotNull(rs.lastShipped());
            assertNull(rs.lastError());
        }
    }

    @Test
    void closeFreesThePortAndABadAddressSaysWhy() throws Exception {
        Daemon daemon = daemon(dir.resolve("app.db"));
        server = MetricsServer.start("127.0.0.1:0", daemon, metrics);
        String base = base();
        int port = server.port();
        IOException inUse = assertThrows(IOException.class, () -> MetricsServer.start("127.0.0.1:" + port, daemon, metrics));
        assertTrue(inUse.getMessage().contains("127.0.0.1:" + port), inUse.getMessage());
        server.close();
        server = null;
        assertThrows(ConnectException.class, () -> Http.get(base, "/healthz"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> MetricsServer.start("localhost", daemon, metrics));
        assertTrue(bad.getMessage().contains("host:port"), bad.getMessage());
    }

    private void awaitShipped() throws InterruptedException {
        ShippedWait.awaitShipped(replicator);
    }
}
