package io.walship.replicator.spool;

import java.io.IOException;

/** The spool holds damaged data before its tail: its history cannot be trusted, so that database stops. */
public class SpoolCorruptException extends IOException {
    public SpoolCorruptException(String message) {
        super(message);
    }
}
