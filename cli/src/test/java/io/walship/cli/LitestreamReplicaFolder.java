package io.walship.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * A folder laid out as Litestream 0.3 writes a replica, built from a real SQLite database: a snapshot at index 0, then
 * transaction 1 and 2 as two WAL segments of index 0, a WAL restart, and transaction 3 in index 1. Objects are LZ4
 * frames; each object's file time is its Litestream time, {@link #BASE} plus 10 s per transaction.
 * (The restore module's LitestreamFixture tests the reader in depth; this is just enough for the command line.)
 */
final class LitestreamReplicaFolder implements AutoCloseable {
    static final Instant BASE = Instant.parse("2026-11-26T04:00:00Z");
    static final String GENERATION = "0a1b2c3d4e5f6071";

    private final Path db;
    private final Path root;
    private final Connection conn;
    private long shipped;

    LitestreamReplicaFolder(Path dir) throws Exception {
        this.db = dir.resolve("litestream-source.db");
        this.root = dir.resolve("litestream-replica");
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("CREATE TABLE progress (k INTEGER PRIMARY KEY, n INTEGER NOT NULL, pad BLOB)");
            s.execute("INSERT INTO progress VALUES (0, 0, NULL)");
        }
        checkpoint();
        put(snapshotKey(0), Files.readAllBytes(db), BASE);
        for (int n = 1; n <= 3; n++) {
            try (Statement s = conn.createStatement()) {
                s.execute("UPDATE progress SET n = " + n + ", pad = randomblob(" + (3000 * n) + ") WHERE k = 0");
            }
            long index = n < 3 ? 0 : 1;
            byte[] wal = Files.readAllBytes(walFile());
            put(segmentKey(index, shipped), Arrays.copyOfRange(wal, (int) shipped, wal.length), BASE.plusSeconds(10L * n));
            shipped = wal.length;
            if (n == 2) {
                checkpoint();
            }
        }
    }

    Path root() {
        return root;
    }

    Path walFile() {
        return db.resolveSibling(db.getFileName() + "-wal");
    }

    static String snapshotKey(long index) {
        return String.format("generations/%s/snapshots/%08x.snapshot.lz4", GENERATION, index);
    }

    static String segmentKey(long index, long offset) {
        return String.format("generations/%s/wal/%08x_%08x.wal.lz4", GENERATION, index, offset);
    }

    private void checkpoint() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            rs.next();
        }
        shipped = 0;
    }

    private void put(String key, byte[] content, Instant at) throws IOException {
        Path file = root.resolve(key);
        Files.createDirectories(file.getParent());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM)) {
            z.write(content);
        }
        Files.write(file, out.toByteArray());
        Files.setLastModifiedTime(file, FileTime.from(at));
    }

    /** The {@code progress.n} of a restored database. */
    static long progressOf(Path database) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT n FROM progress")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
