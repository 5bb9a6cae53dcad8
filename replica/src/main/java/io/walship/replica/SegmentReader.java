package io.walship.replica;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * Reads a segment written by {@link SegmentWriter}, checking every structural rule and, at the end,
 * the content checksum. Use: {@link #nextTransaction()} until it returns null, reading each transaction's
 * pages with {@link #nextPage(byte[])}; the null return is only given after the trailer verified.
 */
public final class SegmentReader implements AutoCloseable {
    private final ObjectReader in;
    private long txRead;
    private long lastTxid;
    private int pagesLeft;
    private long lastPgno;
    private TransactionHeader current;
    private byte[] skip;

    /** One transaction's header inside a segment. */
    public record TransactionHeader(long txid, Instant time, long commitSize, int pageCount) {
    }

    public SegmentReader(String key, InputStream stream) throws IOException {
        this.in = new ObjectReader(key, stream);
        if (in.header().kind() != ObjectKind.SEGMENT) {
            in.close();
            throw in.corrupt("expected a segment, found a " + in.header().kind());
        }
        this.lastTxid = in.header().firstTxid() - 1;
    }

    public ObjectHeader header() {
        return in.header();
    }

    /** The next transaction, or null after the last one once the whole object verified. */
    public TransactionHeader nextTransaction() throws IOException {
        if (pagesLeft > 0 && skip == null) {
            skip = new byte[in.header().pageSize()];
        }
        while (pagesLeft > 0) {
            nextPage(skip);
        }
        if (txRead == in.header().count()) {
            if (lastTxid != in.header().lastTxid()) {
                throw in.corrupt("last transaction " + lastTxid + " does not match header " + in.header().lastTxid());
            }
            if (current.commitSize() != in.header().databasePages() || !current.time().equals(in.header().lastTime())) {
                throw in.corrupt("last transaction (database size " + current.commitSize() + ", time " + current.time()
                        + ") does not match the header");
            }
            in.verifyEnd();
            return null;
        }
        long txid = in.readLong();
        long time = in.readLong();
        long commitSize = Integer.toUnsignedLong(in.readInt());
        int pageCount = in.readInt();
        if (txid != lastTxid + 1) {
            throw in.corrupt("transaction " + txid + " does not follow " + lastTxid);
        }
        if (pageCount < 0 || commitSize < 1) {
            throw in.corrupt("transaction " + txid + " has an invalid page count or commit size");
        }
        if (txRead == 0 && !Instant.ofEpochMilli(time).equals(in.header().firstTime())) {
            throw in.corrupt("first transaction time " + Instant.ofEpochMilli(time) + " does not match the header");
        }
        lastPgno = 0;
        lastTxid = txid;
        txRead++;
        pagesLeft = pageCount;
        current = new TransactionHeader(txid, Instant.ofEpochMilli(time), commitSize, pageCount);
        return current;
    }

    /** Reads the next page of the current transaction into {@code page}; returns its page number. */
    public long nextPage(byte[] page) throws IOException {
        if (pagesLeft <= 0) {
            throw new IllegalStateException("no pages left in this transaction");
        }
        long pgno = Integer.toUnsignedLong(in.readInt());
        in.readFully(page, 0, in.header().pageSize());
        pagesLeft--;
        if (pgno < 1 || pgno > current.commitSize() || pgno == DatabasePages.lockPage(in.header().pageSize())) {
            throw in.corrupt("transaction " + current.txid() + " holds invalid page number " + pgno);
        }
        if (pgno <= lastPgno) {
            throw in.corrupt("transaction " + current.txid() + " holds page " + pgno + " after page " + lastPgno
                    + "; pages must ascend");
        }
        lastPgno = pgno;
        return pgno;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
