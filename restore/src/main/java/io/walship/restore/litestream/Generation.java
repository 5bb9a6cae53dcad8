package io.walship.restore.litestream;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One generation of a Litestream 0.3 replica: its snapshots in index order and its WAL segments in (index, offset)
 * order, each sorted here because no backend's listing order is relied on.
 *
 * @param name      16 lower-case hex digits
 * @param snapshots the snapshots, by index
 * @param segments  the WAL segments, by index then offset
 */
public record Generation(String name, List<LitestreamObject> snapshots, List<LitestreamObject> segments) {

    static final Comparator<LitestreamObject> BY_POSITION =
            Comparator.comparingLong(LitestreamObject::index).thenComparingLong(LitestreamObject::offset);

    public Generation {
        snapshots = snapshots.stream().sorted(BY_POSITION).toList();
        segments = segments.stream().sorted(BY_POSITION).toList();
    }

    /** When its first object was stored: Litestream's "created at" of a generation. */
    public Instant createdAt() {
        return bound(false);
    }

    /** When its newest object was stored: Litestream's "updated at", by which it picks the newest generation. */
    public Instant updatedAt() {
        return bound(true);
    }

    private Instant bound(boolean newest) {
        Instant found = null;
        for (List<LitestreamObject> objects : List.of(snapshots, segments)) {
            for (LitestreamObject o : objects) {
                if (found == null || (newest ? o.createdAt().isAfter(found) : o.createdAt().isBefore(found))) {
                    found = o.createdAt();
                }
            }
        }
        return found;
    }

    /** The total stored size of its objects in bytes. */
    public long size() {
        return snapshots.stream().mapToLong(LitestreamObject::size).sum()
                + segments.stream().mapToLong(LitestreamObject::size).sum();
    }

    /** The lowest and highest index its snapshots are at, empty when it has none. */
    public Optional<IndexRange> snapshotIndexes() {
        return IndexRange.of(snapshots);
    }

    /** The lowest and highest WAL index its segments hold, empty when it has none. */
    public Optional<IndexRange> walIndexes() {
        return IndexRange.of(segments);
    }

    /** An inclusive range of WAL indexes. */
    public record IndexRange(long first, long last) {
        static Optional<IndexRange> of(List<LitestreamObject> sorted) {
            if (sorted.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new IndexRange(sorted.get(0).index(), sorted.get(sorted.size() - 1).index()));
        }
    }
}
