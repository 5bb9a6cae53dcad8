package io.walship.replicator;

import io.walship.replicator.wal.WalChecksum;
import java.util.HashMap;
import java.util.Map;

/**
 * For the current WAL generation: which frame holds the newest committed image of each page. A snapshot reads a
 * page from that frame when there is one, and from the database file otherwise. Frames of the transaction still
 * being captured are staged apart and only join at its commit frame.
 */
final class PageOverlay {
    /** A frame and the cumulative checksum it carries, which proves later that the frame was not rewritten. */
    record FrameRef(long frame, WalChecksum checksum) {
    }

    private final Map<Long, FrameRef> committed = new HashMap<>();
    private final Map<Long, FrameRef> staged = new HashMap<>();

    void stage(long pgno, long frame, WalChecksum checksum) {
        staged.put(pgno, new FrameRef(frame, checksum));
    }

    void commit() {
        committed.putAll(staged);
        staged.clear();
    }

    void dropStaged() {
        staged.clear();
    }

    void clear() {
        committed.clear();
        staged.clear();
    }

    FrameRef get(long pgno) {
        return committed.get(pgno);
    }

    int size() {
        return committed.size();
    }
}
