package io.walship.restore;

import io.walship.replica.Lineage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A completed restore: the database now at {@code output} is the state right after transaction {@code txid}.
 *
 * @param output           the restored database's absolute path
 * @param txid             the last transaction applied (the snapshot's txid when no segment was needed)
 * @param time             when that transaction committed
 * @param pages            the database size in pages
 * @param pageSize         the page size in bytes
 * @param snapshotKey      the snapshot the restore started from
 * @param segments         how many segments were read
 * @param transactions     how many transactions were applied on top of the snapshot
 * @param integrityChecked whether {@code PRAGMA integrity_check} ran (and so returned {@code ok})
 * @param elapsed          how long the restore took
 * @param skippedSnapshots newer snapshots on the way to the target that were corrupt or missing, newest first, so the
 *                         restore started from the older {@code snapshotKey}; empty in the usual case
 * @param lineage          the history (lineage) restored; {@link Lineage#LEGACY} for format-1 objects
 * @param fileMode         the permission bits the output got
 */
public record RestoreResult(Path output, long txid, Instant time, long pages, int pageSize, String snapshotKey,
                            int segments, long transactions, boolean integrityChecked, Duration elapsed,
                            List<SkippedSnapshot> skippedSnapshots, Lineage lineage, int fileMode) {

    public RestoreResult {
        skippedSnapshots = List.copyOf(skippedSnapshots);
    }

    /** A snapshot the restore could not start from, and why in a few words, such as {@code content CRC32C mismatch}. */
    public record SkippedSnapshot(String key, String problem) {
        public String describe() {
            return key + " (" + problem + ")";
        }
    }
}
