package io.walship.replicator.spool;

import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalHeader;
import java.time.Instant;

/**
 * Where capture stood right after a transaction or snapshot: its txid, the time walship observed it, the
 * database size, and the WAL position (generation header and cursor) from which capture continues. The spool
 * stores one with every commit and snapshot record, so the spool alone tells a restarted daemon where to resume.
 *
 * @param generation the WAL header of the generation the cursor is in; null when there was no valid WAL
 */
public record CapturePoint(long txid, Instant time, long databasePages, int pageSize, WalHeader generation,
                           WalCursor cursor) {
}
