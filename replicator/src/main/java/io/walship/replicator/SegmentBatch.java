package io.walship.replicator;

import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.SpoolRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The transactions the shipping loop read from the spool for its next segment: each transaction's pages are collected
 * until its commit record, and a committed transaction joins the batch with its pages in page order. Used by one
 * shipping thread.
 */
final class SegmentBatch {
    private final List<Outbox.Tx> transactions = new ArrayList<>();
    private TreeMap<Long, SpoolRecord.Page> pages = new TreeMap<>();
    private long bytes;

    /** A page of the transaction being read; a later image of the same page replaces an earlier one. */
    void page(SpoolRecord.Page page) {
        pages.put(page.pgno(), page);
    }

    /** The transaction being read committed at {@code point}: it joins the batch. */
    void commit(CapturePoint point) {
        transactions.add(new Outbox.Tx(point, pages));
        bytes += (long) pages.size() * point.pageSize();
        pages = new TreeMap<>();
    }

    /** The committed transactions, oldest first; a view that {@link #shipped} empties. */
    List<Outbox.Tx> transactions() {
        return transactions;
    }

    /** The page bytes of the committed transactions. */
    long bytes() {
        return bytes;
    }

    /**
     * The committed transactions went into a segment: the batch starts over. Pages of a transaction whose commit was
     * not read yet stay.
     */
    void shipped() {
        transactions.clear();
        bytes = 0;
    }
}
