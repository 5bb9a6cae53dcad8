package io.walship.replicator;

import io.walship.replicator.wal.WalGeneration;
import io.walship.replicator.wal.WalIndexHeader;
import java.nio.file.Path;

/**
 * Why walship cannot prove that it saw every transaction since its last captured one, and so starts a new chain
 * with a snapshot. Each case says what actually happened, for the WARN line that goes with the snapshot.
 */
sealed interface Discontinuity {
    /** One sentence for the log: what happened, without the "taking a snapshot" part. */
    String describe();

    /** No history at all yet: the first snapshot of this database (logged at INFO, not a WARN). */
    record NoHistory() implements Discontinuity {
        @Override
        public String describe() {
            return "there is no history yet";
        }
    }

    record LostSpool(Path spool, long replicaTxid) implements Discontinuity {
        @Override
        public String describe() {
            return "no local spool at " + spool + " (first run here, or the spool was lost); the replica holds txids up to "
                    + replicaTxid;
        }
    }

    record ReplicaAhead(long replicaTxid, long spoolTxid) implements Discontinuity {
        @Override
        public String describe() {
            return "the replica already holds txid " + replicaTxid + ", beyond the spool's last txid " + spoolTxid
                    + " (another walship wrote to it, or this spool is older than the replica)";
        }
    }

    record DatabaseReplaced(String detail) implements Discontinuity {
        @Override
        public String describe() {
            return "the database file was replaced (" + detail + ")";
        }
    }

    /** While walship was stopped, the WAL it stopped in was restarted and the database changed in ways it cannot see. */
    record ChangedWhileStopped(String what) implements Discontinuity {
        @Override
        public String describe() {
            return what + " while walship was not running";
        }
    }

    /** The WAL restarted at a moment when walship could not prove it had copied all of the previous generation. */
    record UnprovenRestart(WalGeneration from, WalIndexHeader to, String why) implements Discontinuity {
        @Override
        public String describe() {
            return "the WAL restarted (" + from + " -> " + to.generation() + ") " + why;
        }
    }

    /** The last frame walship captured no longer holds what it held: the WAL was rewritten under SQLite's feet. */
    record LastFrameRewritten(WalGeneration generation, long frame) implements Discontinuity {
        @Override
        public String describe() {
            return "frame " + frame + " of " + generation + ", the last one walship captured, no longer holds what it did";
        }
    }

    /** The wal-index says frames are committed that walship cannot read as a valid continuation of what it has. */
    record CaptureStalled(WalIndexHeader index, long reached, String why) implements Discontinuity {
        @Override
        public String describe() {
            return "capture stalled at frame " + reached + " of " + index.frames() + " committed frames (" + why + ")";
        }
    }

    /** The page size changed, which only a VACUUM in rollback-journal mode can do. */
    record PageSizeChanged(int from, int to) implements Discontinuity {
        @Override
        public String describe() {
            return "the page size changed from " + from + " to " + to;
        }
    }
}
