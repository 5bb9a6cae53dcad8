package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectKeys;
import io.walship.restore.DatabaseHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship ls}: the table, the JSON contract and how unreadable objects are reported. */
@SuppressWarnings("deprecation")
class LsCommandTest {
    @TempDir
    Path dir;

    private DatabaseHistory source;
    private FileReplicaStorage storage;

    /** Snapshot 1, snapshot 4, segments 2-4 and 5-6 in format version 1, written out of order, and a junk key. */
    @BeforeEach
    void setUp() throws Exception {
        source = DatabaseHistory.sixTransactions(dir.resolve("source.db"));
        storage = new FileReplicaStorage(dir.resolve("replica"));
        source.writeSegment(storage, 5, 6);
        source.writeSnapshot(storage, 4);
        source.writeSegment(storage, 2, 4);
        source.writeSnapshot(storage, 1);
        Files.writeString(storage.root().resolve("segments/README"), "junk");
    }

    @AfterEach
    void tearDown() throws Exception {
        source.close();
    }

    private long size(String key) throws Exception {
        return Files.size(storage.root().resolve(key));
    }

    private long pages(long txid) {
        return source.stateAt(txid).length / DatabaseHistory.PAGE_SIZE;
    }

    @Test
    void jsonIsExactlyTheDocumentedObject() throws Exception {
        CliRun run = CliRun.of("ls", "--json", "file://" + storage.root()).succeeds();

        String expected = "{\"replica\":\"file://" + storage.root() + "\",\"snapshots\":["
                + "{\"key\":\"" + ObjectKeys.snapshot(1) + "\",\"lineage\":\"legacy\",\"txid\":1,\"time\":\"2026-11-26T04:00:10Z\","
                + "\"databasePages\":" + pages(1) + ",\"pageSize\":4096,\"size\":" + size(ObjectKeys.snapshot(1)) + "},"
                + "{\"key\":\"" + ObjectKeys.snapshot(4) + "\",\"lineage\":\"legacy\",\"txid\":4,\"time\":\"2026-11-26T04:00:40Z\","
                + "\"databasePages\":" + pages(4) + ",\"pageSize\":4096,\"size\":" + size(ObjectKeys.snapshot(4)) + "}],"
                + "\"segments\":["
                + "{\"key\":\"" + ObjectKeys.segment(2, 4) + "\",\"lineage\":\"legacy\",\"level\":0,"
                + "\"firstTxid\":2,\"lastTxid\":4,"
                + "\"firstTime\":\"2026-11-26T04:00:20Z\",\"lastTime\":\"2026-11-26T04:00:40Z\",\"transactions\":3,"
                + "\"databasePages\":" + pages(4) + ",\"size\":" + size(ObjectKeys.segment(2, 4)) + "},"
                + "{\"key\":\"" + ObjectKeys.segment(5, 6) + "\",\"lineage\":\"legacy\",\"level\":0,"
                + "\"firstTxid\":5,\"lastTxid\":6,"
                + "\"firstTime\":\"2026-11-26T04:00:50Z\",\"lastTime\":\"2026-11-26T04:01:00Z\",\"transactions\":2,"
                + "\"databasePages\":" + pages(6) + ",\"size\":" + size(ObjectKeys.segment(5, 6)) + "}],"
                + "\"latestTxid\":6,\"summary\":" + summary() + ","
                + "\"lineages\":[{\"lineage\":\"legacy\",\"latestTxid\":6,\"summary\":" + summary() + "}],"
                + "\"conflicts\":[]}\n";
        assertEquals(expected, run.out());
    }

    private String summary() throws Exception {
        return "{\"windows\":[{\"firstTxid\":1,\"firstTime\":\"2026-11-26T04:00:10Z\","
                + "\"lastTxid\":6,\"lastTime\":\"2026-11-26T04:01:00Z\"}],\"gaps\":[],"
                + "\"snapshots\":{\"count\":2,\"bytes\":" + (size(ObjectKeys.snapshot(1)) + size(ObjectKeys.snapshot(4))) + "},"
                + "\"segments\":{\"count\":2,\"bytes\":" + (size(ObjectKeys.segment(2, 4)) + size(ObjectKeys.segment(5, 6)))
                + "}}";
    }

