package io.walship.replicator.spool;

/**
 * Written at a clean stop when the database file alone held the state at {@code point.txid()}: the file's length and
 * CRC32C. A later start that finds the file unchanged continues the history even if SQLite removed the WAL meanwhile.
 */
public record RestPoint(CapturePoint point, long databaseBytes, int databaseCrc) {
}
