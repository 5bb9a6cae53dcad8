package io.walship.restore;

import io.walship.replica.DatabaseChecksum;
import java.time.Duration;

/** What a {@link RestoreDrill} found. */
public sealed interface DrillResult permits DrillResult.Passed, DrillResult.Failed {

    /** The point the drill restored, or tried to. */
    RestoreTarget target();

    /**
     * The target was restored and passed {@code PRAGMA integrity_check}.
     *
     * @param restore  what was restored (txid, time, pages, snapshot used and any snapshot skipped)
     * @param checksum the restored state's page checksum, to compare with the live database's at the same txid
     * @param elapsed  how long the drill took, restore and checksum together
     */
    record Passed(RestoreTarget target, RestoreResult restore, DatabaseChecksum checksum, Duration elapsed)
            implements DrillResult {
    }

    /**
     * The target could not be restored, or the result failed its integrity check; {@code error}'s reason and message
     * say which and name the object or txids at fault.
     */
    record Failed(RestoreTarget target, RestoreException error) implements DrillResult {
    }
}
