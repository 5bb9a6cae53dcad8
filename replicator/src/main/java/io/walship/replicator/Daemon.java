package io.walship.replicator;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All databases one walship process replicates. Each runs on its own threads; one that fails is reported and the
 * others go on.
 *
 * <p>Shared across threads: the command's thread starts and stops it while the metrics server's threads ask whether it
 * is ready; it keeps no state but its fixed list, and reads each database's state as that database publishes it.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final List<DatabaseReplicator> databases;
    private final Duration lagBudget;

    /**
     * @param lagBudget how far behind capture a replica may be and still count as ready
     */
    public Daemon(List<DatabaseReplicator> databases, Duration lagBudget) {
        this.databases = List.copyOf(databases);
        this.lagBudget = lagBudget;
    }

    public List<DatabaseReplicator> databases() {
        return databases;
    }

    public Duration lagBudget() {
        return lagBudget;
    }

    /**
     * Starts every database. When one cannot start (another walship holds its spool), the ones already started are
     * stopped again and the failure is thrown: nothing runs half-started.
     */
    public void start() throws IOException {
        List<DatabaseReplicator> started = new ArrayList<>();
        try {
            for (DatabaseReplicator db : databases) {
                db.start();
                started.add(db);
            }
        } catch (IOException | RuntimeException e) {
            for (DatabaseReplicator db : started) {
                try {
                    db.stop(Duration.ZERO);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        }
    }

    /**
     * Stops every database, syncing them in parallel within {@code finalSync}; returns how many durable transactions
     * the replicas still lack, by database (absent when all was shipped).
     */
    public Map<Path, DatabaseReplicator.StopResult> stop(Duration finalSync) throws InterruptedException {
        List<Thread> stops = new ArrayList<>();
        Map<Path, DatabaseReplicator.StopResult> left = new ConcurrentHashMap<>();
        for (DatabaseReplicator db : databases) {
            Thread t = new Thread(() -> {
                try {
                    DatabaseReplicator.StopResult r = db.stop(finalSync);
                    if (r.total() > 0) {
                        left.put(db.database(), r);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop-" + db.database().getFileName());
            t.start();
            stops.add(t);
        }
        for (Thread t : stops) {
            t.join();
        }
        log.info("all databases stopped");
        return Map.copyOf(left);
    }

    /** Why the daemon is not ready, or null when every database captures and every replica is within the lag budget. */
    public String notReadyReason() {
        for (DatabaseReplicator db : databases) {
            if (db.failure() != null) {
                return db.database() + ": " + db.failure();
            }
            if (!db.capturing()) {
                return db.database() + ": not capturing yet" + (db.lastCaptureError() == null ? "" : " (" + db.lastCaptureError() + ")");
            }
            for (DatabaseReplicator.ReplicaState r : db.replicas()) {
                if (r.failure() != null) {
                    return db.database() + " -> " + r.name() + ": " + r.failure();
                }
                if (!r.reached()) {
                    return db.database() + " -> " + r.name() + ": not reached yet"
                            + (r.lastError() == null ? "" : " (" + r.lastError() + ")");
                }
                if (r.lag().compareTo(lagBudget) > 0) {
                    return db.database() + " -> " + r.name() + ": " + r.lag().toSeconds() + " s behind (budget " + lagBudget.toSeconds() + " s)";
                }
            }
        }
        return null;
    }

    /** Whether some replica of some database stopped because its path holds another history. */
    public boolean anyLineageConflict() {
        return databases.stream().anyMatch(DatabaseReplicator::lineageConflict);
    }

    /** Whether every database has failed for good, so the process has nothing left to do. */
    public boolean allFailed() {
        for (DatabaseReplicator d : databases) {
            if (d.failure() == null) {
                return false;
            }
        }
        return true;
    }
}
