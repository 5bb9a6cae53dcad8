package io.walship.restore.litestream;

import io.walship.restore.RestoreException;
import io.walship.restore.RestoreTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Chooses what a restore from a Litestream 0.3 replica reads, the way Litestream 0.3.13's own restore does
 * ({@code Replica.CalcRestoreTarget}, {@code SnapshotIndexAt}, {@code walSegmentMap}), from the listing alone.
 *
 * <ul>
 *   <li>Generation: the one named, else, among the generations whose first object is at or before the target time
 *       (all of them for the latest state), the one whose newest object is newest. Litestream also passes over a
 *       generation whose newest object is older than the target time; walship does not, because the state as of a
 *       time after the last write is that last state.</li>
 *   <li>Snapshot: the one with the highest index among those stored at or before the target time.</li>
 *   <li>WAL segments: in (index, offset) order from the snapshot's index on, up to the first one stored after the
 *       target time. Every index from the snapshot's to the last one must be there, each starting at offset 0; a
 *       missing one is a gap, never skipped. (Whether the offsets within an index follow each other without a hole
 *       is known only once the segments are decompressed; the restorer checks that.)</li>
 * </ul>
 * Times are the objects' storage times, as Litestream's: it records no time of its own.
 */
public final class LitestreamPlanner {
    private final LitestreamReplica replica;

    public LitestreamPlanner(LitestreamReplica replica) {
        this.replica = replica;
    }

    /**
     * Plans a restore to {@code target} from the named generation, or from the one Litestream would choose.
     *
     * @throws RestoreException {@link RestoreException.Reason#NOT_RESTORABLE} when the replica cannot reach the
     *                          target: no such generation, no snapshot, a missing WAL index, or a txid target, which
     *                          has no meaning in a Litestream replica
     */
    public LitestreamPlan plan(RestoreTarget target, Optional<String> generationName) throws RestoreException {
        if (target instanceof RestoreTarget.AtTxid) {
            throw notRestorable("Litestream 0.3 replica " + replica.replica() + " has no transaction ids, so it cannot"
                    + " be restored to a txid; restore the latest state or a --timestamp");
        }
        Optional<Instant> time = target instanceof RestoreTarget.AtTime at ? Optional.of(at.time()) : Optional.empty();
        Generation generation = chooseGeneration(generationName, time);
        LitestreamObject snapshot = chooseSnapshot(generation, time);
        return new LitestreamPlan(target, generation, snapshot, walIndexes(generation, snapshot, time));
    }

    private Generation chooseGeneration(Optional<String> name, Optional<Instant> time) throws RestoreException {
        if (replica.isEmpty()) {
            throw notRestorable("replica " + replica.replica() + " holds no Litestream generation; check the replica URL");
        }
        if (name.isPresent()) {
            Optional<Generation> named = replica.generation(name.get());
            if (named.isEmpty()) {
                throw notRestorable("replica " + replica.replica() + " has no generation " + name.get()
                        + "; its generations are " + names(replica.generations()) + " ('walship ls' shows them)");
            }
            if (time.isPresent() && time.get().isBefore(named.get().createdAt())) {
                throw notRestorable("timestamp " + time.get() + " is before generation " + name.get() + " of replica "
                        + replica.replica() + " began (" + named.get().createdAt() + "); choose a time from then on");
            }
            return named.get();
        }
        Generation best = null;
        for (Generation g : replica.generations()) {
            if (time.isPresent() && time.get().isBefore(g.createdAt())) {
                continue;
            }
            if (best == null || g.updatedAt().isAfter(best.updatedAt())) {
                best = g;
            }
        }
        if (best == null) {
            Instant first = replica.generations().stream().map(Generation::createdAt).min(Instant::compareTo).orElseThrow();
            throw notRestorable("timestamp " + time.orElseThrow() + " is before every generation of replica "
                    + replica.replica() + "; the oldest object was stored at " + first + ", so choose a time from then on");
        }
        return best;
    }

