package io.walship.restore;

import io.walship.replica.Lineage;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a caller asks {@link Restorer#restore} to do. Start from {@link #to(Path)} and change what differs from the
 * safe defaults: restore the latest state, never replace an existing database, fail on an empty replica, verify,
 * refuse a replica holding several lineages.
 *
 * @param output             where the restored database goes
 * @param target             which point in the replica's history to restore
 * @param overwrite          replace an existing output database (and delete its stale {@code -wal}, {@code -shm} and
 *                           {@code -journal} files, which SQLite would otherwise apply to the restored database)
 * @param skipIfOutputExists succeed without doing anything when the output database exists (for start-up scripts
 *                           that restore only onto an empty machine)
 * @param skipIfReplicaEmpty succeed without doing anything when the replica holds no snapshot (for the first start of
 *                           a new deployment)
 * @param verify             run SQLite's {@code PRAGMA integrity_check} on the result before putting it in place
 * @param lineage            restore only this lineage's objects; empty means the replica must hold one lineage
 * @param prefetch           how many objects, and how many decoded bytes, the restore reads ahead
 */
public record RestoreRequest(Path output, RestoreTarget target, boolean overwrite, boolean skipIfOutputExists,
                             boolean skipIfReplicaEmpty, boolean verify, Optional<Lineage> lineage, Prefetch prefetch,
                             OptionalInt fileMode) {

    public RestoreRequest {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(lineage, "lineage");
        Objects.requireNonNull(prefetch, "prefetch");
        Objects.requireNonNull(fileMode, "fileMode");
        if (fileMode.isPresent() && (fileMode.getAsInt() < 0 || fileMode.getAsInt() > 0777)) {
            throw new IllegalArgumentException("file mode " + Integer.toOctalString(fileMode.getAsInt()) + " is not 0..0777");
        }
    }

    /** A request to restore the latest state to {@code output}, with every safety on. */
    public static RestoreRequest to(Path output) {
        return new RestoreRequest(output, RestoreTarget.latest(), false, false, false, true, Optional.empty(),
                Prefetch.defaults(), OptionalInt.empty());
    }

    public RestoreRequest withTarget(RestoreTarget newTarget) {
        return new RestoreRequest(output, newTarget, overwrite, skipIfOutputExists, skipIfReplicaEmpty, verify, lineage,
                prefetch, fileMode);
    }

    public RestoreRequest withOverwrite(boolean value) {
        return new RestoreRequest(output, target, value, skipIfOutputExists, skipIfReplicaEmpty, verify, lineage,
                prefetch, fileMode);
    }

    public RestoreRequest withSkipIfOutputExists(boolean value) {
        return new RestoreRequest(output, target, overwrite, value, skipIfReplicaEmpty, verify, lineage, prefetch, fileMode);
    }

    public RestoreRequest withSkipIfReplicaEmpty(boolean value) {
        return new RestoreRequest(output, target, overwrite, skipIfOutputExists, value, verify, lineage, prefetch, fileMode);
    }

    public RestoreRequest withVerify(boolean value) {
        return new RestoreRequest(output, target, overwrite, skipIfOutputExists, skipIfReplicaEmpty, value, lineage,
                prefetch, fileMode);
    }

    public RestoreRequest withLineage(Optional<Lineage> value) {
        return new RestoreRequest(output, target, overwrite, skipIfOutputExists, skipIfReplicaEmpty, verify, value,
                prefetch, fileMode);
    }

    /**
     * The permission bits the output gets, such as 0600; without it, the source database's mode recorded in the
     * snapshot, else 0600.
     */
    public RestoreRequest withFileMode(OptionalInt value) {
        return new RestoreRequest(output, target, overwrite, skipIfOutputExists, skipIfReplicaEmpty, verify, lineage,
                prefetch, value);
    }

    public RestoreRequest withPrefetch(Prefetch value) {
        return new RestoreRequest(output, target, overwrite, skipIfOutputExists, skipIfReplicaEmpty, verify, lineage,
                value, fileMode);
    }
}
