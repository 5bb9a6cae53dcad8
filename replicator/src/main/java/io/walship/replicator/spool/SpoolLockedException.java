package io.walship.replicator.spool;

import java.io.IOException;

/** Another walship process (or another replicator in this one) holds the spool: this one must not touch it. */
public final class SpoolLockedException extends IOException {
    public SpoolLockedException(String message) {
        super(message);
    }
}
