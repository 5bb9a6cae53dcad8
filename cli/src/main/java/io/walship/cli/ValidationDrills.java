package io.walship.cli;

import io.walship.replica.ReplicaStorage;
import io.walship.replicator.ReplicationEvents;
import io.walship.restore.DrillResult;
import io.walship.restore.RestoreDrill;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreTarget;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's periodic restore drills (Litestream's {@code validation-interval}): every interval, each replica that
 * asks for it is restored at its latest txid into a temporary file beside the database, checked with
 * {@code integrity_check} and checksummed, and the file is removed again. The result is exported as the replica's last
 * verify result; a failed drill is an ERROR, since a replica that does not restore is worth nothing.
 *
 * <p>One thread runs the drills one after another, so a drill never competes with another for disk and network, and
 * it is not the capture or shipping thread: a drill of a large database takes as long as a restore does. Drills start
 * one interval after the daemon, when the replica holds something to restore.
 */
final class ValidationDrills implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ValidationDrills.class);

    /** One replica to drill: the database it replicates, its name, its storage and how often. */
    record Drill(Path database, String replica, ReplicaStorage storage, Duration interval) {
    }

    private final List<Drill> drills = new ArrayList<>();
    private final ReplicationEvents events;
    private final Clock clock;
    private ScheduledExecutorService executor;

    ValidationDrills(ReplicationEvents events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    void add(Drill drill) {
        if (!drill.interval().isZero() && !drill.interval().isNegative()) {
            drills.add(drill);
        }
    }

    void start() {
        if (drills.isEmpty()) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "walship-validation");
            t.setDaemon(true);
            return t;
        });
        for (Drill d : drills) {
            long millis = d.interval().toMillis();
            executor.scheduleWithFixedDelay(() -> run(d), millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs one drill now and reports it; never throws, so the schedule goes on. */
    DrillResult run(Drill d) {
        Path scratch = d.database().toAbsolutePath().getParent();
        DrillResult result;
        try {
            result = new RestoreDrill(d.storage(), scratch, clock).run(new RestoreTarget.Latest());
        } catch (RuntimeException e) {
            result = new DrillResult.Failed(new RestoreTarget.Latest(), new RestoreException(
                    RestoreException.Reason.LOCAL_IO, "the drill failed unexpectedly: " + e, null, e));
        }
        if (result instanceof DrillResult.Passed p) {
            log.info("{} -> {}: validation drill passed: txid {} restored, integrity ok, {} in {} ms", d.database(),
                    d.replica(), p.restore().txid(), p.checksum(), p.elapsed().toMillis());
            events.verified(d.database(), d.replica(), true, clock.instant());
        } else if (result instanceof DrillResult.Failed f) {
            log.error("{} -> {}: validation drill FAILED: the replica's latest state does not restore: {}; run 'walship"
                    + " verify' on the replica for details", d.database(), d.replica(), f.error().getMessage());
            events.verified(d.database(), d.replica(), false, clock.instant());
        }
        return result;
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
