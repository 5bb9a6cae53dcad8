package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog behind planning and {@code walship ls}: what it lists, in which order, and what it reports as unreadable. */
@SuppressWarnings("deprecation")
class ReplicaCatalogTest {
    @TempDir
    Path dir;

    @Test
    void listsLegacyObjectsInTxidOrderWithHeadersIgnoringForeignKeys() throws Exception {
        FileReplicaStorage files = new FileReplicaStorage(dir.resolve("replica"));
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), 512, false)) {
            history.lineage(Lineage.LEGACY);
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
            ObjectHeader h = e.header().orElseThrow();
            assertEquals(ObjectKind.SEGMENT, h.kind());
            assertEquals(Files.size(files.root().resolve(e.object().key())), e.object().size());
            assertEquals(e.object().lastTxid() - e.object().firstTxid() + 1, h.count());
            assertEquals(DatabaseHistory.timeOf(e.object().firstTxid()), e.firstTime());
            assertEquals(DatabaseHistory.timeOf(e.object().lastTxid()), e.lastTime());
            assertEquals(512, h.pageSize());
        }
    }

    /** Version-2 keys carry the times: the listing is one LIST request and reads no header. */
    @Test
    void listsV2ObjectsFromTheListingAloneInOneRequest() throws Exception {
        FileReplicaStorage files = new FileReplicaStorage(dir.resolve("replica"));
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), 512, false)) {
            history.writeSegment(files, 9, 12);
            history.writeSnapshot(files, 7);
            history.writeSegment(files, 2, 4);
            history.writeSnapshot(files, 1);
            history.writeSegment(files, 5, 8);
        }
        CountingStorage counting = new CountingStorage(new MarkedShuffledStorage(files));
        ReplicaListing listing = ReplicaCatalog.load(counting).listing();
        assertEquals(new CountingStorage.Counts(1, 0, 0), counting.counts(), "one LIST, no header read");
        assertEquals(List.of(1L, 7L), listing.snapshots().stream().map(e -> e.object().lastTxid()).toList());
        assertEquals(List.of(2L, 5L, 9L), listing.segments().stream().map(e -> e.object().firstTxid()).toList());
        for (ReplicaListing.Entry e : listing.segments()) {
            assertEquals(Optional.empty(), e.header());
            assertEquals(DatabaseHistory.timeOf(e.object().firstTxid()), e.firstTime());
            assertEquals(DatabaseHistory.timeOf(e.object().lastTxid()), e.lastTime());
            assertEquals(DatabaseHistory.LINEAGE, e.object().lineage());
        }
        assertEquals(List.of(), listing.conflicts());
        assertEquals(1, listing.summary().history().windows().size());
    }

    @Test
    void reportsCorruptHeadersInsteadOfFailingTheListing() throws Exception {
        FileReplicaStorage files = new FileReplicaStorage(dir.resolve("replica"));
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), 4096, true)) {
            history.lineage(Lineage.LEGACY); // version 1: the listing reads the header for its times
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
