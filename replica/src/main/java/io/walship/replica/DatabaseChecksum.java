package io.walship.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A checksum of a database's state page by page: its page size, its size in pages and SHA-256 over every page image
 * in page order, leaving out the lock page (SQLite never writes it and snapshots do not store it). Two states with
 * equal checksums hold the same bytes, so comparing the checksum of a database restored at txid N with the checksum
 * the replicator computes of the live database at txid N, under its read transaction, catches a replica that
 * silently diverged from the database it follows.
 *
 * <p>SHA-256 rather than the CRC32C that protects objects: this compares two states that may each be gigabytes, where
 * a 32-bit checksum would let one divergence in four billion through unnoticed.
 *
 * @param pageSize      the page size in bytes
 * @param databasePages the database size in pages
 * @param sha256        SHA-256 of the page images, lower-case hex
 */
public record DatabaseChecksum(int pageSize, long databasePages, String sha256) {

    public DatabaseChecksum {
        if (!DatabasePages.validPageSize(pageSize) || databasePages < 0 || sha256.length() != 64) {
            throw new IllegalArgumentException("invalid checksum: page size " + pageSize + ", " + databasePages
                    + " pages, digest " + sha256);
        }
    }

    /** Starts a checksum of a database of {@code databasePages} pages; feed it every page in order. */
    public static Builder builder(int pageSize, long databasePages) {
        return new Builder(pageSize, databasePages);
    }

    /**
     * The checksum of a database file as it is on disk, such as a restored database. The file must hold whole pages and
     * no WAL may hold newer ones: a live database is checksummed through its reader's view instead, with
     * {@link #builder}.
     *
     * @throws IOException when the file cannot be read or is not a whole number of pages
     */
    public static DatabaseChecksum ofFile(Path database, int pageSize) throws IOException {
        try (FileChannel ch = FileChannel.open(database, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size % pageSize != 0) {
                throw new IOException(database + " is " + size + " bytes, not a whole number of " + pageSize
                        + "-byte pages");
            }
            Builder b = builder(pageSize, size / pageSize);
            ByteBuffer page = ByteBuffer.allocate(pageSize);
            long lockPage = DatabasePages.lockPage(pageSize);
            for (long pgno = 1; pgno <= size / pageSize; pgno++) {
                if (pgno == lockPage) {
                    continue;
                }
                page.clear();
                long position = (pgno - 1) * pageSize;
                while (page.hasRemaining()) {
                    int n = ch.read(page, position + page.position());
                    if (n < 0) {
                        throw new IOException(database + " ended while reading page " + pgno);
                    }
                }
                b.page(pgno, page.array(), 0);
            }
            return b.finish();
        }
    }

    /**
     * How this state differs from {@code other}, in a few words for an operator, or empty when they are the same. The
     * checksum cannot say which page differs, only that one does.
     */
    public Optional<String> difference(DatabaseChecksum other) {
        if (pageSize != other.pageSize) {
            return Optional.of("page size " + pageSize + " differs from " + other.pageSize);
        }
        if (databasePages != other.databasePages) {
            return Optional.of("database size " + databasePages + " pages differs from " + other.databasePages);
        }
        if (!sha256.equals(other.sha256)) {
            return Optional.of("same size (" + databasePages + " pages) but different page contents");
        }
        return Optional.empty();
    }

    /** A short form for logs and output: {@code sha256:<hex>}. */
    public String describe() {
        return "sha256:" + sha256;
    }

    /**
     * Accumulates a checksum from page images given in ascending page order, skipping the lock page. Not thread-safe:
     * one thread feeds it.
     */
    public static final class Builder {
        private final int pageSize;
        private final long databasePages;
        private final long lockPage;
        private final MessageDigest digest;
        private long next = 1;

        private Builder(int pageSize, long databasePages) {
            if (!DatabasePages.validPageSize(pageSize) || databasePages < 0) {
                throw new IllegalArgumentException("invalid page size " + pageSize + " or size " + databasePages);
            }
            this.pageSize = pageSize;
            this.databasePages = databasePages;
            this.lockPage = DatabasePages.lockPage(pageSize);
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime provides SHA-256", e);
            }
            skipLockPage();
        }

        /** Adds page {@code pgno}, the next one in order, from {@code image} at {@code offset}. */
        public void page(long pgno, byte[] image, int offset) {
            if (pgno != next) {
                throw new IllegalArgumentException("page " + pgno + " given where page " + next + " was expected");
            }
            if (pgno > databasePages) {
                throw new IllegalArgumentException("page " + pgno + " is beyond the database's " + databasePages);
            }
            digest.update(image, offset, pageSize);
            next++;
            skipLockPage();
        }

        /** The checksum, once every page was given. */
        public DatabaseChecksum finish() {
            if (next <= databasePages) {
                throw new IllegalStateException("page " + next + " of " + databasePages + " was not given");
            }
            return new DatabaseChecksum(pageSize, databasePages, HexFormat.of().formatHex(digest.digest()));
        }

        private void skipLockPage() {
            if (next == lockPage) {
                next++;
            }
        }
    }
}