    private LitestreamObject chooseSnapshot(Generation generation, Optional<Instant> time) throws RestoreException {
        LitestreamObject found = null;
        for (LitestreamObject s : generation.snapshots()) {
            if (time.isEmpty() || !s.createdAt().isAfter(time.get())) {
                found = s; // sorted by index, so the last one that qualifies has the highest index
            }
        }
        if (found == null) {
            if (generation.snapshots().isEmpty()) {
                throw notRestorable("generation " + generation.name() + " of replica " + replica.replica()
                        + " holds no snapshot, so it cannot be restored"
                        + (replica.generations().size() > 1 ? "; choose another with --generation" : ""));
            }
            LitestreamObject oldest = generation.snapshots().stream()
                    .min((a, b) -> a.createdAt().compareTo(b.createdAt())).orElseThrow();
            throw notRestorable("timestamp " + time.orElseThrow() + " is before the oldest snapshot of generation "
                    + generation.name() + " in replica " + replica.replica() + " (" + oldest.key() + ", stored at "
                    + oldest.createdAt() + "); choose a time at or after " + oldest.createdAt());
        }
        return found;
    }

    private List<LitestreamPlan.WalIndex> walIndexes(Generation generation, LitestreamObject snapshot,
                                                     Optional<Instant> time) throws RestoreException {
        List<LitestreamPlan.WalIndex> indexes = new ArrayList<>();
        List<LitestreamObject> current = new ArrayList<>();
        long currentIndex = -1;
        for (LitestreamObject s : generation.segments()) {
            if (s.index() < snapshot.index()) {
                continue; // before the snapshot, already in it
            }
            if (time.isPresent() && s.createdAt().isAfter(time.get())) {
                break; // Litestream stops at the first segment stored after the target time
            }
            if (s.index() != currentIndex) {
                if (!current.isEmpty()) {
                    indexes.add(new LitestreamPlan.WalIndex(currentIndex, current));
                }
                long expected = currentIndex < 0 ? snapshot.index() : currentIndex + 1;
                if (s.index() != expected) {
                    throw gap(generation, snapshot, indexes, "WAL index " + LitestreamKeys.hex(expected)
                            + (s.index() - expected > 1 ? ".." + LitestreamKeys.hex(s.index() - 1) + " are" : " is")
                            + " missing (the next segment is " + s.key() + ")");
                }
                if (s.offset() != 0) {
                    throw gap(generation, snapshot, indexes, "the first segment of WAL index "
                            + LitestreamKeys.hex(s.index()) + " is missing (its first segment in the replica, " + s.key()
                            + ", starts at offset " + s.offset() + ", not 0)");
                }
                currentIndex = s.index();
                current = new ArrayList<>();
            }
            current.add(s);
        }
        if (!current.isEmpty()) {
            indexes.add(new LitestreamPlan.WalIndex(currentIndex, current));
        }
        return indexes;
    }

    /** A hole in a generation's WAL: the message says what is missing and the newest point still restorable. */
    private RestoreException gap(Generation generation, LitestreamObject snapshot, List<LitestreamPlan.WalIndex> before,
                                 String missing) {
        Instant reachable = before.isEmpty() ? snapshot.createdAt()
                : last(before.get(before.size() - 1).segments()).createdAt();
        return notRestorable("cannot restore generation " + generation.name() + " of replica " + replica.replica()
                + ": " + missing + "; the newest point restorable from snapshot " + snapshot.key() + " is as of "
                + reachable + " (restore --generation " + generation.name() + " --timestamp " + reachable
                + " to accept the loss), or restore from another"
                + " replica");
    }

    private static LitestreamObject last(List<LitestreamObject> objects) {
        return objects.get(objects.size() - 1);
    }

    private static String names(List<Generation> generations) {
        return generations.stream().map(Generation::name).collect(Collectors.joining(", "));
    }

    private static RestoreException notRestorable(String message) {
        return new RestoreException(RestoreException.Reason.NOT_RESTORABLE, message);
    }
}