    /** Version-2 keys carry times, level and lineage: no header is read, so pages and page size are null. */
    @Test
    void jsonOfAV2ReplicaComesFromTheKeys() throws Exception {
        Lineage lineage = new Lineage(0x1234);
        FileReplicaStorage v2 = new FileReplicaStorage(dir.resolve("v2"));
        source.lineage(lineage);
        String snapshot = source.writeSnapshot(v2, 1);
        String segment = source.writeSegment(v2, 2, 6);
        CliRun run = CliRun.of("ls", "--json", v2.root().toString()).succeeds();
        assertTrue(run.out().contains("{\"key\":\"" + snapshot + "\",\"lineage\":\"" + lineage.hex() + "\",\"txid\":1,"
                + "\"time\":\"2026-11-26T04:00:10Z\",\"databasePages\":null,\"pageSize\":null,\"size\":"), run.out());
        assertTrue(run.out().contains("{\"key\":\"" + segment + "\",\"lineage\":\"" + lineage.hex() + "\",\"level\":0,"
                + "\"firstTxid\":2,\"lastTxid\":6,\"firstTime\":\"2026-11-26T04:00:20Z\",\"lastTime\":\"2026-11-26T04:01:00Z\","
                + "\"transactions\":5,\"databasePages\":null,\"size\":"), run.out());
        assertTrue(run.out().contains("\"lineages\":[{\"lineage\":\"" + lineage.hex() + "\",\"latestTxid\":6,"), run.out());
        CliRun text = CliRun.of("ls", v2.root().toString()).succeeds();
        assertTrue(text.out().contains("lineage " + lineage.hex() + "\n"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("segment   ") && l.contains(" 2-6 ") && l.contains(segment)),
                text.out());
    }

    /** Each lineage on its own with a WARNING line, exit 4 unless --lineage chooses one. */
    @Test
    void severalLineagesAreListedApartWithAWarning() throws Exception {
        Lineage other = new Lineage(0xfeed);
        try (DatabaseHistory second = DatabaseHistory.sixTransactions(dir.resolve("second.db")).lineage(other)) {
            second.writeSnapshot(storage, 1);
            second.writeSegment(storage, 2, 3);
        }
        CliRun run = CliRun.of("ls", storage.root().toString());
        run.fails(ExitCodes.CORRUPT_OBJECT, "2 lineages");
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.get(1).startsWith("WARNING: the replica holds 2 lineages"), lines.get(1));
        int legacy = lines.indexOf("lineage legacy");
        int feed = lines.indexOf("lineage " + other.hex());
        assertTrue(legacy > 1 && feed > legacy, run.out());
        assertTrue(lines.subList(feed, lines.size()).contains("restorable: txids 1..3 (2026-11-26T04:00:10Z to 2026-11-26T04:00:30Z)"),
                run.out());
        assertTrue(lines.subList(legacy, feed).contains("latest txid 6"), run.out());
        CliRun json = CliRun.of("ls", "--json", storage.root().toString());
        assertEquals(ExitCodes.CORRUPT_OBJECT, json.code());
        assertTrue(json.out().contains("\"conflicts\":[{\"kind\":\"mixed-lineages\",\"objects\":[\""
                + ObjectKeys.segment(5, 6) + "\",\""), json.out());
        assertTrue(json.out().contains("{\"lineage\":\"" + other.hex() + "\",\"latestTxid\":3,"), json.out());

