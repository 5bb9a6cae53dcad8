package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolFixtures;
import io.walship.replicator.wal.WalGeneration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new folder survives a power loss only once its parent is synced, and a spool file must go before the snapshot
 * objects it names (a crash in between then leaves snapshots without a record, which recovery removes, never a record
 * naming a missing snapshot). {@link RecordingFileIo} watches the syncs the spool and the outbox make.
 *
 * <p>{@code FileReplicaStorage} creates its folders through {@code FileIo.DEFAULT}, which no test can replace, so its
 * folder syncs are not covered here.
 */
class FolderSyncTest {
    private static final WalGeneration GEN = new WalGeneration(77, 99);

    @TempDir
    Path dir;

    private Path abs(Path p) {
        return p.toAbsolutePath().normalize();
    }

    @Test
    @SuppressWarnings("try") // The spool is opened only for the folders its opening creates; the body never uses it.
    void aNewSpoolSyncsTheParentOfEveryFolderItCreates() throws Exception {
        Path spoolDir = dir.resolve("a").resolve("b").resolve("spool");
        RecordingFileIo io = new RecordingFileIo(dir);
        try (Spool spool = Spool.open(spoolDir, 1 << 20, io)) {
            List<Path> synced = io.syncedDirs();
            for (Path created : List.of(dir.resolve("a"), dir.resolve("a/b"), spoolDir, spoolDir.resolve("snapshots"))) {
                assertTrue(Files.isDirectory(created), created.toString());
                assertTrue(synced.contains(abs(created.getParent())), "the parent of " + created + " is synced: " + synced);
            }
        }
    }

    @Test
    void aNewOutboxSyncsTheParentOfEveryFolderItCreates() throws Exception {
        Path outboxDir = dir.resolve("spool").resolve("outbox").resolve("backup");
        RecordingFileIo io = new RecordingFileIo(dir);
        new Outbox(outboxDir, io).leftovers();
        List<Path> synced = io.syncedDirs();
        for (Path created : List.of(dir.resolve("spool"), dir.resolve("spool/outbox"), outboxDir)) {
            assertTrue(Files.isDirectory(created), created.toString());
            assertTrue(synced.contains(abs(created.getParent())), "the parent of " + created + " is synced: " + synced);
        }
    }

    @Test
    void aDroppedSpoolFileGoesBeforeTheSnapshotsItNames() throws Exception {
        Path spoolDir = dir.resolve("spool");
        RecordingFileIo io = new RecordingFileIo(spoolDir);
        try (Spool spool = Spool.open(spoolDir, 4096, io)) {
            Files.write(spool.snapshotTempPath(1), new byte[] {1, 2, 3});
            spool.appendSnapshot(point(1));
            for (long t = 2; t <= 40; t++) {
                SpoolFixtures.transaction(spool, t, GEN);
                spool.sync();
            }
            List<Path> files = spoolFiles(spoolDir);
            assertTrue(files.size() > 1, "the spool rolled: " + files);
            Path oldest = abs(files.get(0));
            Path snapshot = abs(spool.snapshotPath(1));
            assertTrue(Files.exists(snapshot));
            io.clear();
            spool.dropOldest().orElseThrow();
            assertFalse(Files.exists(oldest), "the oldest file was dropped");
            assertFalse(Files.exists(snapshot), "its snapshot was deleted");
            // The sync that makes the file's deletion durable comes after the deletion; the snapshot must still be
            // there then.
            RecordingFileIo.Sync afterDelete = io.syncs().stream()
                    .filter(s -> s.dir().equals(abs(spoolDir)) && !s.files().contains(oldest)).findFirst().orElseThrow(
                            () -> new AssertionError("the spool folder is synced after the file's deletion: " + io.syncs()));
            assertTrue(afterDelete.files().contains(snapshot),
                    "the snapshot outlives the spool file that names it: " + afterDelete.files());
        }
    }

    private static List<Path> spoolFiles(Path spoolDir) throws Exception {
        try (Stream<Path> s = Files.list(spoolDir)) {
            return s.filter(p -> p.toString().endsWith(".wspool")).sorted().toList();
        }
    }

    private static CapturePoint point(long txid) {
        return SpoolFixtures.point(txid, GEN);
    }
}
