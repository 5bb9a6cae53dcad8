package io.walship.it.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.ShippedWait;
import io.walship.replicator.metrics.DaemonStatus;
import io.walship.replicator.metrics.Exposition;
import io.walship.replicator.metrics.MetricsServer;
import io.walship.replicator.metrics.PrometheusMetrics;
import io.walship.replicator.scenario.InteractiveApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view of a real daemon: a Python app writes the database, a {@link Daemon} replicates it with
 * {@link PrometheusMetrics}, and everything is read over HTTP from a {@link MetricsServer}, as Prometheus, a
 * Kubernetes probe and {@code walship status} read it. The metrics must move with the shipped transactions, and the
 * readiness probe must follow capture and a replica outage.
 */
@Timeout(120)
class ObservabilityTest {
    private static final Duration LAG_BUDGET = Duration.ofSeconds(1);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private Path db;
    private OutageStorage storage;
    private DatabaseReplicator replicator;
    private Daemon daemon;
    private MetricsServer server;
    private InteractiveApp app;
    private String label;

    @BeforeEach
    void setUp() throws Exception {
        db = dir.resolve("app.db");
        storage = new OutageStorage(new FileReplicaStorage(dir.resolve("replica")));
        PrometheusMetrics metrics = new PrometheusMetrics();
        ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ZERO)
                .withMonitorInterval(Duration.ofMillis(50));
        replicator = new DatabaseReplicator(db, List.of(ReplicaTarget.of("backup", storage, Duration.ZERO)), settings,
                Clock.systemUTC(), metrics);
        label = replicator.database().toString();
        daemon = new Daemon(List.of(replicator), LAG_BUDGET);
        server = MetricsServer.start("127.0.0.1:0", daemon, metrics);
        daemon.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        storage.down(false);
        if (server != null) {
            server.close();
        }
        if (daemon != null) {
            daemon.stop(Duration.ofSeconds(5));
        }
        if (app != null) {
            app.close();
        }
        storage.close();
    }

    @Test
    void metricsAndProbesFollowReplication() throws Exception {
        // Before the app created its database nothing is captured: alive, not ready.
        assertEquals(200, get("/healthz").statusCode());
        assertEquals("ok\n", get("/healthz").body());
        HttpResponse<String> notYet = get("/readyz");
        assertEquals(503, notYet.statusCode());
        assertTrue(notYet.body().contains("not capturing yet"), notYet.body());
        Exposition before = scrape();
        assertEquals(0, before.value("walship_ready"));
        assertEquals(0, before.value("walship_database_up", "db", label));
        assertEquals(0, before.value("walship_transactions_captured_total", "db", label));

        app = new InteractiveApp(db, dir, 11);
        app.send("tx 5");
        awaitShipped();
        assertEquals(200, get("/readyz").statusCode());
        Exposition first = scrape();
        assertPositionsMatchTheDaemon(first);
        assertEquals(1, first.value("walship_snapshots_total", "db", label, "reason", "initial"));
        assertEquals(1, first.value("walship_shipped_objects_total", "db", label, "replica", "backup", "kind", "snapshot"));
        assertEquals(1, first.value("walship_database_up", "db", label));
        double captured = first.value("walship_transactions_captured_total", "db", label);
        double shipped = first.valueOr("walship_shipped_transactions_total", 0, "db", label, "replica", "backup", "kind", "segment");

        app.send("tx 10");
        awaitShipped();
        Exposition second = scrape();
        assertPositionsMatchTheDaemon(second);
        assertEquals(captured + 10, second.value("walship_transactions_captured_total", "db", label),
                "the app's 10 transactions were captured one by one");
        assertEquals(shipped + 10, second.value("walship_shipped_transactions_total", "db", label, "replica", "backup", "kind", "segment"));
        assertTrue(second.value("walship_captured_bytes_total", "db", label) > first.value("walship_captured_bytes_total", "db", label));
        assertTrue(second.value("walship_storage_requests_total", "replica", "backup", "operation", "put", "result", "ok")
                > first.value("walship_storage_requests_total", "replica", "backup", "operation", "put", "result", "ok"));
        assertTrue(second.value("walship_storage_request_duration_seconds_count", "replica", "backup", "operation", "put") >= 2);

        // A replica outage: what is captured after it cannot be shipped, the lag passes the budget, readiness drops.
        storage.down(true);
        Thread.sleep(LAG_BUDGET.toMillis() + 500);
        app.send("tx 3");
        HttpResponse<String> behind = awaitReady(503);
        assertTrue(behind.body().contains("backup") && behind.body().contains("behind"), behind.body());
        // The lag can pass the budget a moment before the shipper's first upload fails: wait for that failure.
        Exposition outage = awaitScrape(e -> e.value("walship_errors_total", "db", label, "component", "ship") >= 1
                && e.valueOr("walship_storage_requests_total", 0, "replica", "backup", "operation", "put", "result", "error") >= 1);
        assertTrue(outage.value("walship_replication_lag_seconds", "db", label, "replica", "backup") > LAG_BUDGET.toSeconds());
        assertTrue(outage.value("walship_local_txid", "db", label) > outage.value("walship_replica_txid", "db", label, "replica", "backup"));
        assertTrue(outage.value("walship_errors_total", "db", label, "component", "ship") >= 1);
        assertTrue(outage.value("walship_storage_requests_total", "replica", "backup", "operation", "put", "result", "error") >= 1);
        assertEquals(0, outage.value("walship_ready"));
        // The transactions of "tx 3" wait in the spool: the oldest one's age grows while the replica is down.
        double waited = outage.value("walship_oldest_unshipped_age_seconds", "db", label);
        assertTrue(waited > 0, "age " + waited);
        Thread.sleep(1_200);
        assertTrue(scrape().value("walship_oldest_unshipped_age_seconds", "db", label) >= waited + 1.0,
                "the oldest unshipped transaction ages with the clock");
        DaemonStatus during = DaemonStatus.fromJson(get("/status").body());
        assertNotNull(during.databases().get(0).replicas().get(0).lastError(), "the retried error is shown");
        assertTrue(during.databases().get(0).replicas().get(0).lagSeconds() > LAG_BUDGET.toSeconds());

        // The replica comes back: everything is shipped, the lag returns to 0 and the daemon is ready again.
        storage.down(false);
        awaitShipped();
        awaitReady(200);
        Exposition after = scrape();
        assertPositionsMatchTheDaemon(after);
        assertEquals(1, after.value("walship_ready"));
        assertEquals(0, after.value("walship_replica_failed", "db", label, "replica", "backup"));
        assertEquals(0, after.value("walship_oldest_unshipped_age_seconds", "db", label), "nothing waits any more");
    }

    @Test
    void statusDocumentDescribesEveryDatabaseAndReplica() throws Exception {
        app = new InteractiveApp(db, dir, 12);
        app.send("tx 4");
        awaitShipped();
        HttpResponse<String> response = get("/status");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        String body = response.body();
        for (String field : List.of("\"time\"", "\"ready\"", "\"notReadyReason\"", "\"databases\"", "\"path\"", "\"localTxid\"",
                "\"capturedTime\"", "\"spoolBytes\"", "\"capturing\"", "\"lastCaptureError\"", "\"failure\"", "\"replicas\"",
                "\"name\"", "\"url\"", "\"replicatedTxid\"", "\"lagSeconds\"", "\"lastShipped\"", "\"lastError\"")) {
            assertTrue(body.contains(field), field + " in " + body);
        }
        DaemonStatus s = DaemonStatus.fromJson(body);
        assertTrue(s.ready(), body);
        assertNull(s.notReadyReason());
        DaemonStatus.DatabaseStatus d = s.databases().get(0);
        assertEquals(label, d.path());
        assertEquals(replicator.capturedTxid(), d.localTxid());
        assertNotNull(d.capturedTime());
        assertTrue(d.capturing());
        assertNull(d.lastCaptureError());
        assertNull(d.failure());
        DaemonStatus.ReplicaStatus r = d.replicas().get(0);
        assertEquals("backup", r.name());
        assertEquals(storage.describe(), r.url());
        assertEquals(replicator.shippedTxid(), r.replicatedTxid());
        assertEquals(0.0, r.lagSeconds());
        assertNotNull(r.lastShipped());
        assertNull(r.lastError());
        assertNull(r.failure());
    }

    private void assertPositionsMatchTheDaemon(Exposition e) throws java.io.IOException {
        assertEquals(replicator.capturedTxid(), e.value("walship_local_txid", "db", label));
        assertEquals(replicator.shippedTxid(), e.value("walship_replica_txid", "db", label, "replica", "backup"));
        assertEquals(replicator.capturedTxid(), replicator.shippedTxid());
        assertEquals(0, e.value("walship_replication_lag_seconds", "db", label, "replica", "backup"));
        assertTrue(e.value("walship_captured_timestamp_seconds", "db", label) > 0);
        // Even with everything shipped and released, the open spool keeps its id and lock files and the file it appends
        // to: a gauge that reads 0 here reports an unopened or unreadable spool.
        assertTrue(e.value("walship_spool_bytes", "db", label) > 0, "the spool's files count");
        assertEquals(0, e.value("walship_oldest_unshipped_age_seconds", "db", label), "everything is shipped");
        // The file sizes as the file system tells them (the app is idle between sends, and walship's checkpoints only
        // run after captures, so nothing changes the files between the scrape and this look).
        assertEquals(sizeOf(db), e.value("walship_database_size_bytes", "db", label));
        assertEquals(sizeOf(db.resolveSibling("app.db-wal")), e.value("walship_wal_size_bytes", "db", label));
        assertTrue(e.value("walship_database_size_bytes", "db", label) >= 4096);
    }

    private static double sizeOf(Path file) throws java.io.IOException {
        return java.nio.file.Files.size(file);
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.address().clientUrl() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private Exposition scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        return Exposition.parse(r.body());
    }

    /** Scrapes until {@code condition} holds, for at most 30 s. */
    private Exposition awaitScrape(java.util.function.Predicate<Exposition> condition) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        Exposition e;
        do {
            e = scrape();
            if (condition.test(e)) {
                return e;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        return fail("the metrics never matched:\n" + e.samples());
    }

    private HttpResponse<String> awaitReady(int code) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        HttpResponse<String> r;
        do {
            r = get("/readyz");
            if (r.statusCode() == code) {
                return r;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        fail("/readyz did not answer " + code + ": " + r.statusCode() + " " + r.body());
        return r;
    }

    private void awaitShipped() throws InterruptedException {
        ShippedWait.awaitShipped(replicator);
    }
}
