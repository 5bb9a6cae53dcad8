package io.walship.cli;

import io.walship.config.ByteSize;
import io.walship.config.CommandWords;
import io.walship.config.ConfigException;
import io.walship.config.DatabaseConfig;
import io.walship.config.Durations;
import io.walship.config.ReplicaConfig;
import io.walship.config.ReplicationSettings;
import io.walship.config.WalshipConfig;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.StorageException;
import io.walship.replicator.AppProcess;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.LineagePolicy;
import io.walship.replicator.spool.SpoolLockedException;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.metrics.MetricsServer;
import io.walship.replicator.metrics.PrometheusMetrics;
import io.walship.restore.MissingDatabaseRestore;
import io.walship.restore.RestoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code walship replicate}: the daemon, in the foreground until SIGINT or SIGTERM. Either the command-line form
 * {@code replicate DB REPLICA...} or a config file ({@code -config FILE}, default {@code $WALSHIP_CONFIG} or
 * {@code /etc/walship.yml}).
 */
@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = {"Continuously replicate SQLite databases to their replicas.",
            "With DB and REPLICA arguments, replicates that one database; without them, every database of the config file.",
            "Runs in the foreground until SIGINT or SIGTERM, then ships what is captured (bounded by the final sync timeout) "
                + "and exits 0. With -exec, the signal goes to the app instead and walship exits with the app's exit code after "
                + "a final sync. A second signal exits at once; nothing captured is lost, the next start ships it."})
