package io.walship.restore;

import io.walship.replica.DatabaseChecksum;
import io.walship.replica.Lineage;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore drill: restores a point of the replica into a temporary folder, exactly as {@code walship restore} would
 * (every object verified, snapshot fallback, {@code PRAGMA integrity_check}), computes the result's
 * {@link DatabaseChecksum}, and deletes everything it wrote. It proves the backup can be restored, not just that its
 * objects are intact. {@code walship verify --restore} runs one; the daemon can schedule one (Litestream's
 * {@code validation-interval}).
 *
 * <p>The drill needs free space for one copy of the database in its scratch folder. It never throws for what it
 * finds: every failure, the replica's or the scratch folder's, is a {@link DrillResult.Failed}. Instances hold no
 * state between runs; one may be run from any thread, one run at a time.
 */
public final class RestoreDrill {
    private static final Logger log = LoggerFactory.getLogger(RestoreDrill.class);

    private final ReplicaStorage storage;
    private final Path scratch;
    private final Clock clock;

    /**
     * @param storage the replica to restore from
     * @param scratch the folder the drill's temporary folder is created in; it must exist
     * @param clock   time for durations and progress reports
     */
    public RestoreDrill(ReplicaStorage storage, Path scratch, Clock clock) {
        this.storage = storage;
        this.scratch = scratch;
        this.clock = clock;
    }

    /** Restores {@code target}, checks and checksums the result, and removes it again. */
    public DrillResult run(RestoreTarget target) {
        return run(target, Optional.empty());
    }

    /** As {@link #run(RestoreTarget)}, restoring only {@code lineage}'s objects when one is given. */
    public DrillResult run(RestoreTarget target, Optional<Lineage> lineage) {
        Instant started = clock.instant();
        Path dir;
        try {
            dir = Files.createTempDirectory(scratch, "walship-drill-");
        } catch (IOException e) {
            return new DrillResult.Failed(target, new RestoreException(RestoreException.Reason.LOCAL_IO,
                    "cannot create a temporary folder in " + scratch + " for the restore drill: " + e
                            + "; check that it exists and is writable", null, e));
        }
        // An operator who interrupts a drill must not be left with a copy of the database in the scratch folder.
        Thread cleanup = new Thread(() -> deleteTree(dir), "walship-drill-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Path out = dir.resolve("drill.db");
            RestoreOutcome outcome = new Restorer(storage, clock).restore(RestoreRequest.to(out).withTarget(target)
                    .withLineage(lineage));
            if (!(outcome instanceof RestoreOutcome.Restored restored)) {
                throw new IllegalStateException("a drill never asks to skip, but the restore answered " + outcome);
            }
            RestoreResult result = restored.result();
            DatabaseChecksum checksum;
            try {
                checksum = DatabaseChecksum.ofFile(out, result.pageSize());
            } catch (IOException e) {
                return new DrillResult.Failed(target, new RestoreException(RestoreException.Reason.LOCAL_IO,
                        "cannot read the drill's restored database " + out + ": " + e, null, e));
            }
            Duration elapsed = Duration.between(started, clock.instant());
            log.info("restore drill of {} passed: {} restored to txid {} ({}), integrity ok, {}, in {} ms",
                    storage.describe(), target.describe(), result.txid(), result.time(), checksum.describe(),
                    elapsed.toMillis());
            return new DrillResult.Passed(target, result, checksum, elapsed);
        } catch (RestoreException e) {
            return new DrillResult.Failed(target, e);
        } finally {
            deleteTree(dir);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // The JVM is shutting down; the hook deletes whatever is left.
            }
        }
    }

    /** Deletes the drill's folder and everything in it (the database, a kept {@code .corrupt} copy, SQLite's files). */
    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot remove the restore drill's temporary folder {}: {}; delete it by hand", dir, e.toString());
        }
    }
}
