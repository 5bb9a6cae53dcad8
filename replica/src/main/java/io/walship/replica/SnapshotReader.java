package io.walship.replica;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a snapshot written by {@link SnapshotWriter}: {@link #nextPage(byte[])} until it returns 0, which it
 * does only after the whole object verified.
 */
public final class SnapshotReader implements AutoCloseable {
    private final ObjectReader in;
    private long nextPage = 1;

    public SnapshotReader(String key, InputStream stream) throws IOException {
        this.in = new ObjectReader(key, stream);
        if (in.header().kind() != ObjectKind.SNAPSHOT) {
            in.close();
            throw in.corrupt("expected a snapshot, found a " + in.header().kind());
        }
        if (in.header().count() != SnapshotWriter.storedPages(in.header().databasePages(), in.header().pageSize())) {
            in.close();
            throw in.corrupt("page count does not match the database size");
        }
    }

    public ObjectHeader header() {
        return in.header();
    }

    /** Reads the next page into {@code page} and returns its page number, or 0 at the verified end. */
    public long nextPage(byte[] page) throws IOException {
        if (nextPage == DatabasePages.lockPage(in.header().pageSize())) {
            nextPage++;
        }
        if (nextPage > in.header().databasePages()) {
            in.verifyEnd();
            return 0;
        }
        in.readFully(page, 0, in.header().pageSize());
        return nextPage++;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
