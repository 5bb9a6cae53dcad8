package io.walship.replicator.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.ReplicationEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * walship's Prometheus metrics. Counters are driven by the {@link ReplicationEvents} the capture and shipping threads
 * report; gauges (positions, lag, spool size, file sizes, state) are read from the {@link Daemon} at scrape time, so
 * they are never stale and cost nothing between scrapes. Besides walship's own, the registry holds the Prometheus
 * client's JVM and process metrics ({@code jvm_*}, {@code process_*}) and {@code walship_build_info}.
 *
 * <p>Every instance has its own {@link PrometheusRegistry} rather than the library's static default, so that tests can
 * run several daemons in one JVM and each scrape shows only its own. Every name and label is listed in
 * {@code docs/OPERATIONS.md}; they are an interface for dashboards and alerts and keep their meaning.
 *
 * <p>Shared across threads: every capture, shipping and compactor thread reports to one instance while the HTTP
 * server's threads scrape it. Its state is the registry's metrics, which the Prometheus client makes thread-safe, and
 * the daemon its gauges read, a volatile field {@link #watch} sets.
 */
public final class PrometheusMetrics implements ReplicationEvents {
    /** Upper bounds for object-store request durations: from a local folder (milliseconds) to a slow upload (a minute). */
    private static final double[] BARRIER_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5};
    private static final double[] REQUEST_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final List<String> ERROR_COMPONENTS = List.of("capture", "ship", "retention");

    private final PrometheusRegistry registry;
    private final Counter transactionsCaptured;
    private final Counter bytesCaptured;
    private final Counter objectsShipped;
    private final Counter transactionsShipped;
    private final Counter bytesShipped;
    private final Counter checkpoints;
    private final Counter snapshots;
    private final Counter snapshotBytes;
    private final Counter storageRequests;
    private final Histogram storageRequestSeconds;
    private final Counter retentionDeleted;
    private final Counter errors;
    private final Counter captureStalls;
    private final Counter emergencyBlocked;
    private final Histogram barrierHold;
    private final Counter spoolDropped;
    private final Gauge lastVerifySuccess;
    private final Gauge lastVerifyTime;
    private final Clock clock;
    private volatile Daemon daemon;

    /** Metrics in a registry of their own, for this build, with JVM and process metrics. */
    public PrometheusMetrics() {
        this(new PrometheusRegistry(), BuildInfo.current(), Clock.systemUTC());
    }

    /**
     * Metrics registered into {@code registry}, e.g. to scrape them together with other collectors.
     *
     * @param build what {@code walship_build_info} says
     * @param clock what ages ({@code walship_oldest_unshipped_age_seconds}) are measured with
     */
    public PrometheusMetrics(PrometheusRegistry registry, BuildInfo build, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        JvmMetrics.builder().register(registry);
        Gauge.builder().name("walship_build_info").help("Which walship runs: always 1, with its version and git commit.")
                .labelNames("version", "commit").register(registry).labelValues(build.version(), build.shortCommit()).set(1);
        transactionsCaptured = counter("walship_transactions_captured_total",
                "Transactions captured durably into the local spool.", "db");
        bytesCaptured = counter("walship_captured_bytes_total",
                "Bytes of page images captured into the local spool.", "db");
        objectsShipped = counter("walship_shipped_objects_total",
                "Objects (segments and snapshots) that reached a replica.", "db", "replica", "kind");
        transactionsShipped = counter("walship_shipped_transactions_total",
                "Transactions that reached a replica inside segments.", "db", "replica", "kind");
        bytesShipped = counter("walship_shipped_bytes_total",
                "Bytes of objects (compressed, as stored) that reached a replica.", "db", "replica", "kind");
        checkpoints = counter("walship_checkpoints_total",
                "Checkpoints walship ran, by mode (PASSIVE or TRUNCATE) and result (ok, busy or error).", "db", "mode", "result");
        snapshots = counter("walship_snapshots_total",
                "Snapshots taken into the spool, by reason (initial, continuity, replica or interval).", "db", "reason");
        snapshotBytes = counter("walship_snapshot_bytes_total",
                "Bytes of snapshots taken into the spool, by reason.", "db", "reason");
        captureStalls = counter("walship_capture_stalls_total",
                "Times the wal-index named committed frames that capture could not read as a continuation (a snapshot followed).",
                "db");
        emergencyBlocked = counter("walship_emergency_checkpoint_blocked_total",
                "Emergency TRUNCATE checkpoints that readers or new commits kept from finishing (walship backs off).", "db");
        barrierHold = Histogram.builder().name("walship_barrier_hold_seconds")
                .help("How long walship held the app's write lock: a restart cycle's barrier, or an emergency TRUNCATE.")
                .labelNames("db", "kind").classicOnly().classicUpperBounds(BARRIER_SECONDS).register(registry);
        spoolDropped = counter("walship_spool_dropped_transactions_total",
                "Transactions the spool dropped before every replica had them, to stay within max-spool-size (a gap).", "db");
        storageRequests = counter("walship_storage_requests_total",
                "Requests to a replica's storage, by operation and result (ok, not_found, conflict or error).",
                "db", "replica", "operation", "result");
        storageRequestSeconds = Histogram.builder().name("walship_storage_request_duration_seconds")
                .help("How long requests to a replica's storage took, by operation, whatever their result.")
                .labelNames("db", "replica", "operation").classicOnly().classicUpperBounds(REQUEST_SECONDS)
                .register(registry);
        retentionDeleted = counter("walship_retention_deleted_objects_total",
                "Objects retention deleted from a replica.", "db", "replica");
        lastVerifySuccess = Gauge.builder().name("walship_last_verify_success")
                .help("1 when the last restore drill of the replica passed, 0 when it failed; absent before the first.")
                .labelNames("db", "replica").register(registry);
        lastVerifyTime = Gauge.builder().name("walship_last_verify_timestamp_seconds")
                .help("When the last restore drill of the replica finished, in Unix seconds.")
                .labelNames("db", "replica").register(registry);
        errors = counter("walship_errors_total",
                "Failures being retried or that stopped something, by component (capture, ship or retention).",
                "db", "component");

        GaugeWithCallback.builder().name("walship_ready")
                .help("1 when every database captures and every replica is within the lag budget, else 0 (also while starting).")
                .callback(cb -> {
                    Daemon d = daemon;
                    cb.call(d != null && d.notReadyReason() == null ? 1 : 0);
                }).register(registry);
        dbGauge("walship_local_txid", "The highest txid captured into the local spool.",
                (db, cb) -> cb.call(db.capturedTxid(), label(db)));
        dbGauge("walship_captured_timestamp_seconds", "When the newest captured transaction was seen, in Unix seconds.",
                (db, cb) -> {
                    if (db.capturedTime() != null) {
                        cb.call(db.capturedTime().toEpochMilli() / 1000.0, label(db));
                    }
                });
        dbGauge("walship_spool_bytes", "Bytes the local spool holds: captured, not yet shipped to every replica.",
                (db, cb) -> cb.call(db.spoolBytes(), label(db)));
        dbGauge("walship_oldest_unshipped_age_seconds",
                "How long the oldest transaction some replica still lacks has waited since capture; 0 when none waits.",
                (db, cb) -> {
                    Instant oldest = db.oldestUnshippedTime();
                    Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, this.clock.instant());
                    cb.call(DaemonStatus.seconds(age.isNegative() ? Duration.ZERO : age), label(db));
                });
        dbGauge("walship_database_size_bytes", "Size of the database file; absent while it does not exist.",
                (db, cb) -> fileSize(db.database(), size -> cb.call(size, label(db))));
        dbGauge("walship_wal_size_bytes", "Size of the database's -wal file; absent while it does not exist.",
                (db, cb) -> fileSize(db.database().resolveSibling(db.database().getFileName() + "-wal"),
                        size -> cb.call(size, label(db))));
        dbGauge("walship_database_up", "1 while the database is captured without a pending error, else 0.",
                (db, cb) -> cb.call(db.capturing() ? 1 : 0, label(db)));
        dbGauge("walship_database_failed", "1 when the database stopped for good (see the log or /status), else 0.",
                (db, cb) -> cb.call(db.failure() != null ? 1 : 0, label(db)));
        replicaGauge("walship_replica_txid", "The highest txid the replica holds.",
                (r, cb) -> cb.accept((double) r.shippedTxid()));
        replicaGauge("walship_replication_lag_seconds",
                "How far the replica is behind capture, in capture time; 0 when it holds every captured transaction.",
                (r, cb) -> cb.accept(DaemonStatus.seconds(r.lag())));
        replicaGauge("walship_replica_last_shipped_timestamp_seconds",
                "When the last object reached the replica in this run, in Unix seconds.",
                (r, cb) -> {
                    if (r.lastShipped() != null) {
                        cb.accept(r.lastShipped().toEpochMilli() / 1000.0);
                    }
                });
        replicaGauge("walship_replica_failed", "1 when the replica stopped for good, else 0.",
                (r, cb) -> cb.accept(r.failure() != null ? 1.0 : 0.0));
    }

    /** The registry every walship metric is in. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Reads the gauges from {@code daemon} from now on, and shows every counter of its databases at 0 before the first
     * event, so that {@code rate()} and {@code increase()} see the start. Calling it again with the same daemon does
     * nothing.
     */
    public void watch(Daemon daemon) {
        this.daemon = daemon;
        for (DatabaseReplicator db : daemon.databases()) {
            String label = label(db);
            transactionsCaptured.initLabelValues(label);
            bytesCaptured.initLabelValues(label);
            spoolDropped.initLabelValues(label);
            for (String component : ERROR_COMPONENTS) {
                errors.initLabelValues(label, component);
            }
        }
    }

    /** Every metric in the Prometheus text format, as {@code /metrics} serves it by default; for logs and tests. */
    public String toText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void captured(Path db, long transactions, long bytes) {
        transactionsCaptured.labelValues(db.toString()).inc(transactions);
        bytesCaptured.labelValues(db.toString()).inc(bytes);
    }

    @Override
    public void checkpoint(Path db, String mode, String result) {
        checkpoints.labelValues(db.toString(), mode, result).inc();
    }

    @Override
    public void snapshot(Path db, String reason, long bytes) {
        snapshots.labelValues(db.toString(), reason).inc();
        snapshotBytes.labelValues(db.toString(), reason).inc(bytes);
    }

    @Override
    public void shipped(Path db, String replica, String kind, long transactions, long bytes) {
        objectsShipped.labelValues(db.toString(), replica, kind).inc();
        transactionsShipped.labelValues(db.toString(), replica, kind).inc(transactions);
        bytesShipped.labelValues(db.toString(), replica, kind).inc(bytes);
    }

    @Override
    public void storageRequest(Path db, String replica, String operation, String result, Duration took) {
        storageRequests.labelValues(db.toString(), replica, operation, result).inc();
        storageRequestSeconds.labelValues(db.toString(), replica, operation).observe(took.toNanos() / 1e9);
    }

    @Override
    public void retentionDeleted(Path db, String replica, int objects) {
        retentionDeleted.labelValues(db.toString(), replica).inc(objects);
    }

    @Override
    public void captureStalled(Path db) {
        captureStalls.labelValues(db.toString()).inc();
    }

    @Override
    public void barrierHeld(Path db, String kind, Duration held) {
        barrierHold.labelValues(db.toString(), kind).observe(held.toNanos() / 1e9);
    }

    @Override
    public void emergencyCheckpointBlocked(Path db) {
        emergencyBlocked.labelValues(db.toString()).inc();
    }

    @Override
    public void verified(Path db, String replica, boolean ok, Instant time) {
        lastVerifySuccess.labelValues(db.toString(), replica).set(ok ? 1 : 0);
        lastVerifyTime.labelValues(db.toString(), replica).set(time.toEpochMilli() / 1000.0);
    }

    @Override
    public void spoolDropped(Path db, long transactions) {
        spoolDropped.labelValues(db.toString()).inc(transactions);
    }

    @Override
    public void error(Path db, String component) {
        errors.labelValues(db.toString(), component).inc();
    }

    private static String label(DatabaseReplicator db) {
        return db.database().toString();
    }

    /** Reports the file's size, or nothing when it does not exist (or cannot be read: the scrape must not fail). */
    private static void fileSize(Path file, Consumer<Double> report) {
        try {
            report.accept((double) Files.size(file));
        } catch (NoSuchFileException e) {
            // Absent, as documented.
        } catch (IOException e) {
            // Unreadable now; the next scrape tries again.
        }
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).withoutExemplars().register(registry);
    }

    /** A gauge with one sample per database, labelled {@code db}. */
    private void dbGauge(String name, String help, BiConsumer<DatabaseReplicator, GaugeWithCallback.Callback> read) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("db").callback(cb -> {
            Daemon d = daemon;
            if (d != null) {
                d.databases().forEach(db -> read.accept(db, cb));
            }
        }).register(registry);
    }

    /** A gauge with one sample per replica, labelled {@code db} and {@code replica}. */
    private void replicaGauge(String name, String help, BiConsumer<DatabaseReplicator.ReplicaState, Consumer<Double>> read) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("db", "replica").callback(cb -> {
            Daemon d = daemon;
            if (d == null) {
                return;
            }
            for (DatabaseReplicator db : d.databases()) {
                for (DatabaseReplicator.ReplicaState r : db.replicas()) {
                    read.accept(r, value -> cb.call(value, label(db), r.name()));
                }
            }
        }).register(registry);
    }
}
