package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replicator.metrics.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship restore} and {@code walship ls} on replicas Litestream wrote: output, exit codes and messages. */
class LitestreamCommandsTest {
    @TempDir
    Path dir;

    private LitestreamReplicaFolder folder;
    private String replica;
    private Path out;

    @BeforeEach
    void setUp() throws Exception {
        folder = new LitestreamReplicaFolder(dir);
        replica = "file://" + folder.root();
        out = dir.resolve("restored/app.db");
    }

    @AfterEach
    void tearDown() throws Exception {
        folder.close();
    }

    @Test
    void restoresTheLatestStateAndSaysWhichGenerationAndPosition() throws Exception {
        CliRun run = CliRun.of("restore", "-o", out.toString(), replica).succeeds();

        assertEquals(3, LitestreamReplicaFolder.progressOf(out));
        String position = LitestreamReplicaFolder.GENERATION + "/00000001:" + Files.size(folder.walFile());
        assertTrue(run.out().startsWith("restored " + out + " from Litestream generation "
                + LitestreamReplicaFolder.GENERATION + " to position " + position + " (2026-11-26T04:00:30Z), "), run.out());
        assertTrue(run.out().endsWith(" pages, integrity ok\n"), run.out());
    }

    @Test
    void restoresATimestampByObjectTimes() throws Exception {
        CliRun.of("restore", "-o", out.toString(), "--timestamp", "2026-11-26T04:00:25Z", replica).succeeds();

        assertEquals(2, LitestreamReplicaFolder.progressOf(out));
    }

    @Test
    void aTxidIsAUsageErrorForALitestreamReplica() {
        CliRun.of("restore", "-o", out.toString(), "--txid", "2", replica)
                .fails(ExitCodes.USAGE, "--txid does not apply to " + replica + ", a Litestream 0.3 replica");
        assertTrue(Files.notExists(out));
    }

    @Test
    void anUnknownGenerationIsNotRestorableAndAGenerationForAWalshipReplicaIsAUsageError() throws Exception {
        CliRun.of("restore", "-o", out.toString(), "--generation", "ffffffffffffffff", replica)
                .fails(ExitCodes.NOT_RESTORABLE, "has no generation ffffffffffffffff; its generations are "
                        + LitestreamReplicaFolder.GENERATION);
        CliRun.of("restore", "-o", out.toString(), "--generation", LitestreamReplicaFolder.GENERATION, replica)
                .succeeds();

        Path empty = Files.createDirectory(dir.resolve("walship-replica"));
        CliRun.of("restore", "-o", dir.resolve("other.db").toString(), "--generation", "ffffffffffffffff",
                empty.toString()).fails(ExitCodes.USAGE, "--generation applies only to Litestream 0.3 replicas");
    }

    @Test
    void aCorruptObjectIsExitFourAndAMissingIndexExitThree() throws Exception {
        Path segment = folder.root().resolve(LitestreamReplicaFolder.segmentKey(1, 0));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(segment, bytes);
        CliRun.of("restore", "-o", out.toString(), replica)
                .fails(ExitCodes.CORRUPT_OBJECT, LitestreamReplicaFolder.segmentKey(1, 0));

        Files.delete(segment);
        Files.createDirectories(segment.getParent());
        Files.copy(folder.root().resolve(LitestreamReplicaFolder.segmentKey(0, 0)),
                folder.root().resolve(LitestreamReplicaFolder.segmentKey(2, 0)));
        CliRun.of("restore", "-o", out.toString(), replica)
                .fails(ExitCodes.NOT_RESTORABLE, "WAL index 00000001 is missing");
        assertTrue(Files.notExists(out));
    }