        CliRun one = CliRun.of("ls", "--lineage", other.hex(), storage.root().toString()).succeeds();
        assertTrue(!one.out().contains("legacy") && one.out().contains("latest txid 3"), one.out());
        CliRun.of("ls", "--lineage", "legacy", storage.root().toString()).succeeds();
        CliRun.of("ls", "--lineage", "99", storage.root().toString()).fails(ExitCodes.NOT_RESTORABLE, "0000000000000099");
    }

    @Test
    void overlappingSegmentsAreAProblemLineAndExitCodeFour() throws Exception {
        source.writeSegment(storage, 4, 6);
        CliRun run = CliRun.of("ls", storage.root().toString());
        run.fails(ExitCodes.CORRUPT_OBJECT, ObjectKeys.segment(4, 6));
        assertTrue(run.out().contains("PROBLEM: segments " + ObjectKeys.segment(2, 4) + " and " + ObjectKeys.segment(4, 6)
                + " of level 0 both hold txids 4..4"), run.out());
        CliRun json = CliRun.of("ls", "--json", storage.root().toString());
        assertTrue(json.out().contains("\"conflicts\":[{\"kind\":\"overlapping-segments\",\"objects\":[\""
                + ObjectKeys.segment(2, 4) + "\",\"" + ObjectKeys.segment(4, 6) + "\"]"), json.out());
    }

    @Test
    void jsonOfAnEmptyReplica() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CliRun run = CliRun.of("ls", "--json", empty.toString()).succeeds();

        assertEquals("{\"replica\":\"file://" + empty + "\",\"snapshots\":[],\"segments\":[],\"latestTxid\":0,"
                + "\"summary\":{\"windows\":[],\"gaps\":[],\"snapshots\":{\"count\":0,\"bytes\":0},"
                + "\"segments\":{\"count\":0,\"bytes\":0}},\"lineages\":[],\"conflicts\":[]}\n", run.out());
    }

    @Test
    void jsonStringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\\u00e9\"", LsCommand.string("a\"b\\c\n\u0001\u00e9"));
    }

    @Test
    void theTableIsAlignedAndInTxidOrder() throws Exception {
        CliRun run = CliRun.of("ls", storage.root().toString()).succeeds();

        List<String> lines = run.out().lines().toList();
        assertEquals("replica file://" + storage.root(), lines.get(0));
        assertEquals("lineage legacy", lines.get(1));
        assertTrue(lines.get(2).startsWith("KIND      LEVEL  TXIDS  FIRST TIME"), lines.get(2));
        assertTrue(lines.get(3).startsWith("snapshot      -  1    "), lines.get(3));
        assertTrue(lines.get(4).startsWith("segment       0  2-4  "), lines.get(4));
        assertTrue(lines.get(5).startsWith("snapshot      -  4    "), lines.get(5));
        assertTrue(lines.get(6).startsWith("segment       0  5-6  "), lines.get(6));
        assertEquals("latest txid 6", lines.get(7));
        assertEquals("restorable: txids 1..6 (2026-11-26T04:00:10Z to 2026-11-26T04:01:00Z)", lines.get(8));
        assertEquals("objects: 2 snapshots (" + (size(ObjectKeys.snapshot(1)) + size(ObjectKeys.snapshot(4)))
                + " bytes), 2 segments (" + (size(ObjectKeys.segment(2, 4)) + size(ObjectKeys.segment(5, 6))) + " bytes)",
                lines.get(9));
        assertEquals(10, lines.size());
        int keyColumn = lines.get(2).indexOf("KEY");
        for (int i = 3; i <= 6; i++) {
            assertTrue(lines.get(i).indexOf(i % 2 == 1 ? "snapshots/" : "segments/") == keyColumn, lines.get(i));
        }
    }

    @Test
    void anUnreadableHeaderIsShownAndMakesTheExitCodeFour() throws Exception {
        Path segment = storage.root().resolve(ObjectKeys.segment(2, 4));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[3] ^= 1; // the magic
        Files.write(segment, bytes);

        CliRun run = CliRun.of("ls", storage.root().toString());

        run.fails(ExitCodes.CORRUPT_OBJECT, ObjectKeys.segment(2, 4));
        assertTrue(run.out().contains("UNREADABLE"), run.out());
        // Without segment 2-4, snapshot 1 restores only itself: the summary shows the gap and still counts the object.
        assertTrue(run.out().contains("restorable: txid 1 ("), run.out());
        assertTrue(run.out().contains("restorable: txids 4..6 ("), run.out());
        assertTrue(run.out().contains("lineage legacy"), run.out());
        assertTrue(run.out().contains("gap: txids 2..3 cannot be restored"), run.out());
        assertTrue(run.out().contains("objects: 2 snapshots ("), run.out());
        assertTrue(run.out().contains(", 2 segments ("), run.out());
        CliRun json = CliRun.of("ls", "--json", storage.root().toString());
        assertEquals(ExitCodes.CORRUPT_OBJECT, json.code());
        assertTrue(json.out().startsWith("{\"replica\":") && !json.out().contains(ObjectKeys.segment(2, 4)), json.out());
    }

    @Test
    void anUnsupportedReplicaUrlIsAUsageError() {
        CliRun.of("ls", "ftp://host/replica").fails(ExitCodes.USAGE, "ftp");
    }

    /** A missing folder is almost always a mistyped path: an error like a missing bucket, not "no snapshots". */
    @Test
    void aFolderThatDoesNotExistIsExitCodeTen() throws Exception {
        Path missing = dir.resolve("no-such-replica");
        CliRun.of("ls", missing.toString()).fails(ExitCodes.BUCKET_NOT_FOUND, "folder " + missing + " does not exist");
        CliRun.of("ls", "--json", "file://" + missing).fails(ExitCodes.BUCKET_NOT_FOUND, "does not exist");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun.of("ls", file.toString()).fails(ExitCodes.BUCKET_NOT_FOUND, "is not a folder");
    }

    /** Text that is neither a path nor a URL is refused, never listed as an (empty) local folder. */
    @Test
    void aBareNameIsAUsageErrorNotAFolder() {
        CliRun.of("ls", "bkt/app").fails(ExitCodes.USAGE, "neither a path nor a URL; write ./bkt/app");
        CliRun.of("ls", "s3:/bkt/app").fails(ExitCodes.USAGE, "s3://");
        CliRun.of("ls", "gs://bkt/app").fails(ExitCodes.USAGE, "scheme 'gs' is not supported");
    }
}
