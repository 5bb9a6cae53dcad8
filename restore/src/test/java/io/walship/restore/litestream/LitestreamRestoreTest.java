package io.walship.restore.litestream;

import static io.walship.restore.litestream.LitestreamFixture.BASE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.restore.IntegrityCheck;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores from Litestream 0.3 replicas built by {@link LitestreamFixture} from a real SQLite database: every restored
 * database must hold exactly the state its {@code progress.n} claims and pass {@code integrity_check}; every failure
 * must name what is wrong, leave the output as it was and leave no temporary file.
 */
class LitestreamRestoreTest {
    private static final byte[] OLD_CONTENT = "the database the operator already has".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private LitestreamFixture fx;
    private Path out;
    /** The fixture's transaction count as of each shipped segment's time. */
    private final TreeMap<Instant, Long> shippedAt = new TreeMap<>();

    @BeforeEach
    void setUp() throws Exception {
        fx = new LitestreamFixture(dir, 4096);
        out = Files.createDirectory(dir.resolve("out")).resolve("app.db");
    }

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
    }

    private Instant at(int seconds) {
        return BASE.plusSeconds(seconds);
    }

    private String ship(int seconds) throws IOException {
        String key = fx.ship(at(seconds));
        shippedAt.put(at(seconds), fx.progress());
        return key;
    }

    /**
     * Snapshot at index 0; index 0 in three segments (one with overflow pages); index 1 with a VACUUM that shrinks the
     * database; index 2; a snapshot at index 2; index 3 in two segments. Nine transactions.
     */
    private void standardHistory() throws Exception {
        fx.snapshot(at(0));
        fx.insert(30, 200);
        ship(10);                                        // index 0, offset 0 (with the WAL header)
        fx.insert(6, 9000);
        fx.commit("UPDATE t SET v = v || ' changed' WHERE id % 3 = 0");
        ship(20);                                        // index 0, second segment
        fx.insert(10, 100);
        ship(30);                                        // index 0, third segment
        fx.checkpoint();
        fx.commit("DELETE FROM t WHERE id % 2 = 0");
        fx.vacuum();
        fx.insert(3, 50);
        ship(40);                                        // index 1, the VACUUM shrinks the database
        fx.checkpoint();
        fx.insert(20, 700);
        ship(50);                                        // index 2
        fx.snapshot(at(55));                             // snapshot at index 2, its frames in it
        fx.commit("UPDATE t SET b = randomblob(2000) WHERE id < 10");
        ship(60);                                        // index 3, offset 0
        fx.insert(2, 10);
        ship(70);                                        // index 3, second segment
        assertEquals(9, fx.progress());
    }

    private LitestreamReplica replica() throws IOException {
        return LitestreamReplica.load(new FileReplicaStorage(fx.root()));
    }

    private LitestreamOutcome run(RestoreRequest request, Optional<String> generation) throws Exception {
        return new LitestreamRestorer(replica(), Clock.systemUTC()).restore(request, generation);
    }

    private LitestreamRestoreResult restore(RestoreTarget target) throws Exception {
        return restore(target, Optional.empty());
    }

    private LitestreamRestoreResult restore(RestoreTarget target, Optional<String> generation) throws Exception {
        Files.deleteIfExists(out);
        LitestreamOutcome outcome = run(RestoreRequest.to(out).withTarget(target), generation);
        return assertInstanceOf(LitestreamOutcome.Restored.class, outcome).result();
    }

    /** The restored database holds exactly the fixture's state after transaction {@code n}, and SQLite finds it sound. */
    private void assertRestoredAt(long n, LitestreamRestoreResult result) throws Exception {
        assertEquals(out.toAbsolutePath().normalize(), result.output());
        assertTrue(result.integrityChecked());
        LitestreamFixture.State state = LitestreamFixture.stateOf(out);
        assertEquals(n, state.n(), "progress of the restored database");
        assertEquals(fx.digestAt(n), state.digest(), "content of the restored database at transaction " + n);
        assertTrue(IntegrityCheck.run(out).ok(), "integrity_check");
        assertEquals(result.pages() * result.pageSize(), Files.size(out), "file size is the database size");
        assertNoLeftovers();
    }

    private void assertNoLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(out.getParent())) {
            List<String> stray = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".walship-restore-") || n.endsWith("-wal") || n.endsWith("-shm")
                            || n.endsWith("-journal"))
                    .collect(Collectors.toList());
            assertEquals(List.of(), stray, "files left beside " + out);
        }
    }

    /** Restores over an existing output with replacing allowed, expects the failure and checks nothing changed. */
    private RestoreException fails(RestoreTarget target, RestoreException.Reason reason) throws Exception {
        Files.write(out, OLD_CONTENT);
        LitestreamReplica replica = replica();
        RestoreException e = assertThrows(RestoreException.class, () -> new LitestreamRestorer(replica,
                Clock.systemUTC()).restore(RestoreRequest.to(out).withTarget(target).withOverwrite(true), Optional.empty()));
        assertEquals(reason, e.reason(), e.getMessage());
        assertArrayEquals(OLD_CONTENT, Files.readAllBytes(out), "output must be untouched");
        assertNoLeftovers();
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e;
    }

    private static void flipByte(Path file, long position) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) position] ^= 0x5a;
        Files.write(file, bytes);
    }

    private static int frameSize() {
        return WalFormat.FRAME_HEADER_SIZE + 4096;
    }

    @Test
    void restoresTheLatestStateAcrossIndexesSegmentsAVacuumAndTwoSnapshots() throws Exception {
        standardHistory();

        LitestreamRestoreResult r = restore(RestoreTarget.latest());

        assertRestoredAt(9, r);
        assertEquals(LitestreamFixture.FIRST_GENERATION, r.generation());
        assertEquals(LitestreamFixture.snapshotKey(fx.generation(), 2), r.snapshotKey(), "the newest snapshot");
        assertEquals(3, r.walIndex());
        assertEquals(Files.size(dir.resolve("source.db-wal")), r.walOffset(), "the end of the last segment");
        assertEquals(at(70), r.time(), "the time of the last segment applied");
        assertEquals(3, r.segments(), "index 2 (one segment) and index 3 (two)");
    }

    @Test
    void theNewestSnapshotNeedsNoObjectBeforeIt() throws Exception {
        standardHistory();
        try (Stream<Path> files = Files.walk(fx.root())) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("00000000") || name.startsWith("00000001")) {
                    Files.delete(p);
                }
            }
        }

        assertRestoredAt(9, restore(RestoreTarget.latest()));
    }

    @Test
    void aTimestampRestoresTheStateAsOfTheLastObjectStoredByThen() throws Exception {
        standardHistory();

        for (int seconds : new int[] {0, 5, 10, 15, 20, 29, 30, 40, 45, 50, 54, 55, 60, 69, 70, 3600}) {
            Instant t = at(seconds);
            long expected = shippedAt.floorEntry(t) == null ? 0 : shippedAt.floorEntry(t).getValue();
            LitestreamRestoreResult r = restore(RestoreTarget.timestamp(t));
            assertRestoredAt(expected, r);
            assertTrue(!r.time().isAfter(t), "restored time " + r.time() + " is not after " + t);
            String expectedSnapshot = seconds >= 55 ? "00000002" : "00000000";
            assertTrue(r.snapshotKey().contains(expectedSnapshot), t + " starts from " + r.snapshotKey());
        }
    }

    @Test
    void aTimestampBeforeTheOldestSnapshotIsNotRestorable() throws Exception {
        standardHistory();

        RestoreException e = fails(RestoreTarget.timestamp(at(-1)), RestoreException.Reason.NOT_RESTORABLE);
        assertTrue(e.getMessage().contains("before"), e.getMessage());
    }

    @Test
    void aTxidTargetIsRejectedBecauseLitestreamHasNoTxids() throws Exception {
        standardHistory();

        RestoreException e = fails(RestoreTarget.txid(3), RestoreException.Reason.NOT_RESTORABLE);
        assertTrue(e.getMessage().contains("no transaction ids"), e.getMessage());
    }

    @Test
    void aCorruptLz4SegmentIsNamed() throws Exception {
        standardHistory();
        String key = LitestreamFixture.segmentKey(fx.generation(), 3, 0);
        Path file = fx.object(key);
        flipByte(file, Files.size(file) / 2);

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertEquals(Optional.of(key), e.objectKey());
    }

    @Test
    void aCorruptContentChecksumIsNamed() throws Exception {
        standardHistory();
        String key = LitestreamFixture.segmentKey(fx.generation(), 3, 0);
        Path file = fx.object(key);
        flipByte(file, Files.size(file) - 2); // inside the xxHash32 of the content, after the end mark

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertEquals(Optional.of(key), e.objectKey(), e.getMessage());
    }

    @Test
    void aCorruptOrTruncatedSnapshotIsNamed() throws Exception {
        standardHistory();
        String key = LitestreamFixture.snapshotKey(fx.generation(), 2);
        Path file = fx.object(key);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertEquals(Optional.of(key), e.objectKey(), e.getMessage());
    }

    @Test
    void bytesAfterTheLz4FrameAreCorrupt() throws Exception {
        standardHistory();
        String key = LitestreamFixture.segmentKey(fx.generation(), 2, 0);
        Files.write(fx.object(key), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("follow"), e.getMessage());
    }

    @Test
    void anAgeEncryptedObjectIsNamedAsSuch() throws Exception {
        standardHistory();
        String key = LitestreamFixture.snapshotKey(fx.generation(), 2);
        Files.write(fx.object(key), ("age-encryption.org/v1\n-> X25519 abc\nxyz\n--- mac\n" + "\u0001".repeat(200))
                .getBytes(StandardCharsets.ISO_8859_1));

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertEquals(Optional.of(key), e.objectKey());
        assertTrue(e.getMessage().contains("encrypted with age"), e.getMessage());
    }

    @Test
    void aSnapshotThatIsNoDatabaseIsCorrupt() throws Exception {
        standardHistory();
        String key = LitestreamFixture.snapshotKey(fx.generation(), 2);
        fx.rewrite(key, new byte[8192]);

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertEquals(Optional.of(key), e.objectKey(), e.getMessage());
    }

    @Test
    void aMissingWalIndexIsAGapNamedWithTheNewestRestorablePoint() throws Exception {
        standardHistory();
        Files.delete(fx.object(LitestreamFixture.segmentKey(fx.generation(), 1, 0)));

        RestoreException e = fails(RestoreTarget.timestamp(at(50)), RestoreException.Reason.NOT_RESTORABLE);
        assertTrue(e.getMessage().contains("WAL index 00000001 is missing"), e.getMessage());
        assertTrue(e.getMessage().contains(at(30).toString()), "names the newest restorable time: " + e.getMessage());
        // Before the gap the history is whole, and the newer snapshot does not need the missing index.
        assertRestoredAt(4, restore(RestoreTarget.timestamp(at(30))));
        assertRestoredAt(9, restore(RestoreTarget.latest()));
    }

    @Test
    void aMissingSegmentInsideAnIndexIsAGap() throws Exception {
        standardHistory();
        String second = LitestreamFixture.segmentKey(fx.generation(), 0, WalFormat.HEADER_SIZE
                + (long) frameSize() * framesIn(LitestreamFixture.segmentKey(fx.generation(), 0, 0)));
        Files.delete(fx.object(second));

        RestoreException e = fails(RestoreTarget.timestamp(at(40)), RestoreException.Reason.NOT_RESTORABLE);
        assertTrue(e.getMessage().contains("of WAL index 00000000 are missing"), e.getMessage());
        assertRestoredAt(1, restore(RestoreTarget.timestamp(at(15))));
    }

    @Test
    void aMissingFirstSegmentOfAnIndexIsAGap() throws Exception {
        standardHistory();
        Files.delete(fx.object(LitestreamFixture.segmentKey(fx.generation(), 3, 0)));

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.NOT_RESTORABLE);
        assertTrue(e.getMessage().contains("first segment of WAL index 00000003 is missing"), e.getMessage());
    }

    @Test
    void aSegmentDeletedAfterTheListingIsAMissingObject() throws Exception {
        standardHistory();
        LitestreamReplica listed = replica();
        String key = LitestreamFixture.segmentKey(fx.generation(), 3, 0);
        Files.delete(fx.object(key));

        RestoreException e = assertThrows(RestoreException.class, () -> new LitestreamRestorer(listed,
                Clock.systemUTC()).restore(RestoreRequest.to(out), Optional.empty()));
        assertEquals(RestoreException.Reason.MISSING_OBJECT, e.reason());
        assertEquals(Optional.of(key), e.objectKey());
        assertTrue(Files.notExists(out));
        assertNoLeftovers();
    }

    private long framesIn(String key) throws IOException {
        byte[] content = fx.content(key);
        int header = key.contains("_00000000.") ? WalFormat.HEADER_SIZE : 0;
        return (content.length - header) / frameSize();
    }

    @Test
    void uncommittedFramesAtTheEndOfTheLastSegmentAreNotApplied() throws Exception {
        fx.snapshot(at(0));
        fx.insert(10, 100);
        ship(10);
        fx.insert(5, 300);
        fx.spillUncommitted(); // a big transaction SQLite spilled into the WAL, then rolled back
        String key = ship(20);
        assertTrue(framesIn(key) > 5, "the segment holds the commit and many uncommitted frames");

        LitestreamRestoreResult r = restore(RestoreTarget.latest());

        assertRestoredAt(2, r);
        assertTrue(r.walOffset() < Files.size(dir.resolve("source.db-wal")), "stops at the last commit");
    }

    @Test
    void aTornFrameAtTheEndOfTheLastSegmentIsNotApplied() throws Exception {
        fx.snapshot(at(0));
        fx.insert(10, 100);
        fx.insert(4, 100);
        String key = ship(10);
        byte[] content = fx.content(key);
        fx.rewrite(key, Arrays.copyOf(content, content.length + frameSize() / 2)); // half a frame, as a torn write leaves

        assertRestoredAt(2, restore(RestoreTarget.latest()));
    }

    @Test
    void aFrameFailingItsChecksumEndsTheHistoryAsInSqlitesRecovery() throws Exception {
        fx.snapshot(at(0));
        fx.insert(10, 100);
        fx.insert(4, 100);
        String key = ship(10);
        byte[] content = fx.content(key);
        content[content.length - 100] ^= 0x01; // in the last page of the second transaction's commit frame
        fx.rewrite(key, content);

        assertRestoredAt(1, restore(RestoreTarget.latest()));
    }

    @Test
    void aFrameFailingItsChecksumWithSegmentsAfterItIsCorrupt() throws Exception {
        standardHistory();
        String key = LitestreamFixture.segmentKey(fx.generation(), 3, 0);
        byte[] content = fx.content(key);
        content[content.length - 100] ^= 0x01;
        fx.rewrite(key, content); // the LZ4 frame is sound, the WAL frame inside is not

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertEquals(Optional.of(key), e.objectKey(), e.getMessage());
        assertTrue(e.getMessage().contains("fails its checksum") && e.getMessage().contains("1 segment after it"),
                e.getMessage());
    }

    @Test
    void aSegmentNoneOfWhoseFramesCommitsIsCorrupt() throws Exception {
        fx.snapshot(at(0));
        fx.insert(10, 100);
        ship(10);
        fx.spillUncommitted();
        String key = ship(20);

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertEquals(Optional.of(key), e.objectKey(), e.getMessage());
        assertTrue(e.getMessage().contains("never committed"), e.getMessage());
    }

    @Test
    void aDamagedWalHeaderIsCorruptNotAnEmptyWal() throws Exception {
        standardHistory();
        String key = LitestreamFixture.segmentKey(fx.generation(), 3, 0);
        byte[] content = fx.content(key);
        content[13] ^= 0x01; // the checkpoint sequence, covered by the header checksum
        fx.rewrite(key, content);

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.CORRUPT_OBJECT);
        assertTrue(e.getMessage().contains("WAL header checksum mismatch"), e.getMessage());
    }

    @Test
    void theNewestGenerationIsRestoredUnlessAnotherIsNamed() throws Exception {
        fx.snapshot(at(0));
        fx.insert(10, 100);
        ship(10);
        fx.insert(10, 100);
        ship(20);
        String second = "fedcba9876543210";
        fx.newGeneration(second);
        fx.snapshot(at(100));
        fx.insert(3, 100);
        ship(110);

        LitestreamRestoreResult latest = restore(RestoreTarget.latest());
        assertEquals(second, latest.generation());
        assertRestoredAt(3, latest);

        LitestreamRestoreResult older = restore(RestoreTarget.latest(), Optional.of(LitestreamFixture.FIRST_GENERATION));
        assertEquals(LitestreamFixture.FIRST_GENERATION, older.generation());
        assertRestoredAt(2, older);

        LitestreamRestoreResult byTime = restore(RestoreTarget.timestamp(at(15)));
        assertEquals(LitestreamFixture.FIRST_GENERATION, byTime.generation(), "the generation that began by then");
        assertRestoredAt(1, byTime);

        RestoreException e = assertThrows(RestoreException.class,
                () -> run(RestoreRequest.to(dir.resolve("x.db")), Optional.of("0000000000000000")));
        assertEquals(RestoreException.Reason.NOT_RESTORABLE, e.reason());
        assertTrue(e.getMessage().contains(second) && e.getMessage().contains(LitestreamFixture.FIRST_GENERATION),
                "lists the generations: " + e.getMessage());
    }

    @Test
    void largePagesAreRead() throws Exception {
        fx.close();
        fx = new LitestreamFixture(Files.createDirectory(dir.resolve("big")), 65536);
        fx.snapshot(at(0));
        fx.insert(40, 5000);
        ship(10);

        LitestreamRestoreResult r = restore(RestoreTarget.latest());
        assertEquals(65536, r.pageSize());
        assertRestoredAt(1, r);
    }

    @Test
    void theRequestsSkipsWorkAsForAWalshipReplica() throws Exception {
        fx.insert(3, 10);
        ship(10); // segments but no snapshot
        Files.write(out, OLD_CONTENT);

        LitestreamOutcome skipped = run(RestoreRequest.to(out).withSkipIfOutputExists(true), Optional.empty());
        assertEquals(RestoreOutcome.Why.OUTPUT_EXISTS, assertInstanceOf(LitestreamOutcome.Skipped.class, skipped).why());

        Files.delete(out);
        LitestreamOutcome empty = run(RestoreRequest.to(out).withSkipIfReplicaEmpty(true), Optional.empty());
        assertEquals(RestoreOutcome.Why.REPLICA_EMPTY, assertInstanceOf(LitestreamOutcome.Skipped.class, empty).why());

        RestoreException e = fails(RestoreTarget.latest(), RestoreException.Reason.NOT_RESTORABLE);
        assertTrue(e.getMessage().contains("holds no snapshot"), e.getMessage());
    }

    @Test
    void anExistingOutputIsRefusedBeforeAnythingIsRead() throws Exception {
        standardHistory();
        Files.write(out, OLD_CONTENT);

        RestoreException e = assertThrows(RestoreException.class, () -> run(RestoreRequest.to(out), Optional.empty()));
        assertEquals(RestoreException.Reason.OUTPUT_EXISTS, e.reason());
        assertArrayEquals(OLD_CONTENT, Files.readAllBytes(out));
    }
}
