package io.walship.replicator;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.Shipper.FailureKind;
import io.walship.replicator.Shipper.OwnerConflictException;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolReader;
import io.walship.replicator.spool.SpoolRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether one replica's path belongs to this spool's history, or another walship (or another history) writes there:
 * checked when the shipper learns the replica's position and again before it takes over another writer's lease. Each
 * check throws an {@link OwnerConflictException} that stops the replica for good; nothing is uploaded after one.
 * Shared by the replica's shipping thread and its compactor's (the lease runs the take-over check before either
 * uploads); it keeps no state of its own, so each call stands alone.
 */
final class ForeignWriterCheck {
    private final ReplicaStorage storage;
    private final Spool spool;

    ForeignWriterCheck(ReplicaStorage storage, Spool spool) {
        this.storage = storage;
        this.spool = spool;
    }

    /**
     * The replica holds no history (lineage) but {@code mine}, unless the policy allows writing beside the others.
     *
     * @param histories what the replica holds, by history, with the key of its newest object in each
     */
    void checkLineages(Set<Lineage> histories, Lineage mine, LineagePolicy policy,
                       Function<Lineage, String> lastKey) throws OwnerConflictException {
        List<Lineage> others = histories.stream().filter(l -> !l.equals(mine)).toList();
        if (!others.isEmpty() && policy != LineagePolicy.NEW) {
            throw new OwnerConflictException(FailureKind.OTHER_LINEAGE, "replica " + storage.describe() + " holds the"
                    + " history (lineage) " + others.get(0) + " (" + lastKey.apply(others.get(0)) + "), but this"
                    + " database's history is lineage " + mine + ": replicating here would mix two histories; use another"
                    + " replica path, or -new-lineage to write this history beside the other one (restores from the path"
                    + " then need --lineage)");
        }
    }

    /**
     * The replica's last txid {@code last} of this spool's history ({@code spoolLineage}, 0 while undecided) is one
     * this spool wrote: not at or past the first txid of a spool that started afresh in this run ({@code freshBase},
     * 0 when it did not), and not beyond the spool's last txid.
     */
    void checkStart(long last, long spoolLineage, long freshBase, Optional<CapturePoint> spoolLast, ReplicaLease lease)
            throws OwnerConflictException {
        if (spoolLineage != 0 && freshBase > 0 && last >= freshBase) {
            throw new OwnerConflictException(FailureKind.OTHER_WRITER, "replica " + storage.describe() + " holds txid " + last
                    + " but this spool started afresh at txid " + freshBase + " without it (the replica did not answer in"
                    + " time): another walship may write to it (writer's lease: " + lease.newestHolder() + "); restart"
                    + " walship once it is reachable");
        }
        if (spoolLast.isPresent() && last > spoolLast.get().txid()) {
            throw new OwnerConflictException(FailureKind.OTHER_WRITER, "replica " + storage.describe() + " holds txid " + last
                    + ", beyond this spool's last txid " + spoolLast.get().txid() + ": another walship may write to it"
                    + " (writer's lease: " + lease.newestHolder() + "), or this spool is older than the replica");
        }
    }

    /**
     * Before the shipper takes over another writer's lease: the replica must hold nothing of this history beyond
     * {@code shippedTxid}, what the shipper knows it holds, and no history besides {@code known} that appeared since it
     * started. Otherwise the other writer uploaded after this one last looked, and continuing would put two
     * databases' transactions under one lineage (or a second lineage on the path): an owner conflict, never an upload.
     */
    void confirmUnchanged(long shippedTxid, Set<Lineage> known, LineagePolicy policy, ReplicaLease lease)
            throws IOException {
        Lineage mine = new Lineage(spool.lineage());
        long last = 0;
        ObjectKeys.ObjectName other = null;
        List<ObjectKeys.ObjectName> atPosition = new ArrayList<>();
        for (var info : storage.list("")) {
            var parsed = ObjectKeys.parse(info.key());
            if (parsed.isEmpty()) {
                continue;
            }
            ObjectKeys.ObjectName n = parsed.get();
            if (n.lineage().equals(mine)) {
                last = Math.max(last, n.lastTxid());
                if (n.lastTxid() == shippedTxid) {
                    atPosition.add(n);
                }
            } else if (other == null && !known.contains(n.lineage())) {
                other = n;
            }
        }
        if (other != null && policy != LineagePolicy.NEW) {
            throw new OwnerConflictException(FailureKind.OTHER_LINEAGE, "replica " + storage.describe() + " now holds the"
                    + " history (lineage) " + other.lineage() + " (" + other.key() + "), written by another walship ("
                    + lease.newestHolder() + ") while this one waited for the writer's lease; this database's history is"
                    + " lineage " + mine + ": one walship per replica path");
        }
        if (last > shippedTxid) {
            throw new OwnerConflictException(FailureKind.OTHER_WRITER, "replica " + storage.describe() + " holds txid "
                    + last + " of lineage " + mine + ", beyond txid " + shippedTxid + " that this walship shipped: another"
                    + " walship (" + lease.newestHolder() + ") wrote it while this one waited for the writer's lease (two"
                    + " copies of one database?); one walship per replica path");
        }
        confirmOwnPosition(shippedTxid, atPosition, lease);
    }

    /**
     * The replica's objects that end at the shipper's position must hold this spool's transaction there: a copy of
     * this database (restored from the same backup, so in the same lineage) numbers its own transactions with the
     * same txids, and continuing after its txid would put this spool's changes on top of the other database's state.
     * An object's key names when its last transaction was captured; this spool's record of that txid was captured at
     * another moment when another walship wrote it. When the spool no longer holds that txid there is nothing to
     * compare, and the position stands.
     */
    private void confirmOwnPosition(long shippedTxid, List<ObjectKeys.ObjectName> atPosition, ReplicaLease lease)
            throws IOException {
        Set<Instant> replicaTimes = new HashSet<>();
        for (ObjectKeys.ObjectName n : atPosition) {
            n.lastTime().ifPresent(replicaTimes::add);
        }
        if (replicaTimes.isEmpty()) {
            return;
        }
        List<Instant> spoolTimes = new ArrayList<>();
        try (SpoolReader r = spool.reader()) {
            for (SpoolRecord rec = r.next(); rec != null && rec.txid() <= shippedTxid; rec = r.next()) {
                if (rec.txid() == shippedTxid && rec instanceof SpoolRecord.Commit c) {
                    spoolTimes.add(c.point().time());
                } else if (rec.txid() == shippedTxid && rec instanceof SpoolRecord.Snapshot sn) {
                    spoolTimes.add(sn.point().time());
                }
            }
        }
        if (!spoolTimes.isEmpty() && spoolTimes.stream().noneMatch(replicaTimes::contains)) {
            throw new OwnerConflictException(FailureKind.OTHER_WRITER, "replica " + storage.describe() + " holds txid "
                    + shippedTxid + " of lineage " + new Lineage(spool.lineage()) + " captured at " + replicaTimes.iterator().next()
                    + " (" + atPosition.get(0).key() + "), but this spool captured its txid " + shippedTxid + " at "
                    + spoolTimes.get(0) + ": another walship (" + lease.newestHolder() + ") wrote that history, from a copy"
                    + " of this database; continuing it would mix two databases; one walship per replica path");
        }
    }
}
