package io.walship.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One database walship replicates, with how it is captured and where it goes.
 *
 * <p>Litestream's checkpoint keys are read as follows, because walship, not Litestream's shadow WAL, now decides when
 * the WAL is checkpointed:
 * <ul>
 *   <li>{@code min-checkpoint-page-count} is {@link ReplicationSettings#checkpointPages()}: the PASSIVE checkpoint
 *       threshold, in WAL pages, with the same meaning and the same default (1000).</li>
 *   <li>{@code max-checkpoint-page-count} becomes {@link ReplicationSettings#emergencyWalSize()}. Litestream forces a
 *       blocking checkpoint once the WAL holds that many pages; walship's equivalent is the WAL size past which it
 *       runs a TRUNCATE checkpoint. The configuration cannot open the database to learn its page size, so N pages
 *       are converted with SQLite's default page size of {@value #ASSUMED_PAGE_SIZE} bytes and the WAL's own layout,
 *       as Litestream computes WAL sizes: a 32-byte header plus N frames of (24 + page size) bytes. A database with
 *       larger pages therefore reaches the threshold with fewer pages. A value of 0, which in Litestream disables the
 *       forced checkpoint, keeps the one forced checkpoint Litestream still runs, at {@value #LITESTREAM_TRUNCATE_PAGES}
 *       pages. Without the key walship keeps its own default (500MiB), since its PASSIVE checkpoints are not blocked
 *       by a shadow WAL and the emergency should be rare. walship's own key {@code emergency-wal-size} gives the size
 *       directly.</li>
 *   <li>{@code checkpoint-interval} is {@link #checkpointInterval()}.</li>
 * </ul>
 *
 * @param path the database file, absolute; it may not exist yet
 * @param settings capture and checkpoint settings; its sync interval is the smallest of the replicas', so capture
 *                 keeps up with the most eager replica
 * @param checkpointInterval the maximum time between PASSIVE checkpoints while the WAL holds pages, so a database
 *                           written slowly still gets its WAL folded back in; 0 checkpoints by page count only.
 *                           Litestream's {@code checkpoint-interval}, default 1 minute
 * @param replicas where the database goes, at least one, names unique
 * @param spoolDir the folder for walship's spool, Litestream's {@code meta-path} (a folder per database, for a spool on
 *                 another volume); empty for the default beside the database ({@code .NAME-walship/})
 * @param restoreIfMissing restore the database from its replicas before replicating when it does not exist, as
 *                         {@code replicate -restore-if-db-not-exists} does for every database (Litestream 0.5's
 *                         {@code restore-if-db-not-exists})
 * @param maxSpoolSize the most the spool may hold on disk ({@code max-spool-size}); past it walship drops the oldest
 *                     records that unreachable replicas lack. Empty for the default: half of the space free on the
 *                     spool's file system when walship starts
 */
public record DatabaseConfig(Path path, ReplicationSettings settings, Duration checkpointInterval,
                             List<ReplicaConfig> replicas, Optional<Path> spoolDir, boolean restoreIfMissing,
                             Optional<ByteSize> maxSpoolSize) {
    /** Litestream's default {@code checkpoint-interval}. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(1);
    /** The page size {@code max-checkpoint-page-count} is converted with: SQLite's default since 3.12.0. */
    public static final int ASSUMED_PAGE_SIZE = 4096;
    /** Litestream's TRUNCATE checkpoint threshold, which still applies when its forced checkpoint is disabled. */
    public static final long LITESTREAM_TRUNCATE_PAGES = 500_000;

    public DatabaseConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(spoolDir, "spoolDir");
        Objects.requireNonNull(maxSpoolSize, "maxSpoolSize");
        replicas = List.copyOf(replicas);
        if (checkpointInterval.isNegative()) {
            throw new IllegalArgumentException(path + ": checkpoint interval must not be negative");
        }
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException(path + ": at least one replica is needed");
        }
        Set<String> names = new HashSet<>();
        for (ReplicaConfig r : replicas) {
            if (!names.add(r.name())) {
                throw new IllegalArgumentException(path + ": two replicas are named '" + r.name() + "'");
            }
        }
    }

    /** A database with its spool beside it and no restore before replicating, as the command-line form creates it. */
    public DatabaseConfig(Path path, ReplicationSettings settings, Duration checkpointInterval,
                          List<ReplicaConfig> replicas) {
        this(path, settings, checkpointInterval, replicas, Optional.empty(), false, Optional.empty());
    }

    /** The WAL size that {@code pages} pages of {@value #ASSUMED_PAGE_SIZE} bytes occupy, as Litestream computes it. */
    static ByteSize walSizeForPages(long pages) {
        return ByteSize.ofBytes(32 + pages * (24L + ASSUMED_PAGE_SIZE));
    }
}
