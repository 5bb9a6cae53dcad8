package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code walship verify}'s engine: every object read to its end, damage the headers cannot show found and named, and
 * the restorable windows and gaps of what is left.
 */
class ReplicaVerifierTest extends StandardReplicaTest {
    /** Snapshots 1 and 7, segments 2-4, 5-8 and 9-12 of the standard history. */
    @BeforeEach
    void setUp() throws Exception {
        history.writeStandardReplica(storage);
    }

    private VerifyReport verify() throws Exception {
        return verify(storage);
    }

    private static VerifyReport verify(ReplicaStorage storage) throws Exception {
        return new ReplicaVerifier(ReplicaCatalog.load(storage), Clock.systemUTC()).verify();
    }

    /** Flips a byte in the middle of the object's compressed payload, past the header. */
    private void damagePayload(String key) throws IOException {
        byte[] bytes = Files.readAllBytes(object(key));
        int at = ObjectHeader.SIZE + (bytes.length - ObjectHeader.SIZE - 16) / 2;
        bytes[at] ^= 0x5a;
        Files.write(object(key), bytes);
    }

    private long bytes(String... keys) throws IOException {
        long sum = 0;
        for (String k : keys) {
            sum += Files.size(object(k));
        }
        return sum;
    }

    @Test
    void anIntactReplicaVerifiesWithOneWindowFromTheOldestSnapshotToTheLatestTxid() throws Exception {
        VerifyReport report = verify();

        assertEquals(VerifyReport.Verdict.OK, report.verdict());
        assertEquals(5, report.verifiedCount());
        assertEquals(List.of(), report.corrupt());
        assertEquals(List.of(new RestorableHistory.Window(1, DatabaseHistory.timeOf(1), 12, DatabaseHistory.timeOf(12))),
                report.summary().history().windows());
        assertEquals(List.of(), report.summary().history().gaps());
        assertEquals(new ReplicaSummary.Totals(2, bytes(DatabaseHistory.snapshotKey(1), DatabaseHistory.snapshotKey(7))),
                report.summary().snapshots());
        assertEquals(new ReplicaSummary.Totals(3, bytes(DatabaseHistory.segmentKey(2, 4), DatabaseHistory.segmentKey(5, 8),
                DatabaseHistory.segmentKey(9, 12))), report.summary().segments());
        assertEquals(12, report.summary().latestTxid());
    }

    @Test
    void aDamagedSegmentPayloadThatTheListingCannotSeeIsCorruptAndBreaksTheWindow() throws Exception {
        String key = DatabaseHistory.segmentKey(9, 12);
        damagePayload(key);
        assertEquals(List.of(), ReplicaCatalog.load(storage).listing().unreadable(), "the headers are intact");

        VerifyReport report = verify();

        assertEquals(VerifyReport.Verdict.CORRUPT, report.verdict());
        ObjectCheck.Corrupt corrupt = report.corrupt().get(0);
        assertEquals(1, report.corrupt().size());
        assertEquals(key, corrupt.object().key());
        assertTrue(corrupt.describe().startsWith(key + ": "), corrupt.describe());
        assertEquals(List.of(new RestorableHistory.Window(1, DatabaseHistory.timeOf(1), 8, DatabaseHistory.timeOf(8))),
                report.summary().history().windows());
        assertEquals(List.of(new RestorableHistory.Gap(9, 12)), report.summary().history().gaps());
    }

    @Test
    void aDamagedSnapshotTrailerIsCorrupt() throws Exception {
        String key = DatabaseHistory.snapshotKey(7);
        byte[] bytes = Files.readAllBytes(object(key));
        bytes[bytes.length - 7] ^= 1; // inside the trailer's CRC32C
        Files.write(object(key), bytes);

        VerifyReport report = verify();

        assertEquals(VerifyReport.Verdict.CORRUPT, report.verdict());
        assertEquals(key, report.corrupt().get(0).object().key());
        assertTrue(report.corrupt().get(0).problem().contains("CRC32C"), report.corrupt().get(0).problem());
        // Snapshot 1 and the segments still restore every txid.
        assertEquals(List.of(), report.summary().history().gaps());
    }

    @Test
    void aMissingSegmentLeavesGapsAroundWhatTheSnapshotsAloneRestore() throws Exception {
        Files.delete(object(DatabaseHistory.segmentKey(5, 8)));

        VerifyReport report = verify();

        // Snapshot 7 restores txid 7 itself, but no segment holds txid 8, so 9..12 are out of reach as well.
        assertEquals(VerifyReport.Verdict.GAP, report.verdict());
        assertEquals(List.of(new RestorableHistory.Window(1, DatabaseHistory.timeOf(1), 4, DatabaseHistory.timeOf(4)),
                        new RestorableHistory.Window(7, DatabaseHistory.timeOf(7), 7, DatabaseHistory.timeOf(7))),
                report.summary().history().windows());
        assertEquals(List.of(new RestorableHistory.Gap(5, 6), new RestorableHistory.Gap(8, 12)),
                report.summary().history().gaps());
    }

