package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.DatabaseChecksum;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.restore.DatabaseHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship verify}: the text and JSON reports, each exit code, and the restore drill. */
class VerifyCommandTest {
    @TempDir
    Path dir;

    private DatabaseHistory source;
    private FileReplicaStorage storage;
    private String replica;
    private Path temp;

    /** Snapshots 1 and 4, segments 2-3 and 4-6. */
    @BeforeEach
    void setUp() throws Exception {
        source = DatabaseHistory.sixTransactions(dir.resolve("source.db"));
        storage = new FileReplicaStorage(dir.resolve("replica"));
        source.writeSnapshot(storage, 1);
        source.writeSnapshot(storage, 4);
        source.writeSegment(storage, 2, 3);
        source.writeSegment(storage, 4, 6);
        replica = "file://" + storage.root();
        temp = Files.createDirectory(dir.resolve("temp"));
    }

    @AfterEach
    void tearDown() throws Exception {
        source.close();
    }

    private long size(String key) throws Exception {
        return Files.size(storage.root().resolve(key));
    }

    private void damagePayload(String key) throws Exception {
        Path file = storage.root().resolve(key);
        byte[] bytes = Files.readAllBytes(file);
        bytes[ObjectHeader.SIZE + (bytes.length - ObjectHeader.SIZE) / 2] ^= 0x5a;
        Files.write(file, bytes);
    }

    private DatabaseChecksum checksumAt(long txid) {
        byte[] state = source.stateAt(txid);
        DatabaseChecksum.Builder b = DatabaseChecksum.builder(DatabaseHistory.PAGE_SIZE, state.length / DatabaseHistory.PAGE_SIZE);
        for (int p = 1; p <= state.length / DatabaseHistory.PAGE_SIZE; p++) {
            b.page(p, state, (p - 1) * DatabaseHistory.PAGE_SIZE);
        }
        return b.finish();
    }

