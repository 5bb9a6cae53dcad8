package io.walship.replicator;

import io.walship.replicator.Shipper.FailureKind;
import io.walship.replicator.Shipper.OwnerConflictException;

/**
 * The invariant the shipper checks before every upload: a segment starts at the replica's last txid + 1, and a
 * snapshot is at or after that last txid. Anything else would leave a hole or an overlap in the replica's history.
 * Since the shipper reads the spool in txid order, a violation is a walship bug: it stops that replica with a
 * {@link FailureKind#BROKEN_INVARIANT} before the object reaches it.
 */
final class UploadContinuity {
    private UploadContinuity() {
    }

    /** Throws unless a segment of txids {@code first..last} continues a replica whose last txid is {@code replicaLast}. */
    static void checkSegment(long replicaLast, long first, long last, String replica) throws OwnerConflictException {
        if (first != replicaLast + 1) {
            throw new OwnerConflictException(FailureKind.BROKEN_INVARIANT, "refusing to upload a segment of txids " + first + ".."
                    + last + " to replica " + replica + ", whose last txid is " + replicaLast
                    + ": it would leave a hole or an overlap (this is a walship bug; please report it)");
        }
    }

    /** Throws unless a snapshot at {@code txid} is at or after {@code replicaLast}, the replica's last txid. */
    static void checkSnapshot(long replicaLast, long txid, String replica) throws OwnerConflictException {
        if (txid < replicaLast) {
            throw new OwnerConflictException(FailureKind.BROKEN_INVARIANT, "refusing to upload snapshot " + txid + " to replica "
                    + replica + ", whose last txid is " + replicaLast + " (this is a walship bug; please report it)");
        }
    }
}
