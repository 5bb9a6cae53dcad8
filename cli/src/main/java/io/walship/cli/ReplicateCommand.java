package io.walship.cli;

import io.walship.config.ByteSize;
import io.walship.config.Durations;
import io.walship.config.ReplicationSettings;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.StorageException;
import io.walship.replica.ReplicaUrl;
import io.walship.replicator.DatabaseReplicator;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code walship replicate DB REPLICA}: runs the daemon in the foreground until SIGINT or SIGTERM. */
@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = {"Continuously replicate a SQLite database to a replica.",
            "Runs in the foreground until SIGINT or SIGTERM, then ships what is captured (bounded by --final-sync-timeout) "
                + "and exits 0. A second signal exits at once; nothing captured is lost, the next start ships it."})
public final class ReplicateCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ReplicateCommand.class);

    @Parameters(index = "0", paramLabel = "DB", description = "Path of the SQLite database the app writes; may not exist yet.")
    Path database;

    @Parameters(index = "1", paramLabel = "REPLICA", description = "Where to replicate: a folder path or file:///path.")
    String replica;

    @Option(names = "--sync-interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "Minimum time between uploads; 0 uploads as soon as possible (default: ${DEFAULT-VALUE}).")
    String syncInterval;

    @Option(names = "--monitor-interval", paramLabel = "DURATION", defaultValue = "250ms",
            description = "Fallback polling interval when no file-system event arrives (default: ${DEFAULT-VALUE}).")
    String monitorInterval;

    @Option(names = "--checkpoint-pages", paramLabel = "N", defaultValue = "1000",
            description = "Run a PASSIVE checkpoint once this many WAL pages are safe in the spool (default: ${DEFAULT-VALUE}).")
    long checkpointPages;

    @Option(names = "--emergency-wal-size", paramLabel = "SIZE", defaultValue = "500MB",
            description = "Run a TRUNCATE checkpoint when the WAL grows past this size (default: ${DEFAULT-VALUE}).")
    String emergencyWalSize;

    @Option(names = "--final-sync-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long shutdown may spend shipping what is left (default: ${DEFAULT-VALUE}).")
    String finalSyncTimeout;

    @Override
    public Integer call() throws Exception {
        ReplicationSettings settings;
        Duration finalSync;
        try {
            settings = ReplicationSettings.defaults()
                    .withSyncInterval(Durations.parse(syncInterval))
                    .withMonitorInterval(Durations.parse(monitorInterval))
                    .withCheckpointPages(checkpointPages)
                    .withEmergencyWalSize(ByteSize.parse(emergencyWalSize));
            finalSync = Durations.parse(finalSyncTimeout);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        ReplicaStorage storage;
        try {
            storage = ReplicaUrl.open(replica);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        try {
            // Fail fast on a replica that cannot work (no bucket, refused credentials, unreachable), before capturing.
            storage.list(ObjectKeys.SNAPSHOTS);
        } catch (StorageException e) {
            System.err.println("walship: " + e.getMessage());
            storage.close();
            return ExitCodes.of(e.problem());
        } catch (IOException e) {
            System.err.println("walship: cannot read replica " + storage.describe() + ": " + e.getMessage());
            storage.close();
            return ExitCodes.IO_ERROR;
        }
        CountDownLatch signalled = new CountDownLatch(1);
        SignalHandler handler = sig -> {
            if (signalled.getCount() == 0) {
                log.warn("second signal: exiting at once; the spool keeps what was not shipped");
                Runtime.getRuntime().halt(128 + sig.getNumber());
            }
            log.info("received SIG{}; stopping capture and syncing the replica", sig.getName());
            signalled.countDown();
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);

        DatabaseReplicator replicator = new DatabaseReplicator(database, storage, settings, Clock.systemUTC());
        log.info("replicating {} to {} (sync interval {})", replicator.database(), storage.describe(),
                Durations.format(settings.syncInterval()));
        replicator.start();
        while (!signalled.await(200, TimeUnit.MILLISECONDS)) {
            if (replicator.failure() != null) {
                replicator.stop(Duration.ZERO);
                storage.close();
                return ExitCodes.REPLICATION_FAILED;
            }
        }
        replicator.stop(finalSync);
        storage.close();
        log.info("stopped");
        return replicator.failure() == null ? ExitCodes.OK : ExitCodes.REPLICATION_FAILED;
    }

    private static int usage(String message) {
        System.err.println("walship: " + message);
        return ExitCodes.USAGE;
    }
}
