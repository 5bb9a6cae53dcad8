package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog behind planning and {@code walship ls}: what it lists, in which order, and what it reports as unreadable. */
class ReplicaCatalogTest {
    @TempDir
    Path dir;

    @Test
    void listsObjectsInTxidOrderWithHeadersIgnoringForeignKeys() throws Exception {
        FileReplicaStorage files = new FileReplicaStorage(dir.resolve("replica"));
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), 512, false)) {
            history.writeSegment(files, 9, 12);
            history.writeSnapshot(files, 7);
            history.writeSegment(files, 2, 4);
            history.writeSnapshot(files, 1);
            history.writeSegment(files, 5, 8);
        }
        Files.writeString(files.root().resolve("snapshots/README"), "not an object");

        ReplicaCatalog catalog = ReplicaCatalog.load(new MarkedShuffledStorage(files));
        ReplicaListing listing = catalog.listing();

        assertEquals(files.describe(), listing.replica());
        assertEquals(12, listing.latestTxid());
        assertEquals(List.of(ObjectKeys.snapshot(1), ObjectKeys.snapshot(7)), keys(listing.snapshots()));
        assertEquals(List.of(ObjectKeys.segment(2, 4), ObjectKeys.segment(5, 8), ObjectKeys.segment(9, 12)),
                keys(listing.segments()));
        assertEquals(List.of(), listing.unreadable());
        for (ReplicaListing.Entry e : listing.segments()) {
            assertEquals(ObjectKind.SEGMENT, e.header().kind());
            assertEquals(Files.size(files.root().resolve(e.object().key())), e.object().size());
            assertEquals(e.object().lastTxid() - e.object().firstTxid() + 1, e.header().count());
            assertEquals(DatabaseHistory.timeOf(e.object().firstTxid()), e.header().firstTime());
            assertEquals(DatabaseHistory.timeOf(e.object().lastTxid()), e.header().lastTime());
            assertEquals(512, e.header().pageSize());
        }
    }

    @Test
    void reportsCorruptHeadersInsteadOfFailingTheListing() throws Exception {
        FileReplicaStorage files = new FileReplicaStorage(dir.resolve("replica"));
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), 4096, true)) {
            history.writeSnapshot(files, 1);
            history.writeSegment(files, 2, 12);
        }
        Path segment = files.root().resolve(ObjectKeys.segment(2, 12));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[17] ^= 1;
        Files.write(segment, bytes);

        ReplicaListing listing = ReplicaCatalog.load(files).listing();

        assertEquals(1, listing.snapshots().size());
        assertEquals(List.of(), listing.segments());
        assertEquals(1, listing.unreadable().size());
        assertEquals(ObjectKeys.segment(2, 12), listing.unreadable().get(0).object().key());
        assertTrue(listing.unreadable().get(0).problem().contains("checksum"), listing.unreadable().get(0).problem());
        assertEquals(12, listing.latestTxid());
    }

    @Test
    void aMissingFolderIsAnEmptyReplica() throws Exception {
        ReplicaListing listing = ReplicaCatalog.load(new FileReplicaStorage(dir.resolve("nothing"))).listing();

        assertEquals(List.of(), listing.snapshots());
        assertEquals(List.of(), listing.segments());
        assertEquals(0, listing.latestTxid());
    }

    private static List<String> keys(List<ReplicaListing.Entry> entries) {
        return entries.stream().map(e -> e.object().key()).collect(Collectors.toList());
    }
}
