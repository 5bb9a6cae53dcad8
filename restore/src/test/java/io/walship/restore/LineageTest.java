package io.walship.restore;

import static io.walship.restore.RestoreAssertions.assertRestored;
import static io.walship.restore.RestoreAssertions.restored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica path holding two histories (two writers, or a history started over, or legacy version-1 objects beside
 * version-2 ones): restore refuses to combine them and names one object of each, restores exactly the lineage chosen,
 * and ls and verify report the same.
 */
class LineageTest {
    private static final Lineage OTHER = new Lineage(0x07e57e57e57e57e5L);

    @TempDir
    Path dir;

    private DatabaseHistory first;
    private DatabaseHistory second;
    private FileReplicaStorage storage;
    private Restorer restorer;

    /** Lineage {@link DatabaseHistory#LINEAGE}: the standard history, snapshot 1 and segments 2-12. The other: a
     * different database, snapshot 1 and segments 2-6, under the same txids. */
    @BeforeEach
    void setUp() throws Exception {
        storage = new FileReplicaStorage(dir.resolve("replica"));
        first = DatabaseHistory.standard(dir.resolve("first.db"), 4096, true);
        first.writeSnapshot(storage, 1);
        first.writeSegment(storage, 2, 7);
        first.writeSegment(storage, 8, 12);
        second = new DatabaseHistory(dir.resolve("second.db"), 4096, true).lineage(OTHER);
        second.commit("CREATE TABLE other (x)");
        for (int i = 2; i <= 6; i++) {
            second.commit("INSERT INTO other VALUES (" + i + ")");
        }
        second.writeSnapshot(storage, 1);
        second.writeSegment(storage, 2, 6);
        restorer = new Restorer(storage, Clock.systemUTC());
    }

    /** Restored databases go into a folder of their own, apart from the source databases' WAL files. */
    private Path out(String name) throws java.io.IOException {
        return Files.createDirectories(dir.resolve("out")).resolve(name);
    }

    @AfterEach
    void tearDown() throws Exception {
        first.close();
        second.close();
    }

