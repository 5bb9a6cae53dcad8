package io.walship.restore;

import java.time.Instant;
import java.util.Objects;

/**
 * The point in a replica's history to restore: the latest restorable state, a transaction id, or a moment in time.
 */
public sealed interface RestoreTarget permits RestoreTarget.Latest, RestoreTarget.AtTxid, RestoreTarget.AtTime {

    /** The newest state the replica holds, reached from the newest snapshot without any missing transaction. */
    record Latest() implements RestoreTarget {
        @Override
        public String describe() {
            return "the latest txid";
        }
    }

    /** The state right after transaction {@code txid} committed. */
    record AtTxid(long txid) implements RestoreTarget {
        public AtTxid {
            if (txid < 1) {
                throw new IllegalArgumentException("txid must be 1 or more, not " + txid);
            }
        }

        @Override
        public String describe() {
            return "txid " + txid;
        }
    }

    /**
     * The state as of {@code time}: every transaction up to, but not including, the first one committed after
     * {@code time}.
     */
    record AtTime(Instant time) implements RestoreTarget {
        public AtTime {
            Objects.requireNonNull(time, "time");
        }

        @Override
        public String describe() {
            return "timestamp " + time;
        }
    }

    /** A short description for logs and error messages, such as {@code txid 42}. */
    String describe();

    static RestoreTarget latest() {
        return new Latest();
    }

    static RestoreTarget txid(long txid) {
        return new AtTxid(txid);
    }

    static RestoreTarget timestamp(Instant time) {
        return new AtTime(time);
    }
}
