package io.walship.restore.litestream;

import io.walship.restore.RestoreOutcome;

/**
 * What {@link LitestreamRestorer#restore} did: restored the database, or deliberately did nothing because the request
 * said so for the situation it found (the same situations as a walship replica's). Failures are a
 * {@link io.walship.restore.RestoreException}.
 */
public sealed interface LitestreamOutcome permits LitestreamOutcome.Restored, LitestreamOutcome.Skipped {

    /** The database was restored. */
    record Restored(LitestreamRestoreResult result) implements LitestreamOutcome {
    }

    /** Nothing was restored, as the request allowed; {@code note} says why in one line. */
    record Skipped(RestoreOutcome.Why why, String note) implements LitestreamOutcome {
    }
}