    @Test
    void restoreWithoutALineageIsRefusedNamingAnObjectOfEach() throws Exception {
        Path out = out("out.db");
        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertTrue(e.getMessage().contains(DatabaseHistory.segmentKey(8, 12)), "names the first lineage: " + e.getMessage());
        assertTrue(e.getMessage().contains(OTHER.hex()) && e.getMessage().contains(DatabaseHistory.LINEAGE.hex()),
                e.getMessage());
        assertTrue(e.getMessage().contains("--lineage"), e.getMessage());
        assertFalse(Files.exists(out));
        assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out).withTarget(RestoreTarget.txid(3))));
    }

    @Test
    void eachLineageRestoresExactlyItsOwnHistory() throws Exception {
        for (long txid = 1; txid <= 12; txid++) {
            RestoreResult r = restored(restorer.restore(RestoreRequest.to(out("first-" + txid + ".db"))
                    .withTarget(RestoreTarget.txid(txid)).withLineage(Optional.of(DatabaseHistory.LINEAGE))));
            assertRestored(first, txid, r);
        }
        for (long txid = 1; txid <= 6; txid++) {
            RestoreResult r = restored(restorer.restore(RestoreRequest.to(out("second-" + txid + ".db"))
                    .withTarget(RestoreTarget.txid(txid)).withLineage(Optional.of(OTHER))));
            assertRestored(second, txid, r);
        }
        RestoreResult latest = restored(restorer.restore(RestoreRequest.to(out("second-latest.db"))
                .withLineage(Optional.of(OTHER))));
        assertRestored(second, 6, latest);
    }

    @Test
    void aLineageTheReplicaDoesNotHoldIsNotRestorable() {
        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out("x.db"))
                .withLineage(Optional.of(new Lineage(0x42)))));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason());
        assertTrue(e.getMessage().contains("0000000000000042") && e.getMessage().contains(OTHER.hex()), e.getMessage());
    }

    /** Version-1 objects have no lineage field; they are the legacy lineage, one of their own. */
    @Test
    void legacyObjectsAreALineageOfTheirOwn() throws Exception {
        Path legacyReplica = dir.resolve("mixed");
        FileReplicaStorage mixed = new FileReplicaStorage(legacyReplica);
        first.lineage(Lineage.LEGACY);
        first.writeSnapshot(mixed, 1);
        first.writeSegment(mixed, 2, 12);
        second.writeSnapshot(mixed, 1);
        second.writeSegment(mixed, 2, 6);
        Restorer r = new Restorer(mixed, Clock.systemUTC());

        RestoreException e = assertThrows(RestoreException.class, () -> r.restore(RestoreRequest.to(out("m.db"))));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertTrue(e.getMessage().contains("legacy"), e.getMessage());
        assertRestored(first, 12, restored(r.restore(RestoreRequest.to(out("legacy.db"))
                .withLineage(Optional.of(Lineage.LEGACY)))));
        assertRestored(first, 9, restored(r.restore(RestoreRequest.to(out("legacy-time.db"))
                .withTarget(RestoreTarget.timestamp(DatabaseHistory.timeOf(9))).withLineage(Optional.of(Lineage.LEGACY)))));
        assertRestored(second, 6, restored(r.restore(RestoreRequest.to(out("v2.db"))
                .withLineage(Optional.of(OTHER)))));
    }

    @Test
    void theListingShowsEachLineageAndTheConflict() throws Exception {
        ReplicaListing listing = ReplicaCatalog.load(storage).listing();
        assertEquals(List.of(DatabaseHistory.LINEAGE, OTHER).stream().sorted().toList(), List.copyOf(listing.lineages()));
        HistoryConflict.MixedLineages mixed = assertInstanceOf(HistoryConflict.MixedLineages.class,
                listing.conflicts().get(0));
        assertEquals(1, listing.conflicts().size());
        assertEquals(listing.lineages().stream().toList(), mixed.lineages());
        assertEquals(12, listing.summaries().get(DatabaseHistory.LINEAGE).history().windows().get(0).lastTxid());
        assertEquals(6, listing.summaries().get(OTHER).history().windows().get(0).lastTxid());
        assertEquals(List.of(), listing.only(OTHER).conflicts());
        assertEquals(6, listing.only(OTHER).latestTxid());
    }

    @Test
    void verifyReportsSeveralLineagesUnlessOneIsChosen() throws Exception {
        VerifyReport all = new ReplicaVerifier(ReplicaCatalog.load(storage), Clock.systemUTC()).verify();
        assertEquals(VerifyReport.Verdict.CONFLICT, all.verdict());
        assertEquals(List.of(), all.corrupt(), "no object is corrupt: they belong to two histories");
        assertEquals(2, all.lineages().size());
        assertEquals(12, all.lineages().get(DatabaseHistory.LINEAGE).history().windows().get(0).lastTxid());
        assertEquals(6, all.lineages().get(OTHER).history().windows().get(0).lastTxid());

        VerifyReport one = new ReplicaVerifier(ReplicaCatalog.load(storage).only(OTHER), Clock.systemUTC()).verify();
        assertEquals(VerifyReport.Verdict.OK, one.verdict());
        assertEquals(2, one.objects().size());
    }

    @Test
    void verifyAndTheListingReportOverlappingSegmentsNamingBoth() throws Exception {
        String dup = first.writeSegment(storage, 5, 9);
        ReplicaCatalog catalog = ReplicaCatalog.load(storage).only(DatabaseHistory.LINEAGE);
        VerifyReport report = new ReplicaVerifier(catalog, Clock.systemUTC()).verify();
        assertEquals(VerifyReport.Verdict.CONFLICT, report.verdict());
        HistoryConflict.OverlappingSegments overlap = assertInstanceOf(HistoryConflict.OverlappingSegments.class,
                report.conflicts().get(0));
        assertEquals(List.of(DatabaseHistory.segmentKey(2, 7), dup), overlap.objects().stream().map(ReplicaObject::key).toList());
        assertEquals(report.conflicts(), catalog.listing().conflicts());
    }

    /** The chain rules see the headers: a segment whose header names another lineage than its snapshot breaks one. */
    @Test
    void theLineageChainRuleComparesHeaders() throws Exception {
        ReplicaListing listing = ReplicaCatalog.load(storage).listing();
        ReplicaCatalog catalog = ReplicaCatalog.load(storage);
        ReplicaListing.Entry snapshot = new ReplicaListing.Entry(catalog.snapshots().stream()
                .filter(o -> o.lineage().equals(OTHER)).findFirst().orElseThrow(),
                catalog.readHeader(catalog.snapshots().stream().filter(o -> o.lineage().equals(OTHER)).findFirst().orElseThrow()));
        ReplicaObject seg = catalog.segments().stream().filter(o -> o.lineage().equals(DatabaseHistory.LINEAGE)).findFirst()
                .orElseThrow();
        ReplicaListing.Entry segment = new ReplicaListing.Entry(seg, catalog.readHeader(seg));
        assertTrue(ReplicaVerifier.SAME_LINEAGE.violation(snapshot, segment).orElseThrow().contains("lineage"));
        assertEquals(Optional.empty(), ReplicaVerifier.SAME_LINEAGE.violation(snapshot, snapshot));
        assertTrue(ReplicaVerifier.CHAIN_RULES.contains(ReplicaVerifier.SAME_LINEAGE));
        assertEquals(2, listing.lineages().size());
    }
}
