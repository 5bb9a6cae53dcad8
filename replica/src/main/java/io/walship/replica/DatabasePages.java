package io.walship.replica;

/** Facts about SQLite database pages that every part of walship needs the same way. */
public final class DatabasePages {
    /** SQLite's lock byte range starts at 1 GiB; the page holding it is never written by SQLite. */
    public static final long PENDING_BYTE = 0x40000000L;

    private DatabasePages() {
    }

    /** The page number of the lock page for this page size. */
    public static long lockPage(int pageSize) {
        return PENDING_BYTE / pageSize + 1;
    }

    /** Whether the page size is one SQLite allows. */
    public static boolean validPageSize(int pageSize) {
        return pageSize >= 512 && pageSize <= 65536 && Integer.bitCount(pageSize) == 1;
    }
}
