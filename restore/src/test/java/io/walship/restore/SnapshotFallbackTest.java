package io.walship.restore;

import static io.walship.restore.RestoreAssertions.assertNoLeftovers;
import static io.walship.restore.RestoreAssertions.assertRestored;
import static io.walship.restore.RestoreAssertions.restored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.walship.replica.ObjectHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A corrupt or missing snapshot on the way to the target: the restore starts from the next older snapshot and its
 * segments, says so in one WARN line, and fails (naming the snapshot) only when no older snapshot reaches the target.
 */
class SnapshotFallbackTest extends StandardReplicaTest {
    private Restorer restorer;
    private Path out;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger restorerLog = (Logger) LoggerFactory.getLogger(Restorer.class);

    /** Snapshots 1, 5 and 9; segments 2-4, 5-8 and 9-12: every snapshot reaches txid 12. */
    @BeforeEach
    void setUp() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSnapshot(storage, 5);
        history.writeSnapshot(storage, 9);
        history.writeSegment(storage, 2, 4);
        history.writeSegment(storage, 5, 8);
        history.writeSegment(storage, 9, 12);
        restorer = new Restorer(storage, Clock.systemUTC());
        out = Files.createDirectory(dir.resolve("out")).resolve("app.db");
        logs.start();
        restorerLog.addAppender(logs);
    }

    @AfterEach
    void tearDown() throws Exception {
        restorerLog.detachAppender(logs);
    }

    private void damagePayload(String key) throws IOException {
        byte[] bytes = Files.readAllBytes(object(key));
        bytes[ObjectHeader.SIZE + (bytes.length - ObjectHeader.SIZE) / 2] ^= 0x5a;
        Files.write(object(key), bytes);
    }

    private void damageHeader(String key) throws IOException {
        byte[] bytes = Files.readAllBytes(object(key));
        bytes[20] ^= 1;
        Files.write(object(key), bytes);
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void aCorruptNewestSnapshotFallsBackToTheOlderOneAndItsSegments() throws Exception {
        String corrupt = DatabaseHistory.snapshotKey(9);
        damagePayload(corrupt);

        RestoreResult result = restored(restorer.restore(RestoreRequest.to(out)));

        assertRestored(history, 12, result);
        assertEquals(DatabaseHistory.snapshotKey(5), result.snapshotKey());
        assertEquals(List.of(corrupt), result.skippedSnapshots().stream().map(RestoreResult.SkippedSnapshot::key).toList());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(corrupt) && warnings.get(0).contains(DatabaseHistory.snapshotKey(5)), warnings.get(0));
    }

    @Test
    void aCorruptSnapshotHeaderFallsBackWhilePlanning() throws Exception {
        damageHeader(DatabaseHistory.snapshotKey(9));

        RestoreResult result = restored(restorer.restore(RestoreRequest.to(out).withTarget(RestoreTarget.txid(10))));

        assertRestored(history, 10, result);
        assertEquals(DatabaseHistory.snapshotKey(5), result.snapshotKey());
        assertTrue(result.skippedSnapshots().get(0).problem().contains("checksum"), result.skippedSnapshots().toString());
    }

    @Test
    void aSnapshotGoneSinceTheListingFallsBackToo() throws Exception {
        StaleListingStorage stale = new StaleListingStorage(storage);
        Files.delete(object(DatabaseHistory.snapshotKey(9)));
        Restorer listedBefore = new Restorer(stale, Clock.systemUTC());

        RestoreResult result = restored(listedBefore.restore(RestoreRequest.to(out)));

        assertRestored(history, 12, result);
        assertEquals(DatabaseHistory.snapshotKey(5), result.snapshotKey());
    }

    @Test
    void twoCorruptSnapshotsFallBackTwice() throws Exception {
        damagePayload(DatabaseHistory.snapshotKey(9));
        damageHeader(DatabaseHistory.snapshotKey(5));

        RestoreResult result = restored(restorer.restore(RestoreRequest.to(out)));

        assertRestored(history, 12, result);
        assertEquals(DatabaseHistory.snapshotKey(1), result.snapshotKey());
        assertEquals(2, result.skippedSnapshots().size());
    }

    @Test
    void aTimestampTargetFallsBackLikeATxid() throws Exception {
        damagePayload(DatabaseHistory.snapshotKey(9));

        RestoreResult result = restored(restorer.restore(RestoreRequest.to(out)
                .withTarget(RestoreTarget.timestamp(DatabaseHistory.timeOf(11).plusSeconds(5)))));

        assertRestored(history, 11, result);
        assertEquals(DatabaseHistory.snapshotKey(5), result.snapshotKey());
    }

    @Test
    void withoutSegmentsFromTheOlderSnapshotTheRestoreFailsNamingTheCorruptSnapshot() throws Exception {
        String corrupt = DatabaseHistory.snapshotKey(9);
        damagePayload(corrupt);
        Files.delete(object(DatabaseHistory.segmentKey(5, 8)));

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));

        assertEquals(RestoreException.Reason.CORRUPT_OBJECT, e.reason(), e.getMessage());
        assertEquals(corrupt, e.objectKey().orElseThrow());
        assertTrue(e.getMessage().contains(corrupt) && e.getMessage().contains("no older snapshot reaches"),
                e.getMessage());
        assertTrue(e.getMessage().contains("txids 6..8 are missing"), e.getMessage());
        assertTrue(Files.notExists(out));
        assertNoLeftovers(out);
    }

    @Test
    void theOnlySnapshotCorruptIsStillACorruptObject() throws Exception {
        Files.delete(object(DatabaseHistory.snapshotKey(5)));
        Files.delete(object(DatabaseHistory.snapshotKey(9)));
        damagePayload(DatabaseHistory.snapshotKey(1));

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));

        assertEquals(RestoreException.Reason.CORRUPT_OBJECT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(DatabaseHistory.snapshotKey(1)), e.getMessage());
        assertTrue(Files.notExists(out));
        assertNoLeftovers(out);
    }

    @Test
    void aTargetAtTheCorruptSnapshotsTxidIsReachedThroughSegments() throws Exception {
        damagePayload(DatabaseHistory.snapshotKey(9));

        assertRestored(history, 9, restored(restorer.restore(RestoreRequest.to(out)
                .withTarget(RestoreTarget.txid(9)))));
    }

    @Test
    void aCorruptSegmentIsNotSkipped() throws Exception {
        damagePayload(DatabaseHistory.segmentKey(9, 12));

        RestoreException e = assertThrows(RestoreException.class, () -> restorer.restore(RestoreRequest.to(out)));

        assertEquals(RestoreException.Reason.CORRUPT_OBJECT, e.reason());
        assertEquals(DatabaseHistory.segmentKey(9, 12), e.objectKey().orElseThrow());
        assertEquals(List.of(), warnings());
    }
}
