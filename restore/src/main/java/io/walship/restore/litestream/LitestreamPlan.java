package io.walship.restore.litestream;

import io.walship.restore.RestoreTarget;
import java.util.List;

/**
 * What a restore from a Litestream 0.3 replica reads: one snapshot, then every WAL index from the snapshot's index on,
 * each as its segments in offset order.
 *
 * @param target     what was asked for
 * @param generation the generation restored
 * @param snapshot   the snapshot the restore starts from
 * @param indexes    the WAL indexes to apply, consecutive from the snapshot's index; empty for a snapshot alone
 */
public record LitestreamPlan(RestoreTarget target, Generation generation, LitestreamObject snapshot,
                             List<WalIndex> indexes) {

    public LitestreamPlan {
        indexes = List.copyOf(indexes);
    }

    /**
     * One WAL file of the generation, as the segments that hold it, in offset order starting at offset 0.
     *
     * @param index    the WAL index
     * @param segments its segments; together they are the WAL file's bytes from its header on
     */
    public record WalIndex(long index, List<LitestreamObject> segments) {
        public WalIndex {
            segments = List.copyOf(segments);
        }
    }

    /** How many segments the plan reads. */
    public int segmentCount() {
        return indexes.stream().mapToInt(i -> i.segments().size()).sum();
    }

    /** A one-line description for logs. */
    public String describe() {
        String wal = indexes.isEmpty() ? "no WAL segments"
                : segmentCount() + " WAL segment" + (segmentCount() == 1 ? "" : "s") + " of index"
                + (indexes.size() == 1 ? " " + LitestreamKeys.hex(indexes.get(0).index())
                        : "es " + LitestreamKeys.hex(indexes.get(0).index()) + ".."
                        + LitestreamKeys.hex(indexes.get(indexes.size() - 1).index()));
        return "generation " + generation.name() + ": snapshot " + snapshot.key() + " (" + snapshot.createdAt()
                + ") then " + wal;
    }
}
