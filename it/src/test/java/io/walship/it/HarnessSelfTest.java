package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Checks the test harness itself, without the daemon: the Java digest agrees with both writers. */
class HarnessSelfTest extends ScenarioSupport {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pythonWriterDigestMatchesJavaDigest() throws Exception {
        Writer w = writer("writer").seed(7).txs(120).sleep(0)
                .at(10, "bigtx:2").at(60, "vacuum").every(25, "checkpoint:TRUNCATE").every(33, "close-reopen").start();
        Map<String, String> stats = w.awaitSuccess(Duration.ofSeconds(30));
        // A second run resumes where the first stopped.
        writer("writer2").seed(7).txs(30).sleep(0).start().awaitSuccess(Duration.ofSeconds(30));
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        assertEquals(150L, digests.lastKey());
        assertEquals(Digest.empty(), digests.get(0L));
        assertSourceMatches(db, digests);
        step("python writer stats: " + stats);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sqliteCliWriterDigestMatchesJavaModel() throws Exception {
        SqliteCliWriter w = cliWriter(200).start();
        w.awaitSuccess(Duration.ofSeconds(30));
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        assertEquals(200L, digests.lastKey());
        assertSourceMatches(db, digests);
    }

    @Test
    void lsJsonParses() {
        Listing l = Listing.parse("{\"replica\":\"file:///x\",\"snapshots\":[{\"key\":\"snapshots/0000000000000001.snapshot\","
                + "\"txid\":1,\"time\":\"2025-01-01T00:00:00Z\",\"databasePages\":2,\"pageSize\":4096,\"size\":100}],"
                + "\"segments\":[{\"key\":\"segments/0000000000000002-0000000000000003.segment\",\"firstTxid\":2,\"lastTxid\":3,"
                + "\"firstTime\":\"a\",\"lastTime\":\"b\",\"transactions\":2,\"databasePages\":3,\"size\":7}],\"latestTxid\":3}\n");
        assertEquals(1, l.firstSnapshotTxid());
        assertEquals(3, l.latestTxid());
        assertEquals(2, l.segments().get(0).transactions());
    }

    /** Version-2 keys; ls reads no header for them, so pages and page size are null. */
    @Test
    void lsJsonOfV2ObjectsParses() {
        String snapshot = "snapshots/0000000000000001-019b0a1b2c3d-00000000000000ab.snapshot";
        String segment = "segments/00/0000000000000002-0000000000000003-019b0a1b2c3e-019b0a1b2c3f-00000000000000ab.segment";
        Listing l = Listing.parse("{\"replica\":\"file:///x\",\"snapshots\":[{\"key\":\"" + snapshot + "\","
                + "\"lineage\":\"00000000000000ab\",\"txid\":1,\"time\":\"2025-01-01T00:00:00Z\",\"databasePages\":null,"
                + "\"pageSize\":null,\"size\":100}],\"segments\":[{\"key\":\"" + segment + "\",\"lineage\":\"00000000000000ab\","
                + "\"level\":0,\"firstTxid\":2,\"lastTxid\":3,\"firstTime\":\"a\",\"lastTime\":\"b\",\"transactions\":2,"
                + "\"databasePages\":null,\"size\":7}],\"latestTxid\":3}\n");
        assertEquals(-1, l.snapshots().get(0).databasePages());
        assertEquals(-1, l.segments().get(0).databasePages());
        assertEquals(segment, l.segments().get(0).key());
    }

    /** ReplicaDir sees keys of both versions, and nothing else. */
    @Test
    void replicaDirReadsV1AndV2Keys() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("replica-dir");
        List<String> keys = List.of("snapshots/0000000000000001.snapshot", "segments/0000000000000002-0000000000000003.segment",
                "snapshots/0000000000000004-019b0a1b2c3d-00000000000000ab.snapshot",
                "segments/01/0000000000000005-0000000000000009-019b0a1b2c3e-019b0a1b2c3f-00000000000000ab.segment",
                "segments/01/README", "snapshots/0000000000000001.snapshot.walship-tmp");
        for (String k : keys) {
            java.nio.file.Files.createDirectories(dir.resolve(k).getParent());
            java.nio.file.Files.writeString(dir.resolve(k), "x");
        }
        assertEquals(java.util.Set.of(new ReplicaDir.Key(keys.get(0), true, 1, 1), new ReplicaDir.Key(keys.get(1), false, 2, 3),
                new ReplicaDir.Key(keys.get(2), true, 4, 4), new ReplicaDir.Key(keys.get(3), false, 5, 9)),
                java.util.Set.copyOf(ReplicaDir.keys(dir)));
        assertEquals(9, ReplicaDir.latestTxid(dir));
        assertEquals(List.of(1L, 4L), ReplicaDir.snapshotTxids(dir));
    }

    static void assertSourceMatches(Path db, TreeMap<Long, String> digests) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db + "?mode=ro")) {
            Digest.State st = Digest.read(c);
            assertEquals(digests.lastKey(), st.i(), "progress.tx of the source database");
            assertEquals(digests.lastEntry().getValue(), st.digest(), "digest of the source database");
        }
    }
}
