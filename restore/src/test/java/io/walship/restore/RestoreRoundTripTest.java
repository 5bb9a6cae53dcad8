package io.walship.restore;

import static io.walship.restore.RestoreAssertions.assertRestored;
import static io.walship.restore.RestoreAssertions.restored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Restores every point of a real database's history and compares each with the database file as it was at that
 * txid: byte for byte, with SQLite's integrity check, across page sizes and journal modes.
 */
class RestoreRoundTripTest {
    @TempDir
    Path dir;

    static Stream<Arguments> databases() {
        return Stream.of(Arguments.of(4096, true), Arguments.of(512, false), Arguments.of(512, true));
    }

    /** A restorer on a replica folder holding {@link DatabaseHistory#writeStandardReplica} of {@code history}. */
    private Restorer restorerOnStandardReplica(DatabaseHistory history) throws IOException {
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        history.writeStandardReplica(storage);
        return new Restorer(storage, Clock.systemUTC());
    }

    /**
     * Snapshots at 1 and 7, segments 2-4, 5-8 (straddling snapshot 7) and 9-12. Every txid, and latest, must come
     * back exactly; the history includes two VACUUMs, so restores must shrink the file.
     */
    @ParameterizedTest(name = "page size {0}, WAL {1}")
    @MethodSource("databases")
    void restoresEveryTxidByteForByte(int pageSize, boolean wal) throws Exception {
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), pageSize, wal)) {
            assertEquals("ok", history.integrity());
            assertTrue(history.stateAt(6).length < history.stateAt(5).length, "VACUUM at txid 6 shrinks the file");
            assertTrue(history.stateAt(10).length < history.stateAt(9).length, "VACUUM at txid 10 shrinks the file");
            Restorer restorer = restorerOnStandardReplica(history);
            Path outDir = Files.createDirectory(dir.resolve("out"));

            for (long txid = 1; txid <= 12; txid++) {
                RestoreResult result = restored(restorer.restore(RestoreRequest.to(outDir.resolve("at-" + txid + ".db"))
                        .withTarget(RestoreTarget.txid(txid))));
                assertRestored(history, txid, result);
                assertEquals(DatabaseHistory.timeOf(txid), result.time());
                assertEquals(txid < 7 ? DatabaseHistory.snapshotKey(1) : DatabaseHistory.snapshotKey(7),
                        result.snapshotKey());
                assertTrue(result.integrityChecked());
            }
            RestoreResult latest = restored(restorer.restore(RestoreRequest.to(outDir.resolve("latest.db"))));
            assertRestored(history, 12, latest);
            if (wal) {
                byte[] header = Files.readAllBytes(latest.output());
                assertEquals(2, header[18], "a restored WAL database keeps its WAL header bytes");
                assertEquals(2, header[19], "a restored WAL database keeps its WAL header bytes");
            }
        }
    }

    /** A timestamp restores the last transaction committed at or before it; each txid's time is BASE + 10 s * txid. */
    @ParameterizedTest(name = "page size {0}, WAL {1}")
    @MethodSource("databases")
    void restoresByTimestamp(int pageSize, boolean wal) throws Exception {
        try (DatabaseHistory history = DatabaseHistory.standard(dir.resolve("source.db"), pageSize, wal)) {
            Restorer restorer = restorerOnStandardReplica(history);
            Path outDir = Files.createDirectory(dir.resolve("out"));

            for (long txid = 1; txid <= 12; txid++) {
                Instant exact = DatabaseHistory.timeOf(txid);
                Instant between = exact.plusSeconds(5);
                for (Instant time : new Instant[] {exact, between}) {
                    Path out = outDir.resolve("at-" + time.toEpochMilli() + ".db");
                    RestoreResult result = restored(restorer.restore(RestoreRequest.to(out)
                            .withTarget(RestoreTarget.timestamp(time))));
                    assertRestored(history, txid, result);
                    assertEquals(exact, result.time());
                }
            }
            RestoreResult future = restored(restorer.restore(RestoreRequest.to(outDir.resolve("future.db"))
                    .withTarget(RestoreTarget.timestamp(DatabaseHistory.timeOf(12).plusSeconds(3600)))));
            assertRestored(history, 12, future);
        }
    }
}
