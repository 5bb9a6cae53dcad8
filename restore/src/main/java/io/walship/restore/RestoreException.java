package io.walship.restore;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.StorageException;
import java.io.IOException;
import java.util.Optional;

/**
 * Why a restore or a listing did not complete. The message is one line for an operator: it names the object, file
 * or txid range at fault and what to do next. The {@link Reason} is what programs act on, such as the CLI's exit code.
 */
public final class RestoreException extends Exception {

    /** The classes of failure an operator reacts to differently. */
    public enum Reason {
        /** The requested point is not in the replica: a gap in the txids, a txid beyond it, a time before it, no snapshot. */
        NOT_RESTORABLE,
        /** An object in the replica fails a check: header, checksum, length, or content that contradicts its key. */
        CORRUPT_OBJECT,
        /**
         * The replica holds objects no restore may combine: several lineages (and none was chosen), segments of one
         * level whose txids overlap, a partial overlap across levels, or two snapshots at one txid.
         */
        CONFLICTING_OBJECTS,
        /** An object that was listed could not be read because it no longer exists. */
        MISSING_OBJECT,
        /** The output database, or a journal or WAL file beside it, exists and replacing it was not allowed. */
        OUTPUT_EXISTS,
        /** The restored database does not pass SQLite's {@code PRAGMA integrity_check}. */
        INTEGRITY_FAILED,
        /** Reading or writing a local file (the output, its temporary file or its folder) failed. */
        LOCAL_IO,
        /** The replica's storage could not be listed or read for a reason other than a missing or corrupt object. */
        REPLICA_IO
    }

    private final Reason reason;
    private final String objectKey;

    public RestoreException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public RestoreException(Reason reason, String message, String objectKey, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.objectKey = objectKey;
    }

    public Reason reason() {
        return reason;
    }

    /** The replica object at fault, when there is one. */
    public Optional<String> objectKey() {
        return Optional.ofNullable(objectKey);
    }

    /**
     * Classifies a failure to read the replica: a corrupt object, a missing object, or the storage itself failing
     * (unreachable, access denied, and so on).
     *
     * @param replica the replica's description, to name it in the message
     */
    public static RestoreException fromReplica(IOException e, String replica) {
        if (e instanceof CorruptObjectException c) {
            return new RestoreException(Reason.CORRUPT_OBJECT, c.getMessage() + " (replica " + replica
                    + "); the object cannot be used: restore a point before it, or from another replica",
                    c.key(), e);
        }
        if (e instanceof ObjectNotFoundException n) {
            return new RestoreException(Reason.MISSING_OBJECT, "object " + n.key() + " was listed in replica " + replica
                    + " but is gone (removed by retention or by hand?); run the restore again to plan from the current"
                    + " listing", n.key(), e);
        }
        if (e instanceof StorageException) {
            // The storage already says which replica failed and what to fix (credentials, bucket, endpoint).
            return new RestoreException(Reason.REPLICA_IO, e.getMessage(), null, e);
        }
        return new RestoreException(Reason.REPLICA_IO, "cannot read replica " + replica + ": " + e
                + "; check that the replica is reachable and readable, then retry", null, e);
    }
}
