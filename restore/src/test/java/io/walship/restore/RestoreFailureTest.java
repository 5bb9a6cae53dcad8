package io.walship.restore;

import static io.walship.restore.RestoreAssertions.assertNoLeftovers;
import static io.walship.restore.RestoreAssertions.assertRestored;
import static io.walship.restore.RestoreAssertions.restored;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectHeader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restores that must fail, and how: the reason, the object or path named, the output left untouched and no temporary
 * file left behind. Also the requests that deliberately do nothing.
 */
class RestoreFailureTest extends StandardReplicaTest {
    private static final byte[] OLD_CONTENT = "the database the operator already has".getBytes(StandardCharsets.UTF_8);

    private Restorer restorer;
    private Path out;

    /** Snapshot 1, segments 2-4, 5-8, 9-12 of the standard history. */
    @BeforeEach
    void setUp() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 4);
        history.writeSegment(storage, 5, 8);
        history.writeSegment(storage, 9, 12);
        restorer = new Restorer(storage, Clock.systemUTC());
        out = Files.createDirectory(dir.resolve("out")).resolve("app.db");
    }

    /** Restores with replacing allowed over an existing output, expects the failure, and checks nothing changed. */
    private RestoreException failsLeavingOutputUntouched(RestoreTarget target, RestoreException.Reason reason)
            throws IOException {
        Files.write(out, OLD_CONTENT);
        RestoreException e = assertThrows(RestoreException.class,
                () -> restorer.restore(RestoreRequest.to(out).withTarget(target).withOverwrite(true)));
        assertEquals(reason, e.reason(), e.getMessage());
        assertArrayEquals(OLD_CONTENT, Files.readAllBytes(out), "output must be untouched");
        assertNoLeftovers(out);
        return e;
    }

    private static void flipByte(Path file, long position) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) position] ^= 0x5a;
        Files.write(file, bytes);
    }

    @Test
    void aCorruptByteInASegmentNamesTheObject() throws Exception {
        String key = DatabaseHistory.segmentKey(5, 8);
        Path file = object(key);
        flipByte(file, ObjectHeader.SIZE + (Files.size(file) - ObjectHeader.SIZE) / 2);

        RestoreException e = failsLeavingOutputUntouched(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertEquals(Optional.of(key), e.objectKey());
    }

    @Test
    void corruptionAfterTheTargetTransactionStillFailsBecauseEveryOpenedObjectIsVerified() throws Exception {
        String key = DatabaseHistory.segmentKey(9, 12);
        Path file = object(key);
        flipByte(file, Files.size(file) - 7); // inside the trailer's CRC32C of the content

        RestoreException e = failsLeavingOutputUntouched(RestoreTarget.txid(9), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aCorruptSnapshotHeaderFailsBeforeAnythingIsWritten() throws Exception {
        String key = DatabaseHistory.snapshotKey(1);
        flipByte(object(key), 20);

        RestoreException e = failsLeavingOutputUntouched(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aTruncatedSegmentIsCorrupt() throws Exception {
        String key = DatabaseHistory.segmentKey(2, 4);
        try (FileChannel ch = FileChannel.open(object(key), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }

        RestoreException e = failsLeavingOutputUntouched(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aSnapshotTruncatedInsideItsHeaderIsCorrupt() throws Exception {
        String key = DatabaseHistory.snapshotKey(1);
        try (FileChannel ch = FileChannel.open(object(key), StandardOpenOption.WRITE)) {
            ch.truncate(30);
        }

        RestoreException e = failsLeavingOutputUntouched(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aSegmentDeletedBetweenPlanningAndReadingIsMissing() throws Exception {
        RestorePlan plan = new RestorePlanner(ReplicaCatalog.load(storage)).plan(RestoreTarget.latest());
        String key = DatabaseHistory.segmentKey(9, 12);
        Files.delete(object(key));

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.apply(plan, out, false, true));
        assertEquals(RestoreException.Reason.MISSING_OBJECT, e.reason());
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertTrue(Files.notExists(out));
        assertNoLeftovers(out);
    }

    @Test
    void aSnapshotDeletedBetweenListingAndPlanningIsMissing() throws Exception {
        ReplicaCatalog catalog = ReplicaCatalog.load(storage);
        Files.delete(object(DatabaseHistory.snapshotKey(1)));

        // Planning reads nothing (the keys carry all it needs); reading the snapshot finds it gone.
        RestorePlan plan = new RestorePlanner(catalog).plan(RestoreTarget.latest());
        RestoreException e = assertThrows(RestoreException.class, () -> restorer.apply(plan, out, false, true));
        assertEquals(RestoreException.Reason.MISSING_OBJECT, e.reason());
        assertFalse(Files.exists(out));
        assertTrue(e.getMessage().contains(DatabaseHistory.snapshotKey(1)), e.getMessage());
    }

    @Test
    void aSegmentWhoseHeaderContradictsItsKeyIsCorrupt() throws Exception {
        // Same txids, but the key says the last transaction committed a millisecond later than the header does.
        String key = io.walship.replica.ObjectKeys.segment(0, 2, 4, DatabaseHistory.timeOf(2),
                DatabaseHistory.timeOf(4).plusMillis(1), DatabaseHistory.LINEAGE);
        Files.move(object(DatabaseHistory.segmentKey(2, 4)), object(key));

        RestoreException e = failsLeavingOutputUntouched(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("times"), e.getMessage());
    }

    @Test
    void aSegmentUnderAnotherLineagesKeyIsNeverCombinedWithThisLineage() throws Exception {
        String key = io.walship.replica.ObjectKeys.segment(0, 2, 4, DatabaseHistory.timeOf(2),
                DatabaseHistory.timeOf(4), new io.walship.replica.Lineage(0x77));
        Files.move(object(DatabaseHistory.segmentKey(2, 4)), object(key));

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)
                .withLineage(java.util.Optional.of(DatabaseHistory.LINEAGE))));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason(), "its lineage's history has a gap: " + e.getMessage());
        e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)
                .withLineage(java.util.Optional.of(new io.walship.replica.Lineage(0x77)))));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason(), "a lineage without a snapshot: " + e.getMessage());
        e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.CONFLICTING_OBJECTS, e.reason());
        assertFalse(Files.exists(out));
    }

    @Test
    void directoryMarkersJunkKeysAndListingOrderAreIgnored() throws Exception {
        Files.writeString(object("snapshots/README"), "not an object");
        Files.writeString(object("segments/0000000000000002-0000000000000004.segment.partial"), "junk");
        Files.createDirectories(object("other"));
        Files.writeString(object("other/0000000000000009.snapshot"), "junk");
        Restorer shuffled = new Restorer(new MarkedShuffledStorage(storage), Clock.systemUTC());

        assertRestored(history, 12, restored(shuffled.restore(RestoreRequest.to(out))));
    }

    @Test
    void anExistingOutputIsRefusedUnlessReplacingIsAllowed() throws Exception {
        Files.write(out, OLD_CONTENT);

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.OUTPUT_EXISTS, e.reason());
        assertTrue(e.getMessage().contains(out.toString()), e.getMessage());
        assertArrayEquals(OLD_CONTENT, Files.readAllBytes(out));
        assertNoLeftovers(out);

        assertRestored(history, 12, restored(restorer.restore(RestoreRequest.to(out).withOverwrite(true))));
    }

    @Test
    void replacingAnOutputAlsoRemovesItsStaleWalAndShm() throws Exception {
        Files.write(out, OLD_CONTENT);
        Path wal = out.resolveSibling("app.db-wal");
        Path shm = out.resolveSibling("app.db-shm");
        Files.writeString(wal, "stale wal");
        Files.writeString(shm, "stale shm");

        assertRestored(history, 12, restored(restorer.restore(RestoreRequest.to(out).withOverwrite(true))));
        assertFalse(Files.exists(wal));
        assertFalse(Files.exists(shm));
    }

    @Test
    void aStaleWalWithoutItsDatabaseIsRefused() throws Exception {
        Path wal = out.resolveSibling("app.db-wal");
        Files.writeString(wal, "stale wal");

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.OUTPUT_EXISTS, e.reason());
        assertTrue(e.getMessage().contains(wal.toString()), e.getMessage());
        assertTrue(Files.notExists(out));
    }

    @Test
    void ifOutputExistsSkipsWithoutReadingTheReplica() throws Exception {
        Files.write(out, OLD_CONTENT);
        Restorer unreadable = new Restorer(new FileReplicaStorage(dir.resolve("no-such-replica")), Clock.systemUTC());

        RestoreOutcome outcome = unreadable.restore(RestoreRequest.to(out).withSkipIfOutputExists(true));
        RestoreOutcome.Skipped skipped = assertInstanceOf(RestoreOutcome.Skipped.class, outcome);
        assertEquals(RestoreOutcome.Why.OUTPUT_EXISTS, skipped.why());
        assertArrayEquals(OLD_CONTENT, Files.readAllBytes(out));

        Path fresh = out.resolveSibling("fresh.db");
        assertRestored(history, 12, restored(restorer.restore(RestoreRequest.to(fresh).withSkipIfOutputExists(true))));
    }

    @Test
    void anEmptyReplicaIsAnErrorUnlessAskedToSkip() throws Exception {
        Restorer empty = new Restorer(new FileReplicaStorage(dir.resolve("empty")), Clock.systemUTC());

        RestoreException e = assertThrows(RestoreException.class, () -> empty.restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason());
        assertTrue(e.getMessage().contains("holds no snapshot"), e.getMessage());

        RestoreOutcome outcome = empty.restore(RestoreRequest.to(out).withSkipIfReplicaEmpty(true));
        assertEquals(RestoreOutcome.Why.REPLICA_EMPTY, assertInstanceOf(RestoreOutcome.Skipped.class, outcome).why());
        assertTrue(Files.notExists(out));
        assertNoLeftovers(out);
    }

    @Test
    void aDatabaseFailingTheIntegrityCheckIsKeptAsCorruptAndTheOutputIsUntouched() throws Exception {
        FileReplicaStorage damaged = new FileReplicaStorage(dir.resolve("damaged"));
        byte[] state = history.stateAt(12).clone();
        // Page 1 (the schema) stays valid; every other page is garbage the checksums faithfully carry.
        Arrays.fill(state, 4096, state.length, (byte) 0x55);
        DatabaseHistory.writeSnapshot(damaged, dir, 12, DatabaseHistory.timeOf(12), state, 4096);
        Restorer restorerOfDamaged = new Restorer(damaged, Clock.systemUTC());
        Files.write(out, OLD_CONTENT);

        RestoreException e = assertThrows(RestoreException.class,
                () -> restorerOfDamaged.restore(RestoreRequest.to(out).withOverwrite(true)));
        assertEquals(RestoreException.Reason.INTEGRITY_FAILED, e.reason(), e.getMessage());
        Path kept = out.resolveSibling("app.db.corrupt");
        assertTrue(e.getMessage().contains(kept.toString()), e.getMessage());
        assertArrayEquals(OLD_CONTENT, Files.readAllBytes(out));
        assertArrayEquals(state, Files.readAllBytes(kept));
        assertNoLeftovers(out);

        Path unverified = out.resolveSibling("unverified.db");
        RestoreResult result = restored(restorerOfDamaged.restore(RestoreRequest.to(unverified).withVerify(false)));
        assertFalse(result.integrityChecked());
        assertArrayEquals(state, Files.readAllBytes(unverified));
    }

    @Test
    void integrityProblemsSqliteReportsAreNamedInTheError() throws Exception {
        FileReplicaStorage damaged = new FileReplicaStorage(dir.resolve("damaged"));
        byte[] original = history.stateAt(12);
        int pages = original.length / 4096;
        // One more page that nothing references, and a header that counts it: SQLite reports the page as never used.
        byte[] state = Arrays.copyOf(original, original.length + 4096);
        java.nio.ByteBuffer.wrap(state).putInt(28, pages + 1);
        DatabaseHistory.writeSnapshot(damaged, dir, 12, DatabaseHistory.timeOf(12), state, 4096);

        RestoreException e = assertThrows(RestoreException.class,
                () -> new Restorer(damaged, Clock.systemUTC()).restore(RestoreRequest.to(out)));
        assertEquals(RestoreException.Reason.INTEGRITY_FAILED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("never used"), e.getMessage());
        assertTrue(Files.notExists(out));
        assertNoLeftovers(out);
    }

    @Test
    void anUnwritableOutputFolderIsALocalIoError() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        Path inside = notAFolder.resolve("app.db");

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(inside)));
        assertEquals(RestoreException.Reason.LOCAL_IO, e.reason(), e.getMessage());
    }

    @Test
    void anOutputNameWithUriCharactersIsRestoredAndVerified() throws Exception {
        Path odd = out.resolveSibling("odd ?name#1%20.db");

        assertRestored(history, 12, restored(restorer.restore(RestoreRequest.to(odd))));
    }

    @Test
    void theOutputFolderIsCreatedWhenMissing() throws Exception {
        Path nested = dir.resolve("new/folder/app.db");

        assertRestored(history, 12, restored(restorer.restore(RestoreRequest.to(nested))));
    }
}
