package io.walship.replica;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a segment: whole transactions in txid order, each keeping its boundary, txid, time and
 * commit size so that a restore can stop after any of them.
 *
 * <pre>
 *  content := transaction*
 *  transaction:
 *   +-------------+-------------+------------------+-----------------+
 *   | txid u64    | time ms i64 | commit size u32  | page count u32  |   24 bytes
 *   +-------------+-------------+------------------+-----------------+
 *   then page count times:
 *   +-------------+-----------------------------+
 *   | pgno u32    | page image, page-size bytes |
 *   +-------------+-----------------------------+
 * </pre>
 * Within a transaction each page appears once (its last image), in ascending page number, no page is beyond
 * the commit size, and the lock page never appears.
 */
public final class SegmentWriter {
    private final ObjectWriter out;
    private final ObjectHeader header;
    private long written;
    private long lastTxid;
    private int pagesLeft;
    private long commitSize;
    private long lastPgno;
    private long firstTime;
    private long lastTime;

    public SegmentWriter(OutputStream out, ObjectHeader header) throws IOException {
        if (header.kind() != ObjectKind.SEGMENT) {
            throw new IllegalArgumentException("not a segment header");
        }
        this.header = header;
        this.out = new ObjectWriter(out, header);
        this.lastTxid = header.firstTxid() - 1;
    }

    public void beginTransaction(long txid, long timeMillis, long commitSize, int pageCount) throws IOException {
        if (pagesLeft != 0) {
            throw new IllegalStateException(pagesLeft + " pages missing from transaction " + lastTxid);
        }
        if (txid != lastTxid + 1) {
            throw new IllegalStateException("transaction " + txid + " does not follow " + lastTxid);
        }
        if (commitSize < 1 || commitSize > 0xFFFF_FFFFL || pageCount < 0) {
            throw new IllegalArgumentException("transaction " + txid + ": invalid commit size " + commitSize
                    + " or page count " + pageCount);
        }
        out.content().writeLong(txid);
        out.content().writeLong(timeMillis);
        out.content().writeInt((int) commitSize);
        out.content().writeInt(pageCount);
        lastTxid = txid;
        pagesLeft = pageCount;
        this.commitSize = commitSize;
        lastPgno = 0;
        if (written == 0) {
            firstTime = timeMillis;
        }
        lastTime = timeMillis;
        written++;
    }

    public void page(long pgno, byte[] image, int offset) throws IOException {
        if (pagesLeft <= 0) {
            throw new IllegalStateException("more pages than declared in transaction " + lastTxid);
        }
        if (pgno <= lastPgno || pgno > commitSize || pgno == DatabasePages.lockPage(header.pageSize())) {
            throw new IllegalArgumentException("transaction " + lastTxid + " cannot hold page " + pgno + " after page "
                    + lastPgno + " (commit size " + commitSize + "); pages ascend, stay within the commit size and"
                    + " skip the lock page");
        }
        pagesLeft--;
        lastPgno = pgno;
        out.content().writeInt((int) pgno);
        out.content().write(image, offset, header.pageSize());
    }

    public void finish() throws IOException {
        if (pagesLeft != 0 || lastTxid != header.lastTxid() || written != header.count()) {
            throw new IllegalStateException("segment content does not match its header: wrote up to txid " + lastTxid);
        }
        if (commitSize != header.databasePages() || firstTime != header.firstTime().toEpochMilli()
                || lastTime != header.lastTime().toEpochMilli()) {
            throw new IllegalStateException("segment header (database size " + header.databasePages() + ", times "
                    + header.firstTime() + ".." + header.lastTime() + ") does not match its transactions");
        }
        out.finish();
    }
}