    @Test
    void aSegmentFromADatabaseWithAnotherPageSizeIsCorruptAsTheRestoreWouldFindIt() throws Exception {
        Files.delete(object(DatabaseHistory.segmentKey(9, 12)));
        try (DatabaseHistory other = DatabaseHistory.standard(dir.resolve("other.db"), 1024, true)) {
            other.writeSegment(storage, 9, 12);
        }

        VerifyReport report = verify();

        assertEquals(VerifyReport.Verdict.CORRUPT, report.verdict());
        assertEquals(DatabaseHistory.segmentKey(9, 12), report.corrupt().get(0).object().key());
        assertTrue(report.corrupt().get(0).problem().contains("page size 1024"), report.corrupt().get(0).problem());
        assertEquals(List.of(new RestorableHistory.Gap(9, 12)), report.summary().history().gaps());
        RestoreException e = assertThrows(RestoreException.class, () -> new Restorer(storage, Clock.systemUTC())
                .restore(RestoreRequest.to(dir.resolve("out.db"))));
        assertEquals(RestoreException.Reason.CORRUPT_OBJECT, e.reason());
        assertEquals(DatabaseHistory.segmentKey(9, 12), e.objectKey().orElseThrow());
    }

    @Test
    void anEmptyReplicaHasNothingRestorable() throws Exception {
        VerifyReport report = verify(new FileReplicaStorage(dir.resolve("empty")));

        assertEquals(VerifyReport.Verdict.NOTHING_RESTORABLE, report.verdict());
        assertEquals(List.of(), report.objects());
    }

    @Test
    void onlySegmentsIsNothingRestorable() throws Exception {
        Files.delete(object(DatabaseHistory.snapshotKey(1)));
        Files.delete(object(DatabaseHistory.snapshotKey(7)));

        assertEquals(VerifyReport.Verdict.NOTHING_RESTORABLE, verify().verdict());
    }

    @Test
    void anObjectDeletedAfterTheListingIsVanishedNotCorrupt() throws Exception {
        ReplicaCatalog catalog = ReplicaCatalog.load(storage);
        Files.delete(object(DatabaseHistory.snapshotKey(1)));

        VerifyReport report = new ReplicaVerifier(catalog, Clock.systemUTC()).verify();

        assertEquals(1, report.vanished().size());
        assertEquals(DatabaseHistory.snapshotKey(1), report.vanished().get(0).object().key());
        assertEquals(VerifyReport.Verdict.OK, report.verdict(), "snapshot 7 still restores 7..12");
        assertEquals(7, report.summary().history().windows().get(0).firstTxid());
    }

    @Test
    void aStorageThatFailsToReadIsAnErrorNotAFinding() throws Exception {
        ReplicaStorage failing = new ReplicaStorage() {
            @Override
            public String describe() {
                return storage.describe();
            }

            @Override
            public void put(String key, Path source) {
                throw new UnsupportedOperationException();
            }

            @Override
            public InputStream get(String key, long offset) throws IOException {
                throw new IOException("disk on fire");
            }

            @Override
            public byte[] getRange(String key, long offset, int length) throws IOException {
                return storage.getRange(key, offset, length);
            }

            @Override
            public List<ObjectInfo> list(String prefix) throws IOException {
                return storage.list(prefix);
            }

            @Override
            public void delete(Collection<String> keys) {
                throw new UnsupportedOperationException();
            }
        };

        RestoreException e = assertThrows(RestoreException.class, () -> verify(failing));
        assertEquals(RestoreException.Reason.REPLICA_IO, e.reason());
    }

    @Test
    void everyObjectIsReportedInOrder() throws Exception {
        List<String> keys = verify().objects().stream().map(c -> c.object().key()).toList();

        assertEquals(List.of(DatabaseHistory.snapshotKey(1), DatabaseHistory.snapshotKey(7), DatabaseHistory.segmentKey(2, 4),
                DatabaseHistory.segmentKey(5, 8), DatabaseHistory.segmentKey(9, 12)), keys);
        Collection<ObjectCheck> checks = verify().objects();
        checks.forEach(c -> assertInstanceOf(ObjectCheck.Verified.class, c));
    }
}
