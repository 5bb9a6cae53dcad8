package io.walship.restore.litestream;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A completed restore from a Litestream 0.3 replica: the database now at {@code output} is the generation's state at
 * WAL position {@code walIndex:walOffset}.
 *
 * @param output           the restored database's absolute path
 * @param generation       the generation restored
 * @param snapshotKey      the snapshot the restore started from
 * @param walIndex         the WAL index of the last frame applied (the snapshot's index when none was)
 * @param walOffset        the offset in that WAL file after the last frame applied (0 when none was)
 * @param time             when the storage stored the last object applied, Litestream's time for this state
 * @param pages            the database size in pages
 * @param pageSize         the page size in bytes
 * @param segments         how many WAL segments were read
 * @param frames           how many WAL frames were applied
 * @param integrityChecked whether {@code PRAGMA integrity_check} ran (and so returned {@code ok})
 * @param elapsed          how long the restore took
 */
public record LitestreamRestoreResult(Path output, String generation, String snapshotKey, long walIndex, long walOffset,
                                      Instant time, long pages, int pageSize, int segments, long frames,
                                      boolean integrityChecked, Duration elapsed) {

    /** The restored position in Litestream's notation, {@code generation/index:offset}. */
    public String position() {
        return LitestreamKeys.position(generation, walIndex, walOffset);
    }
}
