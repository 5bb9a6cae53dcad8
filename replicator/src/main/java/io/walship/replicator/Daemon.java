package io.walship.replicator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All databases one walship process replicates. Each runs on its own threads; one that fails is reported and the
 * others go on.
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

    public void start() {
        databases.forEach(DatabaseReplicator::start);
    }

    /** Stops every database, syncing them in parallel within {@code finalSync}. */
    public void stop(Duration finalSync) throws InterruptedException {
        List<Thread> stops = new ArrayList<>();
        for (DatabaseReplicator db : databases) {
            Thread t = new Thread(() -> {
                try {
                    db.stop(finalSync);
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
                if (r.lag().compareTo(lagBudget) > 0) {
                    return db.database() + " -> " + r.name() + ": " + r.lag().toSeconds() + " s behind (budget " + lagBudget.toSeconds() + " s)";
                }
            }
        }
        return null;
    }

    /** Whether every database has failed for good, so the process has nothing left to do. */
    public boolean allFailed() {
        return databases.stream().allMatch(d -> d.failure() != null);
    }
}
