package io.walship.replicator.spool;

import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalGeneration;
import java.time.Instant;

/**
 * Where capture stood right after a transaction or snapshot: its txid, the time walship observed it, the
 * database size, and the WAL position (generation and cursor) from which capture continues. The spool stores one
 * with every commit and snapshot record, so the spool alone tells a restarted daemon where to resume.
 *
 * @param generation the WAL generation the cursor is in
 * @param cursor frames captured of that generation and the running checksum after the last one (frames 0: none yet,
 *     and the checksum is not used: a scan from the start of a generation begins with the WAL header's own)
 */
public record CapturePoint(long txid, Instant time, long databasePages, int pageSize, WalGeneration generation,
                           WalCursor cursor) {
}
