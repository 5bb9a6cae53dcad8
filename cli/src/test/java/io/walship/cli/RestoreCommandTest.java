package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.restore.DatabaseHistory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship restore}: the summary line, every exit code and each error's message. */
class RestoreCommandTest {
    private static final byte[] OLD = "an existing database".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private DatabaseHistory source;
    private FileReplicaStorage storage;
    private String replica;
    private Path out;

    /** Snapshot 1 and segments 2-3, 4-6 of a six-transaction database. */
    @BeforeEach
    void setUp() throws Exception {
        source = DatabaseHistory.sixTransactions(dir.resolve("source.db"));
        storage = new FileReplicaStorage(dir.resolve("replica"));
        source.writeSnapshot(storage, 1);
        source.writeSegment(storage, 2, 3);
        source.writeSegment(storage, 4, 6);
        replica = "file://" + storage.root();
        out = dir.resolve("restored/app.db");
    }

    @AfterEach
    void tearDown() throws Exception {
        source.close();
    }

    private void assertRestoredAt(long txid) throws Exception {
        assertArrayEquals(source.stateAt(txid), Files.readAllBytes(out), "database at txid " + txid);
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of("app.db"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("app.db") || n.contains("walship-restore")).collect(Collectors.toList()));
        }
    }

    private String summary(long txid) {
        return "restored " + out + " to txid " + txid + " (" + DatabaseHistory.timeOf(txid) + "), "
                + source.stateAt(txid).length / DatabaseHistory.PAGE_SIZE + " pages, integrity ok\n";
    }

    /** Two lineages on the path: exit 4 naming an object of each; --lineage restores exactly the one chosen. */
    @Test
    void severalLineagesNeedLineageAndEachRestoresExactly() throws Exception {
        io.walship.replica.Lineage other = new io.walship.replica.Lineage(0xc0ffee);
        byte[] otherState;
        try (DatabaseHistory second = DatabaseHistory.sixTransactions(dir.resolve("second.db")).lineage(other)) {
            second.writeSnapshot(storage, 1);
            String seg = second.writeSegment(storage, 2, 4);
            otherState = second.stateAt(4);
            CliRun run = CliRun.of("restore", "-o", out.toString(), replica);
            run.fails(ExitCodes.CORRUPT_OBJECT, seg);
            assertTrue(run.err().contains(ObjectKeys.segment(4, 6)) && run.err().contains("--lineage"), run.err());
            assertFalse(Files.exists(out));
        }
        CliRun.of("restore", "-o", out.toString(), "--lineage", "legacy", replica).succeeds();
        assertRestoredAt(6);
        Files.delete(out);
        CliRun.of("restore", "-o", out.toString(), "--lineage", other.hex(), replica).succeeds();
        assertArrayEquals(otherState, Files.readAllBytes(out));
        CliRun.of("restore", "-o", dir.resolve("x.db").toString(), "--lineage", "nothex", replica)
                .fails(ExitCodes.USAGE, "nothex");
    }

    /** --progress prints progress lines on stderr; without it (and without a terminal) stderr has none. */
    @Test
    void progressLinesOnlyWhenAsked() throws Exception {
        CliRun quiet = CliRun.of("restore", "-o", out.toString(), replica).succeeds();
        assertFalse(quiet.err().contains("walship: restore:"), quiet.err());
        Files.delete(out);
        CliRun loud = CliRun.of("restore", "-o", out.toString(), "--progress", replica);
        assertEquals(ExitCodes.OK, loud.code(), loud.err());
        List<String> lines = loud.err().lines().toList();
        assertTrue(!lines.isEmpty() && lines.stream().allMatch(l -> l.startsWith("walship: restore: ")), loud.err());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("walship: restore: 3/3 objects, [0-9.]+/[0-9.]+ MiB, [0-9.]+ MiB/s, ended after [0-9]+s"),
                last);
        assertRestoredAt(6);
    }

    @Test
    void aPrefetchWindowTooSmallIsAUsageError() {
        CliRun.of("restore", "-o", out.toString(), "--prefetch", "4", "--prefetch-memory", "64KiB", replica)
                .fails(ExitCodes.USAGE, "--prefetch");
        CliRun.of("restore", "-o", out.toString(), "--prefetch", "1", "--prefetch-memory", "1MiB", replica).succeeds();
    }

    @Test
    void restoresTheLatestStateAndPrintsOneSummaryLine() throws Exception {
        CliRun run = CliRun.of("restore", "-o", out.toString(), replica).succeeds();

        assertEquals(summary(6), run.out());
        assertRestoredAt(6);
    }

    @Test
    void aCorruptNewestSnapshotFallsBackToTheOlderOneAndTheSummarySaysSo() throws Exception {
        String corrupt = source.writeSnapshot(storage, 4);
        Path file = storage.root().resolve(corrupt);
        byte[] bytes = Files.readAllBytes(file);
        bytes[ObjectHeader.SIZE + (bytes.length - ObjectHeader.SIZE) / 2] ^= 0x5a;
        Files.write(file, bytes);

        CliRun run = CliRun.of("restore", "-o", out.toString(), replica).succeeds();

        assertEquals(summary(6).strip() + ", from older snapshot " + ObjectKeys.snapshot(1) + " because " + corrupt
                + " cannot be used\n", run.out());
        assertRestoredAt(6);
    }

    @Test
    void restoresATxid() throws Exception {
        CliRun run = CliRun.of("restore", "--output", out.toString(), "--txid", "3", storage.root().toString()).succeeds();

        assertEquals(summary(3), run.out());
        assertRestoredAt(3);
    }

    @Test
    void restoresATimestampWithAnyOffset() throws Exception {
        // 04:00:45Z is after txid 4 (04:00:40Z) and before txid 5 (04:00:50Z).
        CliRun.of("restore", "-o", out.toString(), "--timestamp", "2026-11-26T05:00:45+01:00", replica).succeeds();
        assertRestoredAt(4);
    }

    @Test
    void acceptsARelativeFileUrl() throws Exception {
        Path relative = Path.of("").toAbsolutePath().relativize(storage.root());
        CliRun.of("restore", "-o", out.toString(), "file://./" + relative).succeeds();
        assertRestoredAt(6);
    }

    @Test
    void noVerifySaysSoInTheSummary() throws Exception {
        CliRun run = CliRun.of("restore", "-o", out.toString(), "--no-verify", replica).succeeds();
        assertTrue(run.out().endsWith(", integrity not checked\n"), run.out());
        assertRestoredAt(6);
    }

    @Test
    void usageErrorsExitTwo() {
        CliRun.of("restore", replica).fails(ExitCodes.USAGE, "--output");
        CliRun.of("restore", "-o", out.toString()).fails(ExitCodes.USAGE, "REPLICA");
        CliRun.of("restore", "-o", out.toString(), "--txid", "3", "--timestamp", "2026-11-26T04:00:00Z", replica)
                .fails(ExitCodes.USAGE, "mutually exclusive");
        CliRun.of("restore", "-o", out.toString(), "--timestamp", "2026-11-26 04:00", replica)
                .fails(ExitCodes.USAGE, "RFC 3339");
        CliRun.of("restore", "-o", out.toString(), "--txid", "0", replica).fails(ExitCodes.USAGE, "--txid");
        CliRun.of("restore", "-o", out.toString(), "--txid", "ten", replica).fails(ExitCodes.USAGE, "ten");
        CliRun.of("restore", "-o", out.toString(), "ftp://host/replica").fails(ExitCodes.USAGE, "ftp");
        CliRun.of("restore", "-o", out.toString(), "s3://Not_A_Bucket/db").fails(ExitCodes.USAGE, "bucket");
        assertFalse(Files.exists(out));
    }

    @Test
    void anEmptyReplicaExitsThreeUnlessIfReplicaExists() throws Exception {
        String empty = dir.resolve("empty").toString();
        CliRun.of("restore", "-o", out.toString(), empty).fails(ExitCodes.NOT_RESTORABLE, "holds no snapshot");

        CliRun run = CliRun.of("restore", "-o", out.toString(), "--if-replica-exists", empty).succeeds();
        assertTrue(run.out().contains("holds no snapshot") && run.out().contains("--if-replica-exists"), run.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void unrestorableTargetsExitThree() throws Exception {
        CliRun.of("restore", "-o", out.toString(), "--txid", "7", replica).fails(ExitCodes.NOT_RESTORABLE, "beyond");
        CliRun.of("restore", "-o", out.toString(), "--timestamp", "2026-11-26T04:00:00Z", replica)
                .fails(ExitCodes.NOT_RESTORABLE, "before the oldest snapshot");
        Files.delete(storage.root().resolve(ObjectKeys.segment(2, 3)));
        CliRun.of("restore", "-o", out.toString(), replica).fails(ExitCodes.NOT_RESTORABLE, "txids 2..3 are missing");
        assertFalse(Files.exists(out));
    }

    @Test
    void aCorruptObjectExitsFourNamingIt() throws Exception {
        String key = ObjectKeys.segment(4, 6);
        Path file = storage.root().resolve(key);
        byte[] bytes = Files.readAllBytes(file);
        bytes[ObjectHeader.SIZE + 40] ^= 0x10;
        Files.write(file, bytes);

        CliRun.of("restore", "-o", out.toString(), replica).fails(ExitCodes.CORRUPT_OBJECT, key);
        assertFalse(Files.exists(out));
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(0, files.count(), "no temporary file is left");
        }
    }

    @Test
    void anExistingOutputExitsFiveUnlessForcedOrIfDbNotExists() throws Exception {
        Files.createDirectories(out.getParent());
        Files.write(out, OLD);

        CliRun.of("restore", "-o", out.toString(), replica).fails(ExitCodes.OUTPUT_EXISTS, "--force");
        assertArrayEquals(OLD, Files.readAllBytes(out));

        CliRun skipped = CliRun.of("restore", "-o", out.toString(), "--if-db-not-exists", replica).succeeds();
        assertTrue(skipped.out().contains("already exists") && skipped.out().contains("--if-db-not-exists"),
                skipped.out());
        assertArrayEquals(OLD, Files.readAllBytes(out));

        assertEquals(summary(6), CliRun.of("restore", "-o", out.toString(), "--force", replica).succeeds().out());
        assertRestoredAt(6);
    }

    @Test
    void aFailedIntegrityCheckExitsSixAndKeepsTheCopyAsCorrupt() throws Exception {
        FileReplicaStorage damaged = new FileReplicaStorage(dir.resolve("damaged"));
        byte[] state = source.stateAt(6).clone();
        Arrays.fill(state, DatabaseHistory.PAGE_SIZE, state.length, (byte) 0x55);
        DatabaseHistory.writeSnapshot(damaged, dir, 6, DatabaseHistory.timeOf(6), state, DatabaseHistory.PAGE_SIZE, Lineage.LEGACY);

        CliRun.of("restore", "-o", out.toString(), damaged.root().toString())
                .fails(ExitCodes.INTEGRITY_FAILED, "app.db.corrupt");
        assertFalse(Files.exists(out));
        assertArrayEquals(state, Files.readAllBytes(out.resolveSibling("app.db.corrupt")));
    }

    @Test
    void aLocalFileProblemExitsSeven() throws Exception {
        Path plainFile = Files.writeString(dir.resolve("plain"), "x");
        CliRun.of("restore", "-o", plainFile.resolve("app.db").toString(), replica)
                .fails(ExitCodes.IO_ERROR, plainFile.toString());
    }
}