    @Test
    void anExistingOutputIsKeptWithIfDbNotExists() throws Exception {
        Files.createDirectories(out.getParent());
        Files.writeString(out, "mine");
        CliRun run = CliRun.of("restore", "-o", out.toString(), "--if-db-not-exists", replica).succeeds();
        assertTrue(run.out().contains("already exists; nothing restored (--if-db-not-exists)"), run.out());
        CliRun.of("restore", "-o", out.toString(), replica).fails(ExitCodes.OUTPUT_EXISTS, "--force replaces it");
        assertEquals("mine", Files.readString(out));
    }

    @Test
    void anExistingOutputIsRefusedBeforeTheReplicaIsAsked() throws Exception {
        Files.createDirectories(out.getParent());
        Files.writeString(out, "mine");
        // Nothing listens on port 1: had the replica been asked, the error would be about reaching it.
        CliRun.of("restore", "-o", out.toString(), "s3://bucket/app?endpoint=http://127.0.0.1:1&region=us-east-1")
                .fails(ExitCodes.OUTPUT_EXISTS, "--force replaces it");
        assertEquals("mine", Files.readString(out));
    }

    @Test
    void lsSaysItIsALitestreamLayoutWithItsGenerationsIndexesAndTimes() {
        CliRun run = CliRun.of("ls", replica).succeeds();

        String g = LitestreamReplicaFolder.GENERATION;
        List<String> lines = run.out().lines().toList();
        assertEquals("replica " + replica, lines.get(0));
        assertTrue(lines.get(1).startsWith("layout Litestream 0.3 (no walship objects)"), run.out());
        assertTrue(lines.get(3).matches(g + "  snapshot  00000000 +1 +\\d+  2026-11-26T04:00:00Z  2026-11-26T04:00:00Z"),
                lines.get(3));
        assertTrue(lines.get(4).matches(g + "  wal       00000000-00000001 +3 +\\d+  2026-11-26T04:00:10Z  2026-11-26T04:00:30Z"),
                lines.get(4));
        assertEquals("latest generation " + g, lines.get(5));
    }

    @Test
    @SuppressWarnings("unchecked")
    void lsJsonDescribesTheGenerations() {
        Map<String, Object> doc = (Map<String, Object>) Json.parse(CliRun.of("ls", "--json", replica).succeeds().out().trim());

        assertEquals(replica, doc.get("replica"));
        assertEquals("litestream-0.3", doc.get("layout"));
        assertEquals(LitestreamReplicaFolder.GENERATION, doc.get("latestGeneration"));
        Map<String, Object> g = (Map<String, Object>) ((List<Object>) doc.get("generations")).get(0);
        assertEquals("2026-11-26T04:00:00Z", g.get("createdAt"));
        assertEquals("2026-11-26T04:00:30Z", g.get("updatedAt"));
        Map<String, Object> snapshot = (Map<String, Object>) ((List<Object>) g.get("snapshots")).get(0);
        assertEquals(LitestreamReplicaFolder.snapshotKey(0), snapshot.get("key"));
        assertEquals(0, ((Number) snapshot.get("index")).intValue());
        Map<String, Object> wal = (Map<String, Object>) g.get("wal");
        assertEquals(1, ((Number) wal.get("lastIndex")).intValue());
        assertEquals(3, ((Number) wal.get("segments")).intValue());
        assertEquals("2026-11-26T04:00:30Z", wal.get("lastTime"));
    }

    @Test
    void aLitestream05ReplicaIsNamedByLsAndRefusedByRestore() throws Exception {
        Path ltx = dir.resolve("ltx-replica/ltx/0/0000000000000001-0000000000000003.ltx");
        Files.createDirectories(ltx.getParent());
        Files.write(ltx, new byte[] {1, 2, 3});

        CliRun ls = CliRun.of("ls", ltx.getParent().getParent().getParent().toString()).succeeds();
        assertTrue(ls.out().contains("layout Litestream 0.5 (LTX), not readable by walship"), ls.out());
        CliRun.of("restore", "-o", out.toString(), ltx.getParent().getParent().getParent().toString())
                .fails(ExitCodes.NOT_RESTORABLE, "Litestream 0.5 LTX file");
    }
}
