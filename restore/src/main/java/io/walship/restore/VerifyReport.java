package io.walship.restore;

import java.util.List;

/**
 * The outcome of {@link ReplicaVerifier#verify()}: what each object's check found and what the objects that passed
 * can restore.
 *
 * @param replica the replica's description, never with secrets
 * @param objects one check per listed object, snapshots first, each kind in txid order
 * @param summary the restorable windows and gaps computed from the verified objects only, and every listed object
 *                counted by kind
 */
public record VerifyReport(String replica, List<ObjectCheck> objects, ReplicaSummary summary) {

    public VerifyReport {
        objects = List.copyOf(objects);
    }

    /** The overall finding, most serious first: what a script acts on. */
    public enum Verdict {
        /** Some object is corrupt, or contradicts the snapshot it would be applied to. */
        CORRUPT,
        /** No snapshot verified, so nothing at all can be restored (this includes an empty replica). */
        NOTHING_RESTORABLE,
        /** Some txid between the oldest verified snapshot and the latest txid cannot be restored. */
        GAP,
        /** Every object verified and every txid from the oldest snapshot to the latest one is restorable. */
        OK
    }

    public Verdict verdict() {
        if (!corrupt().isEmpty()) {
            return Verdict.CORRUPT;
        }
        if (summary.history().windows().isEmpty()) {
            return Verdict.NOTHING_RESTORABLE;
        }
        return summary.history().gaps().isEmpty() ? Verdict.OK : Verdict.GAP;
    }

    public List<ObjectCheck.Corrupt> corrupt() {
        return objects.stream().filter(ObjectCheck.Corrupt.class::isInstance).map(ObjectCheck.Corrupt.class::cast)
                .toList();
    }

    public List<ObjectCheck.Vanished> vanished() {
        return objects.stream().filter(ObjectCheck.Vanished.class::isInstance).map(ObjectCheck.Vanished.class::cast)
                .toList();
    }

    public long verifiedCount() {
        return objects.stream().filter(ObjectCheck.Verified.class::isInstance).count();
    }
}