public final class ReplicateCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ReplicateCommand.class);
    static final String DEFAULT_CONFIG = "/etc/walship.yml";

    @Parameters(arity = "0..*", paramLabel = "DB REPLICA",
            description = "A database path followed by one or more replicas: a folder (/absolute/path or ./relative/path),"
                    + " file:///path or s3://bucket/path?...")
    List<String> arguments = new ArrayList<>();

    @Option(names = {"-config", "--config"}, paramLabel = "FILE",
            description = "Config file (default: $WALSHIP_CONFIG, else " + DEFAULT_CONFIG + "); used when no DB is given.")
    String configFile;

    @Option(names = {"-no-expand-env", "--no-expand-env"}, description = "Do not expand $VAR and $${VAR} in the config file.")
    boolean noExpandEnv;

    @Option(names = {"-exec", "--exec"}, paramLabel = "CMD",
            description = "Start this command (the app) once replication runs; forward SIGINT/SIGTERM to it; when it exits, "
                    + "sync and exit with its exit code.")
    String exec;

    @Option(names = {"-restore-if-db-not-exists", "--restore-if-db-not-exists"},
            description = "Before replicating (and before -exec), restore each missing database from its replica (the"
                    + " config file's restore-if-db-not-exists does it for one database).")
    boolean restoreIfMissing;

    @Option(names = {"-exit-on-unreachable", "--exit-on-unreachable"},
            description = "Exit with code 12 at start when no replica can be reached. Without it walship keeps capturing"
                    + " into its spool, retries the replicas with backoff and reports not ready on /readyz.")
    boolean exitOnUnreachable;

    @Option(names = {"-new-lineage", "--new-lineage"},
            description = "Replicate even to a replica path that holds another history (lineage): this database's history"
                    + " is written beside it, and restoring from that path then needs --lineage.")
    boolean newLineage;

    @Option(names = {"-adopt-lineage", "--adopt-lineage"},
            description = "When the spool starts afresh (it was lost) and the replica holds a history, continue that history"
                    + " (with a new snapshot): only when this database is the one the replica holds.")
    boolean adoptLineage;

    @Option(names = "--sync-interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "Command-line form: minimum time between uploads; 0 uploads as soon as possible (default: ${DEFAULT-VALUE}).")
    String syncInterval;

    @Option(names = "--monitor-interval", paramLabel = "DURATION", defaultValue = "250ms",
            description = "Command-line form: fallback polling interval when no file-system event arrives (default: ${DEFAULT-VALUE}).")
    String monitorInterval;

    @Option(names = "--checkpoint-pages", paramLabel = "N", defaultValue = "1000",
            description = "Command-line form: PASSIVE checkpoint once this many WAL pages are safe in the spool (default: ${DEFAULT-VALUE}).")
    long checkpointPages;

    @Option(names = "--emergency-wal-size", paramLabel = "SIZE", defaultValue = "500MB",
            description = "Command-line form: TRUNCATE checkpoint when the WAL grows past this size (default: ${DEFAULT-VALUE}).")
    String emergencyWalSize;

    @Option(names = "--lag-budget", paramLabel = "DURATION",
            description = "How far behind capture a replica may be and /readyz still answer ready (default: 60s, or the"
                    + " config file's lag-budget).")
    String lagBudget;

    @Option(names = "--max-spool-size", paramLabel = "SIZE",
            description = "The most each database's spool may take on disk, e.g. 10GiB; past it, while replicas are"
                    + " unreachable, the oldest transactions they lack are dropped (logged at ERROR, counted in"
                    + " walship_spool_dropped_transactions_total, shown by /status and 'walship ls'). Default: the config"
                    + " file's max-spool-size, else half of the space free on the spool's file system at start.")
    String maxSpoolSize;

    @Option(names = "--final-sync-timeout", paramLabel = "DURATION",
            description = "How long shutdown may spend shipping what is left (default: 30s, or the config file's).")
    String finalSyncTimeout;

    @Option(names = "--print-heap", hidden = true,
            description = "Print the maximum heap the launcher gives this daemon (-Xmx...m, see SidecarHeap) and exit.")
    boolean printHeap;

    @Spec
    CommandSpec spec;

    /** Opens the replicas; {@link Walship#commandLine(ReplicaOpener)} replaces it in tests. */
    ReplicaOpener opener = ReplicaOpener.FROM_ENVIRONMENT;

    @Override
    public Integer call() throws Exception {
        WalshipConfig config;
        try {
            config = loadConfig();
        } catch (ConfigException | IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (printHeap) {
            spec.commandLine().getOut().println("-Xmx" + SidecarHeap.mebibytes(config) + "m");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        if (config.source() != null) {
            LogSetup.apply(config.logging());
            ConfigWarnings.log(config);
        }
        Duration finalSync;
        List<String> execWords = null;
        try {
            finalSync = finalSyncTimeout != null ? Durations.parse(finalSyncTimeout) : config.finalSyncTimeout();
            String command = exec != null ? exec : config.exec();
            if (command != null && !command.isBlank()) {
                execWords = CommandWords.split(command);
            }
            if (lagBudget != null) {
                config = config.withLagBudget(Durations.parse(lagBudget));
            }
        } catch (IllegalArgumentException e) {
            return usage((lagBudget != null ? "--lag-budget: " : "") + e.getMessage());
        }
        java.util.Optional<ByteSize> spoolLimit = java.util.Optional.empty();
        if (maxSpoolSize != null) {
            try {
                spoolLimit = java.util.Optional.of(ByteSize.parse(maxSpoolSize));
            } catch (IllegalArgumentException e) {
                return usage("--max-spool-size: " + e.getMessage());
            }
            if (spoolLimit.get().bytes() == 0) {
                return usage("--max-spool-size: must be more than 0; write e.g. 10GiB, or leave it out for half of the"
                        + " free space");
            }
        }

        PrometheusMetrics metrics = new PrometheusMetrics();
        // The endpoints come up first, so that /healthz answers while replicas are checked and databases restored; a
        // long restore would otherwise fail a startup probe and turn into a restart loop.
        MetricsServer server = null;
        if (config.addr() != null) {
            try {
                server = MetricsServer.start(config.addr(), metrics);
            } catch (IOException e) {
                error(e.getMessage());
                return ExitCodes.IO_ERROR;
            }
            server.starting("starting: checking the replicas");
        }
        try {
            return replicate(config, execWords, finalSync, spoolLimit, metrics, server);
        } finally {
            // Closed after the final sync, so that /healthz answers while walship ships what is left.
            if (server != null) {
                server.close();
            }
        }
    }

    private int replicate(WalshipConfig config, List<String> execWords, Duration finalSync,
                          java.util.Optional<ByteSize> spoolLimit, PrometheusMetrics metrics, MetricsServer server)
            throws Exception {
        List<DatabaseReplicator> databases = new ArrayList<>();
        List<ReplicaStorage> opened = new ArrayList<>();
        ValidationDrills drills = new ValidationDrills(metrics, Clock.systemUTC());
        try {
            List<StorageException> unreachable = new ArrayList<>();
            int replicaCount = 0;
            for (DatabaseConfig db : config.dbs()) {
                List<ReplicaTarget> targets = new ArrayList<>();
                List<ReplicaStorage> storages = new ArrayList<>();
                for (ReplicaConfig r : db.replicas()) {
                    ReplicaStorage storage;
                    try {
                        storage = opener.open(r.location());
                    } catch (IllegalArgumentException e) {
                        return usage(db.path() + " -> " + r.name() + ": " + e.getMessage());
                    }
                    opened.add(storage);
                    storages.add(storage);
                    replicaCount++;
                    StorageException problem = preflight(storage);
                    if (problem != null && problem.problem() != StorageException.Problem.UNREACHABLE) {
                        error(db.path() + " -> " + r.name() + ": " + problem.getMessage());
                        return ExitCodes.of(problem.problem());
                    }
                    if (problem != null) {
                        unreachable.add(problem);
                        log.warn("{} -> {}: {}; walship keeps retrying it", db.path(), r.name(), problem.getMessage());
                    }
                    drills.add(new ValidationDrills.Drill(db.path(), r.name(), storage, r.validationInterval()));
                    targets.add(new ReplicaTarget(r.name(), storage, r.syncInterval(), r.snapshotInterval(), r.retention(),
                            r.retentionCheckInterval(), config.compaction()));
                }
                java.util.Optional<io.walship.restore.RestoreResult> restoredNow = java.util.Optional.empty();
                if (restoreIfMissing || db.restoreIfMissing()) {
                    if (server != null) {
                        server.starting("starting: restoring " + db.path() + " if it is missing");
                    }
                    try {
                        restoredNow = MissingDatabaseRestore.restoreIfMissing(db.path(), storages, Clock.systemUTC());
                    } catch (RestoreException e) {
                        error("restoring missing " + db.path() + ": " + e.getMessage());
                        return e.getCause() instanceof StorageException s ? ExitCodes.of(s.problem()) : ExitCodes.of(e.reason());
                    }
                }
                Path spoolDir = db.spoolDir().orElse(DatabaseReplicator.defaultSpoolDir(db.path()));
                DatabaseReplicator replicator = new DatabaseReplicator(db.path(), spoolDir, targets, db.settings(),
                        Clock.systemUTC(), metrics);
                replicator.checkpointInterval(db.checkpointInterval());
                spoolLimit.or(db::maxSpoolSize).ifPresent(limit -> replicator.spoolLimit(limit.bytes()));
                replicator.lineagePolicy(newLineage ? LineagePolicy.NEW : adoptLineage ? LineagePolicy.ADOPT : LineagePolicy.REFUSE);
                if (restoredNow.isPresent()) {
                    var r = restoredNow.get();
                    replicator.continueFromRestore(r.txid(), r.time(), r.pages(), r.pageSize(), r.lineage().id());
                }
                databases.add(replicator);
            }
            if (newLineage && adoptLineage) {
                return usage("give either -new-lineage or -adopt-lineage, not both");
            }
            if (!unreachable.isEmpty() && unreachable.size() == replicaCount) {
                if (exitOnUnreachable) {
                    error(unreachable.get(0).getMessage());
                    return ExitCodes.UNREACHABLE;
                }
                // A sidecar's app must not wait for object storage: capture goes on into the spool, and /readyz says
                // not ready until a replica answers.
                log.warn("no replica can be reached ({}); capturing into the spool and retrying them with backoff",
                        unreachable.get(0).getMessage());
            }
            Daemon daemon = new Daemon(databases, config.lagBudget());
            if (server != null) {
                server.serve(daemon);
            }
            return runDaemon(daemon, execWords, finalSync, drills);
        } finally {
            drills.close();
            for (ReplicaStorage s : opened) {
                try {
                    s.close();
                } catch (IOException e) {
                    log.debug("closing {} failed", s.describe(), e);
                }
            }
        }
    }

    private WalshipConfig loadConfig() throws ConfigException {
        if (!arguments.isEmpty()) {
            if (configFile != null) {
                throw new IllegalArgumentException("give either DB REPLICA... or -config FILE, not both");
            }
            if (arguments.size() < 2) {
                throw new IllegalArgumentException("replicate " + arguments.get(0) + ": give at least one REPLICA after the database");
            }
            ReplicationSettings settings = ReplicationSettings.defaults()
                    .withSyncInterval(Durations.parse(syncInterval))
                    .withMonitorInterval(Durations.parse(monitorInterval))
                    .withCheckpointPages(checkpointPages)
                    .withEmergencyWalSize(ByteSize.parse(emergencyWalSize));
            return WalshipConfig.fromCommandLine(Path.of(arguments.get(0)), arguments.subList(1, arguments.size()), settings,
                    System.getenv());
        }
        Map<String, String> env = System.getenv();
        String file = configFile != null ? configFile : env.getOrDefault("WALSHIP_CONFIG", DEFAULT_CONFIG);
        return WalshipConfig.load(Path.of(file), env, !noExpandEnv);
    }

    /** Lists the replica once so that a wrong bucket or refused credentials stop walship before it captures anything. */
    private static StorageException preflight(ReplicaStorage storage) throws IOException {
        try {
            storage.list(ObjectKeys.SNAPSHOTS);
            return null;
        } catch (StorageException e) {
            return e;
        }
    }

    private int runDaemon(Daemon daemon, List<String> execWords, Duration finalSync, ValidationDrills drills)
            throws Exception {
        LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
        SignalHandler handler = sig -> {
            if (!signals.isEmpty() || handledSignal) {
                log.warn("second signal: exiting at once; the spool keeps what was not shipped");
                Runtime.getRuntime().halt(128 + sig.getNumber());
            }
            handledSignal = true;
            signals.add(sig.getName());
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);

        for (DatabaseReplicator db : daemon.databases()) {
            log.info("replicating {} to {}", db.database(), String.join(", ", db.replicas().isEmpty()
                    ? db.targetDescriptions() : db.replicas().stream().map(DatabaseReplicator.ReplicaState::replica).toList()));
        }
        try {
            daemon.start();
        } catch (SpoolLockedException e) {
            error(e.getMessage());
            return ExitCodes.SPOOL_LOCKED;
        }
        drills.start();
        AppProcess app = null;
        if (execWords != null) {
            try {
                app = AppProcess.start(execWords);
            } catch (IOException e) {
                error("cannot start '" + String.join(" ", execWords) + "': " + e.getMessage());
                daemon.stop(finalSync);
                return ExitCodes.USAGE;
            }
        }
        int exitCode = ExitCodes.OK;
        // Signals arrive in the queue at once; the app's exit and every database failing are looked for between them,
        // often with an app (its exit code is walship's), rarely without, so that an idle daemon seldom wakes.
        long lookEvery = app != null ? 200 : 2_000;
        while (true) {
            String sig = signals.poll(lookEvery, TimeUnit.MILLISECONDS);
            if (sig != null) {
                if (app == null) {
                    log.info("received SIG{}; stopping capture and syncing the replicas", sig);
                    break;
                }
                handledSignal = false;
                app.signal(sig);
            }
            if (app != null) {
                int code = app.waitFor(0);
                if (code >= 0) {
                    log.info("the app exited with code {}; syncing the replicas", code);
                    exitCode = code;
                    break;
                }
            }
            if (daemon.allFailed()) {
                log.error("every database stopped replicating; exiting");
                if (app != null) {
                    app.signal("TERM");
                    app.waitFor(30_000);
                }
                exitCode = ExitCodes.REPLICATION_FAILED;
                break;
            }
        }
        Map<Path, DatabaseReplicator.StopResult> left = daemon.stop(finalSync);
        log.info("stopped");
        if (exitCode == ExitCodes.OK && !left.isEmpty()) {
            long total = left.values().stream().mapToLong(DatabaseReplicator.StopResult::total).sum();
            error("the final sync could not ship everything: " + total + " transaction(s) stay in the spool for the next"
                    + " start (" + left.entrySet().stream().map(e -> e.getKey() + " -> " + e.getValue().unshipped())
                    .reduce((a, b) -> a + "; " + b).orElse("") + ")");
            return ExitCodes.FINAL_SYNC_INCOMPLETE;
        }
        if (exitCode == ExitCodes.REPLICATION_FAILED) {
            // The exit names why, as every failure does: the first database's reason (a lineage conflict names both
            // lineages, another writer its PID and host).
            error(daemon.databases().stream().filter(d -> d.failure() != null).map(d -> d.database() + ": " + d.failure())
                    .findFirst().orElse("every database stopped replicating"));
            return daemon.anyLineageConflict() ? ExitCodes.LINEAGE_CONFLICT : ExitCodes.REPLICATION_FAILED;
        }
        return exitCode;
    }

    private volatile boolean handledSignal;

    private int usage(String message) {
        error(message);
        return ExitCodes.USAGE;
    }

    /** Reports a failure as the one {@code walship: } line on stderr. */
    private void error(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("walship: " + Walship.oneLine(message));
        err.flush();
    }
}
