package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.DatabaseChecksum;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore drill: a real restore into a scratch folder, a typed result, and nothing left behind either way. */
class RestoreDrillTest {
    @TempDir
    Path dir;

    private DatabaseHistory history;
    private FileReplicaStorage storage;
    private Path scratch;

    @BeforeEach
    void setUp() throws Exception {
        history = DatabaseHistory.standard(dir.resolve("source.db"), 4096, true);
        storage = new FileReplicaStorage(dir.resolve("replica"));
        history.writeSnapshot(storage, 1);
        history.writeSegment(storage, 2, 6);
        history.writeSegment(storage, 7, 12);
        scratch = Files.createDirectory(dir.resolve("scratch"));
    }

    @AfterEach
    void tearDown() throws Exception {
        history.close();
    }

    private DrillResult drill(RestoreTarget target) {
        return new RestoreDrill(storage, scratch, Clock.systemUTC()).run(target);
    }

    private void assertScratchEmpty() throws IOException {
        try (Stream<Path> files = Files.list(scratch)) {
            assertEquals(List.of(), files.toList());
        }
    }

    /** The checksum of the recorded state, computed from the bytes the source database really had. */
    private DatabaseChecksum recorded(long txid) {
        byte[] state = history.stateAt(txid);
        DatabaseChecksum.Builder b = DatabaseChecksum.builder(4096, state.length / 4096);
        for (int p = 1; p <= state.length / 4096; p++) {
            b.page(p, state, (p - 1) * 4096);
        }
        return b.finish();
    }

    @Test
    void aPassingDrillRestoresTheLatestStateAndReportsItsChecksum() throws Exception {
        DrillResult.Passed passed = assertInstanceOf(DrillResult.Passed.class, drill(RestoreTarget.latest()));

        assertEquals(12, passed.restore().txid());
        assertTrue(passed.restore().integrityChecked());
        assertEquals(recorded(12), passed.checksum());
        assertScratchEmpty();
    }

    @Test
    void aDrillToAnEarlierTxidChecksumsThatState() throws Exception {
        DrillResult.Passed passed = assertInstanceOf(DrillResult.Passed.class, drill(RestoreTarget.txid(5)));

        assertEquals(recorded(5), passed.checksum());
        assertTrue(recorded(5).difference(recorded(12)).isPresent());
    }

    @Test
    void aCorruptSegmentFailsTheDrillNamingItAndLeavesNothing() throws Exception {
        Path segment = storage.root().resolve(DatabaseHistory.segmentKey(7, 12));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[ObjectHeader.SIZE + 40] ^= 0x5a;
        Files.write(segment, bytes);

        DrillResult.Failed failed = assertInstanceOf(DrillResult.Failed.class, drill(RestoreTarget.latest()));

        assertEquals(RestoreException.Reason.CORRUPT_OBJECT, failed.error().reason());
        assertEquals(DatabaseHistory.segmentKey(7, 12), failed.error().objectKey().orElseThrow());
        assertScratchEmpty();
    }

    @Test
    void aFailedIntegrityCheckFailsTheDrillAndTheKeptCopyIsRemovedToo() throws Exception {
        FileReplicaStorage damaged = new FileReplicaStorage(dir.resolve("damaged"));
        byte[] state = history.stateAt(12).clone();
        Arrays.fill(state, 4096, state.length, (byte) 0x55);
        DatabaseHistory.writeSnapshot(damaged, dir, 12, DatabaseHistory.timeOf(12), state, 4096);

        DrillResult result = new RestoreDrill(damaged, scratch, Clock.systemUTC()).run(RestoreTarget.latest());

        DrillResult.Failed failed = assertInstanceOf(DrillResult.Failed.class, result);
        assertEquals(RestoreException.Reason.INTEGRITY_FAILED, failed.error().reason());
        assertScratchEmpty();
    }

    @Test
    void aMissingScratchFolderIsALocalFailureNotAnException() {
        DrillResult result = new RestoreDrill(storage, dir.resolve("no-such-folder"), Clock.systemUTC())
                .run(RestoreTarget.latest());

        assertEquals(RestoreException.Reason.LOCAL_IO,
                assertInstanceOf(DrillResult.Failed.class, result).error().reason());
    }

    @Test
    void aTargetBeyondTheReplicaIsNotRestorable() throws Exception {
        DrillResult result = drill(RestoreTarget.txid(99));

        assertEquals(RestoreException.Reason.NOT_RESTORABLE,
                assertInstanceOf(DrillResult.Failed.class, result).error().reason());
        assertScratchEmpty();
    }
}
