package io.walship.restore;

import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code replicate -restore-if-db-not-exists}: before replication starts, a database that does not exist is restored
 * from the replica that holds the most history, so a fresh container starts with its data. A database that exists is
 * left alone; one whose replicas are all empty starts empty (a first deployment).
 */
public final class MissingDatabaseRestore {
    private static final Logger log = LoggerFactory.getLogger(MissingDatabaseRestore.class);

    private MissingDatabaseRestore() {
    }

    /** Restores {@code db} if it is missing; returns what was restored, empty when nothing was needed or possible. */
    public static Optional<RestoreResult> restoreIfMissing(Path db, List<ReplicaStorage> replicas, Clock clock)
            throws RestoreException {
        if (Files.exists(db)) {
            log.info("{} exists; no restore needed", db);
            return Optional.empty();
        }
        ReplicaStorage best = null;
        long bestTxid = 0;
        for (ReplicaStorage r : replicas) {
            try {
                ReplicaCatalog catalog = ReplicaCatalog.load(r);
                if (!catalog.snapshots().isEmpty() && catalog.latestTxid() > bestTxid) {
                    best = r;
                    bestTxid = catalog.latestTxid();
                }
            } catch (IOException e) {
                throw RestoreException.fromReplica(e, r.describe());
            }
        }
        if (best == null) {
            log.info("{} does not exist and no replica holds a snapshot; starting with a new database", db);
            return Optional.empty();
        }
        log.info("{} does not exist; restoring it from {} (txid {})", db, best.describe(), bestTxid);
        RestoreOutcome outcome = new Restorer(best, clock).restore(RestoreRequest.to(db));
        if (outcome instanceof RestoreOutcome.Restored restored) {
            return Optional.of(restored.result());
        }
        return Optional.empty();
    }
}
