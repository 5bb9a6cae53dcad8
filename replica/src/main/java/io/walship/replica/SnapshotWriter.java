package io.walship.replica;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a snapshot: the whole database as of one txid.
 *
 * <pre>
 *  content := page image for page 1, 2, ... database size, page-size bytes each,
 *             leaving out the lock page (the page holding byte offset 2^30) when the database reaches it
 * </pre>
 * Pages are streamed one at a time, so memory use does not depend on the database size.
 */
public final class SnapshotWriter {
    private final ObjectWriter out;
    private final ObjectHeader header;
    private long nextPage = 1;

    public SnapshotWriter(OutputStream out, ObjectHeader header) throws IOException {
        if (header.kind() != ObjectKind.SNAPSHOT) {
            throw new IllegalArgumentException("not a snapshot header");
        }
        if (header.count() != storedPages(header.databasePages(), header.pageSize())) {
            throw new IllegalArgumentException("snapshot page count does not match the database size");
        }
        this.header = header;
        this.out = new ObjectWriter(out, header);
    }

    /** How many pages a snapshot of a database of {@code databasePages} pages stores. */
    public static long storedPages(long databasePages, int pageSize) {
        return databasePages >= DatabasePages.lockPage(pageSize) ? databasePages - 1 : databasePages;
    }

    /** The page number the next {@link #page} call writes. */
    public long nextPageNumber() {
        return nextPage == DatabasePages.lockPage(header.pageSize()) ? nextPage + 1 : nextPage;
    }

    public void page(byte[] image, int offset) throws IOException {
        if (nextPage == DatabasePages.lockPage(header.pageSize())) {
            nextPage++;
        }
        if (nextPage > header.databasePages()) {
            throw new IllegalStateException("more pages than the database size " + header.databasePages());
        }
        out.content().write(image, offset, header.pageSize());
        nextPage++;
    }

    public void finish() throws IOException {
        if (nextPage == DatabasePages.lockPage(header.pageSize()) && nextPage <= header.databasePages()) {
            nextPage++;
        }
        if (nextPage != header.databasePages() + 1) {
            throw new IllegalStateException("snapshot ends at page " + (nextPage - 1) + " of " + header.databasePages());
        }
        out.finish();
    }
}
