package io.walship.replicator;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;

/**
 * The database file, opened once and kept open for the daemon's life. POSIX advisory locks belong to a process
 * and an inode, and closing any descriptor of the file drops every lock the process holds on it, including the
 * ones SQLite holds for walship's own connections. So walship never opens and closes the database file casually:
 * every direct read goes through this one channel.
 */
final class DatabaseFile implements Closeable {
    static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private final Path path;
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final Object identity;

    private DatabaseFile(Path path, RandomAccessFile file, Object identity) {
        this.path = path;
        this.file = file;
        this.channel = file.getChannel();
        this.identity = identity;
    }

    static DatabaseFile open(Path path) throws IOException {
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "r");
        Object id = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        return new DatabaseFile(path, file, id);
    }

    /** Whether a usable SQLite database is at {@code path}: a file with at least a complete valid header. */
    static boolean isReady(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            // This short-lived descriptor is only used before walship's own connections exist, so no lock is lost.
            ByteBuffer b = ByteBuffer.allocate(100);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // keep reading
            }
            return !b.hasRemaining() && Arrays.equals(Arrays.copyOf(b.array(), 16), MAGIC);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    Path path() {
        return path;
    }

    /** Whether the path now names another file than the one walship holds open (replaced, or deleted). */
    boolean replaced() {
        try {
            return !Objects.equals(identity, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Writes the file's dirty pages to disk through the one descriptor walship holds (fsync needs no write access).
     * SQLite's checkpoints copy pages into the file without syncing it until a checkpoint copies the whole WAL; that
     * one then syncs everything copied since. Under walship's write barrier this made the app wait 224 ms after a
     * 400 MB catch-up; flushing first, outside any lock, leaves that sync only the last few pages.
     */
    void flush() throws IOException {
        // Through the descriptor, not the channel: a channel closes itself when its thread is interrupted during an
        // operation, and closing this descriptor would drop every SQLite lock walship holds on the file.
        file.getFD().sync();
    }

    /** The page size from the database header; 0 if the header is not there yet. */
    int pageSize() throws IOException {
        ByteBuffer h = header();
        if (h == null) {
            return 0;
        }
        int v = h.getShort(16) & 0xffff;
        return v == 1 ? 65536 : v;
    }

    /**
     * The database size in pages according to the file itself: the header's size field when it is valid (its
     * version-valid-for number matches the change counter), otherwise the file length.
     */
    long pages(int pageSize) throws IOException {
        ByteBuffer h = header();
        long fromLength = channel.size() / pageSize;
        if (h == null) {
            return fromLength;
        }
        long inHeader = Integer.toUnsignedLong(h.getInt(28));
        boolean valid = h.getInt(24) == h.getInt(92) && inHeader != 0;
        return valid ? inHeader : fromLength;
    }

    /** The database file's POSIX permission bits (such as 0600), 0 where the file system has none. */
    int fileMode() {
        try {
            int mode = 0;
            for (java.nio.file.attribute.PosixFilePermission p : java.nio.file.Files.getPosixFilePermissions(path)) {
                mode |= 1 << (8 - p.ordinal());
            }
            return mode;
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    /** The file's length in bytes. */
    long length() throws IOException {
        return channel.size();
    }

    /** Reads up to {@code length} bytes at {@code position}; returns how many, or -1 at the end of the file. */
    int read(long position, byte[] into, int length) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into, 0, length);
        while (b.hasRemaining()) {
            int n = channel.read(b, position + b.position());
            if (n < 0) {
                return b.position() == 0 ? -1 : b.position();
            }
        }
        return b.position();
    }

    /** Reads page {@code pgno} into {@code into}; false when the file ends before the page. */
    boolean readPage(long pgno, int pageSize, byte[] into) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into, 0, pageSize);
        long offset = (pgno - 1) * pageSize;
        while (b.hasRemaining()) {
            if (channel.read(b, offset + b.position()) < 0) {
                return false;
            }
        }
        return true;
    }

    private ByteBuffer header() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(100);
        while (b.hasRemaining()) {
            if (channel.read(b, b.position()) < 0) {
                return null;
            }
        }
        return Arrays.equals(Arrays.copyOf(b.array(), 16), MAGIC) ? b : null;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
