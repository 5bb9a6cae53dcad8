package io.walship.replicator.spool;

import java.io.IOException;

/**
 * Writing or syncing the spool failed (a full disk, an I/O error): the spool went back to its last durable record and
 * heals itself on its next write. Capture can resume from that record with the WAL it still pins, so nothing the app
 * committed meanwhile needs a snapshot.
 */
public final class SpoolWriteException extends IOException {
    public SpoolWriteException(IOException cause) {
        super(cause.getMessage(), cause);
    }
}
