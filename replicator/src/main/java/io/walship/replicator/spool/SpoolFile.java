package io.walship.replicator.spool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One spool file. Shared across threads: the capture thread publishes its {@link State}, shipping threads read it.
 * {@link #maxTxid} and {@link #snapshots} are guarded by the owning {@link Spool}'s lock.
 */
final class SpoolFile {
    /**
     * How far the file's records are durable and visible to readers, and whether the file is sealed (no record will
     * follow), as one value: a reader that sees "sealed" also sees the final end, so it never skips records that were
     * made durable by the seal.
     */
    record State(long durableEnd, boolean sealed) {
    }

    final Path path;
    final long firstTxid;
    private volatile State state;
    long maxTxid;
    final List<Long> snapshots = new ArrayList<>();

    SpoolFile(Path path, long firstTxid, State state) {
        this.path = path;
        this.firstTxid = firstTxid;
        this.state = state;
    }

    State state() {
        return state;
    }

    void publish(State s) {
        state = s;
    }
}
