package io.walship.replicator;

import io.walship.replica.DatabaseChecksum;

import io.walship.replica.DatabasePages;
import io.walship.replica.DurableFiles;
import io.walship.replica.FileIo;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.SnapshotWriter;
import io.walship.replicator.wal.WalGeneration;
import io.walship.replicator.wal.WalScanner;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Writes a snapshot object of the database as walship's pinned read transaction sees it: each page comes from the
 * newest committed WAL frame that holds it (per the {@link PageOverlay}), or from the database file.
 *
 * <p>Why this is consistent while the app keeps writing: the reader's read mark stops checkpoints from copying
 * frames past the pinned state into the database file, and stops the WAL from restarting. The one exception is a
 * reader that SQLite placed on "read mark 0" because every frame was already checkpointed; then a restart may
 * rewrite frames, but the database file alone already holds the pinned state and no checkpoint can change it. So a
 * frame that no longer carries the salts and checksum it had when captured is read from the database file instead.
 */
final class SnapshotTaker {
    private SnapshotTaker() {
    }

    static void write(Path target, long txid, Instant time, int pageSize, long databasePages, DatabaseFile db,
                      WalGeneration generation, PageOverlay overlay, Path walPath, Lineage lineage) throws IOException {
        // The source database's permission bits travel with the snapshot, so that a restore gives its output the
        // same mode by default.
        ObjectHeader header = ObjectHeader.snapshot(pageSize, databasePages, txid, time, lineage, db.fileMode());
        // Written and forced here; the spool publishes it (rename, folder sync) when it records the snapshot.
        DurableFiles.writeForced(target, out -> {
            OutputStream stream = new BufferedOutputStream(Channels.newOutputStream(out), 1 << 16);
            SnapshotWriter writer = new SnapshotWriter(stream, header);
            readPages(pageSize, databasePages, db, generation, overlay, walPath, "snapshot",
                    (pgno, page) -> writer.page(page, 0));
            writer.finish();
            stream.flush();
        }, FileIo.DEFAULT);
    }

    /**
     * The page checksum of the database as the pinned read transaction sees it, page by page as {@link #write} takes
     * them: what a restore of the same txid must reproduce byte for byte ({@code verify --restore -config}).
     */
    static DatabaseChecksum checksum(int pageSize, long databasePages, DatabaseFile db, WalGeneration generation,
                                     PageOverlay overlay, Path walPath) throws IOException {
        DatabaseChecksum.Builder sum = DatabaseChecksum.builder(pageSize, databasePages);
        readPages(pageSize, databasePages, db, generation, overlay, walPath, "checksum",
                (pgno, page) -> sum.page(pgno, page, 0));
        return sum.finish();
    }

    /** Receives the database's page images in page order. */
    @FunctionalInterface
    private interface PageSink {
        void page(long pgno, byte[] image) throws IOException;
    }

    /**
     * Every page of the pinned state in order, but the lock page: from the newest committed WAL frame that holds it
     * (per {@code overlay}), else from the database file. {@code what} names the reader in the error of a page found
     * in neither.
     */
    private static void readPages(int pageSize, long databasePages, DatabaseFile db, WalGeneration generation,
                                  PageOverlay overlay, Path walPath, String what, PageSink sink) throws IOException {
        byte[] page = new byte[pageSize];
        long lockPage = DatabasePages.lockPage(pageSize);
        try (FileChannel wal = openWal(walPath, generation, overlay)) {
            for (long pgno = 1; pgno <= databasePages; pgno++) {
                if (pgno == lockPage) {
                    continue;
                }
                PageOverlay.FrameRef ref = overlay.get(pgno);
                boolean fromWal = ref != null && wal != null
                        && WalScanner.readFramePage(wal, generation, pageSize, ref.frame(), ref.checksum(), page);
                if (!fromWal && !db.readPage(pgno, pageSize, page)) {
                    throw new IOException("page " + pgno + " of " + db.path() + " is neither in the WAL nor in the database"
                            + " file; the database changed under the " + what);
                }
                sink.page(pgno, page);
            }
        }
    }

    private static FileChannel openWal(Path walPath, WalGeneration generation, PageOverlay overlay) throws IOException {
        if (generation == null || overlay.size() == 0) {
            return null;
        }
        try {
            return FileChannel.open(walPath, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
