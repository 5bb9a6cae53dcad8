package io.walship.restore;

import io.walship.replica.Lineage;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The outcome of {@link ReplicaVerifier#verify()}: what each object's check found, what the objects that passed can
 * restore in each lineage, and the objects no restore may combine.
 *
 * @param replica   the replica's description, never with secrets
 * @param objects   one check per listed object, snapshots first, each kind in txid order
 * @param lineages  per lineage, the restorable windows and gaps computed from its verified objects only, and every
 *                  listed object of it counted by kind; empty for an empty replica
 * @param conflicts objects no restore may combine: several lineages, overlapping segments, duplicate snapshots
 */
public record VerifyReport(String replica, List<ObjectCheck> objects, SortedMap<Lineage, ReplicaSummary> lineages,
                           List<HistoryConflict> conflicts) {

    public VerifyReport {
        objects = List.copyOf(objects);
        lineages = new TreeMap<>(lineages);
        conflicts = List.copyOf(conflicts);
    }

    /** The overall finding, most serious first: what a script acts on. */
    public enum Verdict {
        /** Some object is corrupt, or contradicts the snapshot it would be applied to. */
        CORRUPT,
        /** Objects no restore may combine: several lineages (none chosen), or overlapping objects in one. */
        CONFLICT,
        /** No snapshot verified, so nothing at all can be restored (this includes an empty replica). */
        NOTHING_RESTORABLE,
        /** Some txid between the oldest verified snapshot and the latest one cannot be restored. */
        GAP,
        /** Every object verified and every txid from the oldest snapshot to the latest one is restorable. */
        OK
    }

    /**
     * The summary of the replica's one lineage; with several, that of the lineage holding the latest txid (see
     * {@link #lineages()} for each). An empty replica has an empty summary.
     */
    public ReplicaSummary summary() {
        return lineages.values().stream().max(Comparator.comparingLong(ReplicaSummary::latestTxid))
                .orElse(new ReplicaSummary(new RestorableHistory(List.of(), List.of()),
                        new ReplicaSummary.Totals(0, 0), new ReplicaSummary.Totals(0, 0), 0));
    }

    public Verdict verdict() {
        if (!corrupt().isEmpty()) {
            return Verdict.CORRUPT;
        }
        if (!conflicts.isEmpty()) {
            return Verdict.CONFLICT;
        }
        if (lineages.values().stream().allMatch(s -> s.history().windows().isEmpty())) {
            return Verdict.NOTHING_RESTORABLE;
        }
        return lineages.values().stream().allMatch(s -> s.history().gaps().isEmpty()) ? Verdict.OK : Verdict.GAP;
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

    /** Gaps of every lineage, for messages: each with its lineage when there are several. */
    public List<String> gapDescriptions() {
        return lineages.entrySet().stream().flatMap((Map.Entry<Lineage, ReplicaSummary> e) -> e.getValue().history()
                .gaps().stream().map(g -> g.describe() + (lineages.size() > 1 ? " of lineage " + e.getKey() : "")))
                .toList();
    }
}
