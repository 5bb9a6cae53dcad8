package io.walship.replicator;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * When each captured transaction was seen, for as long as some replica lacks it: what the age of the oldest
 * unshipped transaction is read from. Capture publishes transactions in batches, so one entry stands for every txid
 * after the previous entry up to its own, all seen at its time.
 *
 * <p>Bounded: past {@link #MAX_ENTRIES} every other entry is dropped, so that a replica down for days costs a fixed
 * amount of memory; a dropped entry's txids then count from the next kept entry's (later) time, so the age reads a
 * little younger, never older. Shared between the capture thread (which records) and the threads that read metrics.
 */
final class CaptureTimeline {
    static final int MAX_ENTRIES = 4096;

    private final TreeMap<Long, Instant> seen = new TreeMap<>();

    /** Transactions up to {@code txid} were captured at {@code time}. */
    synchronized void record(long txid, Instant time) {
        if (time == null || (!seen.isEmpty() && txid <= seen.lastKey())) {
            return;
        }
        seen.put(txid, time);
        if (seen.size() > MAX_ENTRIES) {
            boolean drop = false;
            for (Iterator<Map.Entry<Long, Instant>> it = seen.entrySet().iterator(); it.hasNext(); ) {
                it.next();
                // Keep the newest entry, which stands for the newest txid.
                if (drop && it.hasNext()) {
                    it.remove();
                }
                drop = !drop;
            }
        }
    }

    /**
     * When the first transaction after {@code shippedTxid} was captured, or null when none was recorded. Forgets
     * what every replica already holds.
     */
    synchronized Instant firstAfter(long shippedTxid) {
        seen.headMap(shippedTxid, true).clear();
        Map.Entry<Long, Instant> first = seen.firstEntry();
        return first == null ? null : first.getValue();
    }
}