    private void assertTempEmpty() throws Exception {
        try (Stream<Path> files = Files.list(temp)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void anIntactReplicaIsOkWithItsWindowInTheText() {
        CliRun run = CliRun.of("verify", replica).succeeds();

        List<String> lines = run.out().lines().toList();
        assertEquals("replica " + replica, lines.get(0));
        assertEquals("verified 4 objects: 4 ok, 0 corrupt", lines.get(1));
        assertEquals("lineage legacy", lines.get(2));
        assertEquals("restorable: txids 1..6 (2026-11-26T04:00:10Z to 2026-11-26T04:01:00Z)", lines.get(3));
        assertTrue(lines.get(4).startsWith("objects: 2 snapshots ("), lines.get(4));
        assertEquals("latest txid 6", lines.get(5));
        assertEquals("verdict: ok", lines.get(6));
    }

    @Test
    void jsonIsExactlyTheDocumentedObject() throws Exception {
        CliRun run = CliRun.of("verify", "--json", replica).succeeds();

        long snapshots = size(ObjectKeys.snapshot(1)) + size(ObjectKeys.snapshot(4));
        long segments = size(ObjectKeys.segment(2, 3)) + size(ObjectKeys.segment(4, 6));
        String summary = "{\"windows\":[{\"firstTxid\":1,\"firstTime\":\"2026-11-26T04:00:10Z\",\"lastTxid\":6,"
                + "\"lastTime\":\"2026-11-26T04:01:00Z\"}],\"gaps\":[],"
                + "\"snapshots\":{\"count\":2,\"bytes\":" + snapshots + "},"
                + "\"segments\":{\"count\":2,\"bytes\":" + segments + "}}";
        assertEquals("{\"replica\":\"" + replica + "\",\"latestTxid\":6,"
                + "\"objects\":{\"verified\":4,\"corrupt\":[],\"vanished\":[]},"
                + "\"summary\":" + summary + ","
                + "\"lineages\":[{\"lineage\":\"legacy\",\"latestTxid\":6,\"summary\":" + summary + "}],"
                + "\"conflicts\":[],"
                + "\"verdict\":\"ok\",\"drill\":null,\"live\":null,\"exitCode\":0}\n", run.out());
    }

    @Test
    void aDamagedPayloadThatLsCannotSeeIsExitCodeFourNamingTheObject() throws Exception {
        String key = ObjectKeys.segment(4, 6);
        damagePayload(key);
        CliRun.of("ls", replica).succeeds();

        CliRun run = CliRun.of("verify", replica);

        run.fails(ExitCodes.CORRUPT_OBJECT, key);
        assertTrue(run.out().contains("CORRUPT " + key + ": "), run.out());
        assertTrue(run.out().contains("gap: txids 5..6 cannot be restored"), run.out());
        assertTrue(run.out().contains("verdict: corrupt"), run.out());
        CliRun json = CliRun.of("verify", "--json", replica);
        assertEquals(ExitCodes.CORRUPT_OBJECT, json.code());
        assertTrue(json.out().contains("\"corrupt\":[{\"key\":\"" + key + "\",\"problem\":"), json.out());
        assertTrue(json.out().contains("\"verdict\":\"corrupt\""), json.out());
        assertTrue(json.out().endsWith(",\"exitCode\":4}\n"), json.out());
    }

    @Test
    void aMissingSegmentIsAGapAndExitCodeThree() throws Exception {
        Files.delete(storage.root().resolve(ObjectKeys.segment(2, 3)));

        CliRun run = CliRun.of("verify", replica);

        run.fails(ExitCodes.NOT_RESTORABLE, "txids 2..3 cannot be restored");
        assertTrue(run.out().contains("restorable: txid 1 ("), run.out());
        assertTrue(run.out().contains("restorable: txids 4..6 ("), run.out());
        assertTrue(run.out().contains("verdict: gap"), run.out());
    }

    /** A second lineage on the path: exit 4 naming both, unless --lineage chooses one (and the drill uses it). */
    @Test
    void severalLineagesAreExitCodeFourUnlessOneIsChosen() throws Exception {
        io.walship.replica.Lineage other = new io.walship.replica.Lineage(0xabcdef);
        try (DatabaseHistory second = DatabaseHistory.sixTransactions(dir.resolve("second.db")).lineage(other)) {
            second.writeSnapshot(storage, 1);
            second.writeSegment(storage, 2, 5);
        }
        CliRun run = CliRun.of("verify", replica);
        run.fails(ExitCodes.CORRUPT_OBJECT, "2 lineages");
        assertTrue(run.err().contains("--lineage") && run.err().contains(other.hex()), run.err());
        assertTrue(run.out().contains("WARNING: the replica holds 2 lineages"), run.out());
        assertTrue(run.out().contains("lineage legacy\nrestorable: txids 1..6"), run.out());
        assertTrue(run.out().contains("lineage " + other.hex() + "\nrestorable: txids 1..5"), run.out());
        assertTrue(run.out().contains("verdict: conflict"), run.out());
        CliRun json = CliRun.of("verify", "--json", replica);
        assertEquals(ExitCodes.CORRUPT_OBJECT, json.code());
        assertTrue(json.out().contains("\"conflicts\":[{\"kind\":\"mixed-lineages\""), json.out());

        CliRun one = CliRun.of("verify", "--lineage", other.hex(), "--restore", "--temp-dir", temp.toString(), replica)
                .succeeds();
        assertTrue(one.out().contains("verified 2 objects: 2 ok"), one.out());
        assertTrue(one.out().contains("restored to txid 5"), one.out());
        CliRun.of("verify", "--lineage", "legacy", replica).succeeds();
    }

    @Test
    void anEmptyReplicaHasNothingRestorable() {
        CliRun.of("verify", dir.resolve("empty").toString()).fails(ExitCodes.NOT_RESTORABLE, "nothing is restorable");
    }

    @Test
    void theDrillRestoresTheLatestStateChecksItAndLeavesNothingBehind() throws Exception {
        CliRun run = CliRun.of("verify", "--restore", "--temp-dir", temp.toString(), replica).succeeds();

        assertTrue(run.out().contains("restore drill: the latest txid restored to txid 6 (2026-11-26T04:01:00Z), "),
                run.out());
        assertTrue(run.out().contains("integrity ok, " + checksumAt(6).describe()), run.out());
        assertTempEmpty();
        CliRun json = CliRun.of("verify", "--json", "--restore", "--temp-dir", temp.toString(), replica).succeeds();
        assertTrue(json.out().contains("\"drill\":{\"target\":\"the latest txid\",\"passed\":true,\"txid\":6,"), json.out());
        assertTrue(json.out().contains("\"checksum\":\"" + checksumAt(6).describe() + "\""), json.out());
    }

    @Test
    void theDrillTakesATxidOrATimestamp() throws Exception {
        CliRun byTxid = CliRun.of("verify", "--restore", "--txid", "3", "--temp-dir", temp.toString(), replica).succeeds();
        assertTrue(byTxid.out().contains("restore drill: txid 3 restored to txid 3 "), byTxid.out());
        assertTrue(byTxid.out().contains(checksumAt(3).describe()), byTxid.out());

        CliRun byTime = CliRun.of("verify", "--restore", "--timestamp", "2026-11-26T04:00:45Z", "--temp-dir",
                temp.toString(), replica).succeeds();
        assertTrue(byTime.out().contains("restored to txid 4 "), byTime.out());
        assertTempEmpty();
    }

    @Test
    void aCorruptNewestSnapshotIsReportedWhileTheDrillFallsBackToTheOlderOne() throws Exception {
        String corrupt = ObjectKeys.snapshot(4);
        damagePayload(corrupt);

        CliRun run = CliRun.of("verify", "--restore", "--temp-dir", temp.toString(), replica);

        run.fails(ExitCodes.CORRUPT_OBJECT, corrupt);
        assertTrue(run.out().contains("restored to txid 6 "), run.out());
        assertTrue(run.out().contains("started from older snapshot " + ObjectKeys.snapshot(1) + " because " + corrupt),
                run.out());
        assertTempEmpty();
    }

    @Test
    void aDrillWhoseResultFailsTheIntegrityCheckIsExitCodeSix() throws Exception {
        FileReplicaStorage damaged = new FileReplicaStorage(dir.resolve("damaged"));
        byte[] state = source.stateAt(6).clone();
        Arrays.fill(state, DatabaseHistory.PAGE_SIZE, state.length, (byte) 0x55);
        DatabaseHistory.writeSnapshot(damaged, dir, 6, DatabaseHistory.timeOf(6), state, DatabaseHistory.PAGE_SIZE, Lineage.LEGACY);

        CliRun run = CliRun.of("verify", "--restore", "--temp-dir", temp.toString(), damaged.root().toString());

        run.fails(ExitCodes.INTEGRITY_FAILED, "integrity check");
        assertTrue(run.out().contains("restore drill: the latest txid FAILED: "), run.out());
        assertTempEmpty();
    }

    @Test
    void aDrillTargetBeyondTheReplicaIsExitCodeThree() {
        CliRun.of("verify", "--restore", "--txid", "99", "--temp-dir", temp.toString(), replica)
                .fails(ExitCodes.NOT_RESTORABLE, "txid 99 is beyond replica");
    }

    @Test
    void aDrillTargetWithoutRestoreIsAUsageError() {
        CliRun.of("verify", "--txid", "3", replica).fails(ExitCodes.USAGE, "add --restore");
    }
}
