package io.walship.replicator.wal;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads the wal-index header ({@link WalIndexHeader}) of a database's {@code -shm} file through one descriptor that
 * stays open until {@link #close()}.
 *
 * <p>Why a descriptor held open, and not one per read: POSIX advisory locks belong to a process and an inode, and
 * closing any descriptor of a file drops every lock the process holds on it. SQLite keeps its wal-index locks (the
 * read mark of walship's pinned read transaction among them, and the lock that tells other processes the wal-index
 * is in use) on this very file, so a reader that opened and closed the {@code -shm} file on every poll would silently
 * release them. The owner therefore opens this only after its SQLite connections opened the wal-index, and closes it
 * only after they are closed.
 *
 * <p>Why the {@code -shm} file and not a SQL statement: SQLite offers no statement that returns the committed frame
 * count without running a checkpoint. Reading the file with {@code pread} sees the same page cache that SQLite's shared
 * mapping writes to; a read that races with a writer is caught by SQLite's own rule (both copies equal and the
 * checksum valid) and retried. The file is read through {@link RandomAccessFile} rather than a {@code FileChannel}
 * because an interrupted channel closes itself, and with it the descriptor this class must keep.
 *
 * <p>Not thread-safe: one capture thread owns it.
 */
public final class WalIndex implements Closeable {
    private static final int ATTEMPTS = 100;

    private final Path path;
    private final RandomAccessFile file;
    private final byte[] buffer = new byte[WalIndexHeader.READ_SIZE];

    private WalIndex(Path path, RandomAccessFile file) {
        this.path = path;
        this.file = file;
    }

    /** Opens the {@code -shm} file of {@code dbPath}; SQLite must already have it open (see the class comment). */
    public static WalIndex open(Path dbPath) throws IOException {
        Path shm = Path.of(dbPath + "-shm");
        return new WalIndex(shm, new RandomAccessFile(shm.toFile(), "r"));
    }

    public Path path() {
        return path;
    }

    /**
     * The current header. Retries while a writer is in the middle of updating it (a torn read), and fails if the
     * header stays unreadable, which means the wal-index is not in use the way walship expects.
     */
    public WalIndexHeader read() throws IOException {
        for (int attempt = 1; ; attempt++) {
            Optional<WalIndexHeader> h = tryRead();
            if (h.isPresent()) {
                return h.get();
            }
            if (attempt == ATTEMPTS) {
                throw new IOException("the wal-index header in " + path + " stayed unreadable over " + ATTEMPTS
                        + " attempts (not initialised, or another program writes it)");
            }
            Thread.onSpinWait();
            if (attempt % 10 == 0) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading " + path, e);
                }
            }
        }
    }

    /**
     * How many frames of the current generation checkpoints have copied into the database file (nBackfill, at offset
     * 96). It is not covered by the header's checksum; SQLite itself reads it as one atomic 32-bit load.
     */
    public long backfilled() throws IOException {
        byte[] b = new byte[4];
        file.seek(96);
        file.readFully(b);
        return Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).getInt());
    }

    /** One attempt; empty when the header is torn or not initialised. */
    Optional<WalIndexHeader> tryRead() throws IOException {
        try {
            file.seek(0);
            file.readFully(buffer);
        } catch (EOFException e) {
            return Optional.empty();
        }
        return WalIndexHeader.parse(buffer);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
