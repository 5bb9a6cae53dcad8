package io.walship.restore;

/**
 * What {@link Restorer#restore} did: restored the database, or deliberately did nothing because the request said
 * so for the situation it found. Failures are a {@link RestoreException}, never an outcome.
 */
public sealed interface RestoreOutcome permits RestoreOutcome.Restored, RestoreOutcome.Skipped {

    /** The database was restored. */
    record Restored(RestoreResult result) implements RestoreOutcome {
    }

    /** Nothing was restored, as the request allowed; {@code note} says why in one line. */
    record Skipped(Why why, String note) implements RestoreOutcome {
    }

    /** The situations a request can ask to skip. */
    enum Why {
        /** The output database exists and {@link RestoreRequest#skipIfOutputExists()} was set. */
        OUTPUT_EXISTS,
        /** The replica holds no snapshot and {@link RestoreRequest#skipIfReplicaEmpty()} was set. */
        REPLICA_EMPTY
    }
}
