package io.walship.restore.litestream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Telling a walship replica from a Litestream 0.3 one and from a Litestream 0.5 one, and listing Litestream's. */
class ReplicaLayoutTest {
    @TempDir
    Path dir;

    private FileReplicaStorage storage() {
        return new FileReplicaStorage(dir.resolve("replica"));
    }

    private void file(String key) throws Exception {
        Path p = dir.resolve("replica").resolve(key);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
    }

    @Test
    void anEmptyOrMissingFolderIsAnEmptyWalshipReplica() throws Exception {
        assertInstanceOf(ReplicaLayout.Walship.class, ReplicaLayout.detect(storage()));
        file("unrelated/file.txt");
        file("generations/not-a-generation/snapshots/00000000.snapshot.lz4");
        assertInstanceOf(ReplicaLayout.Walship.class, ReplicaLayout.detect(storage()));
    }

    @Test
    void litestreamObjectsWithoutWalshipObjectsAreALitestreamReplica() throws Exception {
        try (LitestreamFixture fx = new LitestreamFixture(dir, 4096)) {
            fx.snapshot(LitestreamFixture.BASE);
            fx.insert(3, 10);
            fx.ship(LitestreamFixture.BASE.plusSeconds(1));
            file("generations/" + fx.generation() + "/wal/00000000_00001038.wal.lz4.tmp"); // an upload in progress

            ReplicaLayout.Litestream layout = assertInstanceOf(ReplicaLayout.Litestream.class,
                    ReplicaLayout.detect(storage()));
            Generation g = layout.replica().generations().get(0);
            assertEquals(fx.generation(), g.name());
            assertEquals(1, g.snapshots().size());
            assertEquals(1, g.segments().size(), "the .tmp file is not a segment");
            assertEquals(LitestreamFixture.BASE, g.createdAt());
            assertEquals(LitestreamFixture.BASE.plusSeconds(1), g.updatedAt());
        }
    }

    @Test
    @SuppressWarnings("deprecation") // A version-1 key is still a walship object to detect.
    void walshipObjectsWinOverLitestreamObjects() throws Exception {
        file("generations/0123456789abcdef/snapshots/00000000.snapshot.lz4");
        file(ObjectKeys.snapshot(1));

        assertInstanceOf(ReplicaLayout.Walship.class, ReplicaLayout.detect(storage()));
    }

    @Test
    void litestream05LtxFilesAreRecognisedAndExplained() throws Exception {
        file("ltx/0/0000000000000001-0000000000000001.ltx");
        file("ltx/0/0000000000000002-0000000000000005.ltx");

        ReplicaLayout.LitestreamLtx ltx = assertInstanceOf(ReplicaLayout.LitestreamLtx.class,
                ReplicaLayout.detect(storage()));
        assertEquals(2, ltx.files());
        assertTrue(ltx.message().contains("Litestream 0.5") && ltx.message().contains("ltx/0/0000000000000001"),
                ltx.message());
    }

    @Test
    void keysParseAsLitestreamDoes() {
        assertEquals(new LitestreamKeys.Name("0123456789abcdef", LitestreamObject.Kind.WAL_SEGMENT, 0x2a, 0x1038),
                LitestreamKeys.parse("generations/0123456789abcdef/wal/0000002a_00001038.wal.lz4").orElseThrow());
        assertEquals(new LitestreamKeys.Name("0123456789abcdef", LitestreamObject.Kind.SNAPSHOT, 12, 0),
                LitestreamKeys.parse("generations/0123456789abcdef/snapshots/0000000c.snapshot.lz4").orElseThrow());
        for (String notOne : List.of("generations/0123456789ABCDEF/snapshots/0000000c.snapshot.lz4",
                "generations/0123456789abcdef/snapshots/c.snapshot.lz4",
                "generations/0123456789abcdef/wal/0000002a.wal.lz4",
                "generations/0123456789abcdef/wal/0000002a/00001038.wal.lz4",
                "generations/0123456789abcdef/wal/0000002a_00001038.wal.lz4.tmp",
                "x/generations/0123456789abcdef/snapshots/0000000c.snapshot.lz4")) {
            assertTrue(LitestreamKeys.parse(notOne).isEmpty(), notOne);
        }
        assertEquals("0123456789abcdef/0000002a:4152", LitestreamKeys.position("0123456789abcdef", 0x2a, 4152));
    }

    @Test
    void theLatestGenerationIsTheOneWithTheNewestObject() {
        Instant t = LitestreamFixture.BASE;
        Generation a = new Generation("aaaaaaaaaaaaaaaa", List.of(object("aaaaaaaaaaaaaaaa", t)),
                List.of(object("aaaaaaaaaaaaaaaa", t.plusSeconds(50))));
        Generation b = new Generation("bbbbbbbbbbbbbbbb", List.of(object("bbbbbbbbbbbbbbbb", t.plusSeconds(10))),
                List.of());
        LitestreamReplica replica = new LitestreamReplica(null, List.of(a, b));
        assertEquals("aaaaaaaaaaaaaaaa", replica.latest().orElseThrow().name());
    }

    private static LitestreamObject object(String generation, Instant at) {
        return new LitestreamObject("k", generation, LitestreamObject.Kind.SNAPSHOT, 0, 0, 1, at);
    }
}
