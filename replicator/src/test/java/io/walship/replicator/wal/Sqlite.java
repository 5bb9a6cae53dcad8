package io.walship.replicator.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test helpers around real SQLite (sqlite-jdbc) and the scanner: creating WAL-mode databases whose WAL is never
 * checkpointed behind the test's back, capturing scans, applying captured frames to a database image, and asking
 * SQLite itself what a database + WAL pair means.
 */
final class Sqlite {
    private static final AtomicInteger REFERENCE_COUNTER = new AtomicInteger();

    private Sqlite() {
    }

    /** One frame as the scanner delivered it, with its page image copied out of the reused buffer. */
    record Captured(long index, long pgno, long commitSize, byte[] page, WalChecksum checksum) {
    }

    /** Everything one scan from the start of a generation produced. */
    record Scan(WalHeader header, List<Captured> frames, WalScanner.ScanResult result) {
        List<Long> pgnos() {
            return frames.stream().map(Captured::pgno).toList();
        }

        List<Long> commitSizes() {
            return frames.stream().map(Captured::commitSize).toList();
        }
    }

    static Connection open(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
    }

    /**
     * Creates (or opens) a database in WAL mode with automatic checkpoints off, so that the WAL only ever changes
     * because the test writes or checkpoints. {@code pageSize} 0 keeps SQLite's default.
     */
    static Connection createWalDb(Path db, int pageSize) throws SQLException {
        Connection c = open(db);
        if (pageSize != 0) {
            exec(c, "PRAGMA page_size=" + pageSize);
        }
        assertEquals("wal", queryString(c, "PRAGMA journal_mode=WAL"));
        exec(c, "PRAGMA wal_autocheckpoint=0");
        return c;
    }

    static Path walOf(Path db) {
        return db.resolveSibling(db.getFileName() + "-wal");
    }

    static void exec(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next(), "no row from " + sql);
            return r.getString(1);
        }
    }

    static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            assertTrue(r.next(), "no row from " + sql);
            return r.getLong(1);
        }
    }

    /** Runs a checkpoint of the given mode and returns SQLite's (busy, log frames, checkpointed frames). */
    static long[] checkpoint(Connection c, String mode) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            assertTrue(r.next());
            return new long[] {r.getLong(1), r.getLong(2), r.getLong(3)};
        }
    }

    /** A full checkpoint that also truncates the WAL to 0 bytes; asserts that it was not blocked. */
    static void checkpointTruncate(Connection c) throws SQLException {
        assertEquals(0, checkpoint(c, "TRUNCATE")[0], "checkpoint was blocked");
    }

    static void insert(Connection c, String table, long id, byte[] value) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table + "(id, v) VALUES (?, ?)")) {
            p.setLong(1, id);
            p.setBytes(2, value);
            p.executeUpdate();
        }
    }

    static void update(Connection c, String table, long id, byte[] value) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE " + table + " SET v = ? WHERE id = ?")) {
            p.setBytes(1, value);
            p.setLong(2, id);
            assertEquals(1, p.executeUpdate());
        }
    }

    /** Deterministic, incompressible test data. */
    static byte[] blob(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Scans a WAL file from the start of the generation its header describes. */
    static Scan scanAll(Path wal) throws IOException {
        WalScanner scanner = new WalScanner(wal);
        WalHeader header = scanner.readHeader().orElseThrow(() -> new AssertionError("no valid WAL header in " + wal));
        return scanFrom(scanner, header, WalCursor.start(header));
    }

    static Scan scanFrom(WalScanner scanner, WalHeader header, WalCursor from) throws IOException {
        List<Captured> frames = new ArrayList<>();
        WalScanner.ScanResult result = scanner.scan(header, from, f -> frames.add(
                new Captured(f.index(), f.pgno(), f.commitSize(), f.page().clone(), f.checksum())));
        return new Scan(header, frames, result);
    }

    static Scan scanFrom(WalScanner scanner, WalHeader header, WalCursor from, long lastFrame) throws IOException {
        List<Captured> frames = new ArrayList<>();
        WalScanner.ScanResult result = scanner.scan(header, from, lastFrame, f -> frames.add(
                new Captured(f.index(), f.pgno(), f.commitSize(), f.page().clone(), f.checksum())));
        return new Scan(header, frames, result);
    }

    /**
     * Applies frames {@code 1..upTo} (by position in {@code frames}) to a copy of {@code base}, in order, and sets the
     * image to {@code databasePages} pages: what a restore does with committed frames.
     */
    static byte[] apply(byte[] base, int pageSize, List<Captured> frames, int upTo, long databasePages) {
        long size = Math.max(base.length, databasePages * pageSize);
        for (Captured f : frames.subList(0, upTo)) {
            size = Math.max(size, f.pgno() * pageSize);
        }
        byte[] image = Arrays.copyOf(base, Math.toIntExact(size));
        for (Captured f : frames.subList(0, upTo)) {
            System.arraycopy(f.page(), 0, image, Math.toIntExact((f.pgno() - 1) * pageSize), pageSize);
        }
        return Arrays.copyOf(image, Math.toIntExact(databasePages * pageSize));
    }

    /** Applies every frame up to and including the last commit frame of the scan. */
    static byte[] applyCommitted(byte[] base, Scan scan) {
        return apply(base, scan.header().pageSize(), scan.frames(), Math.toIntExact(scan.result().committed().frames()),
                scan.result().lastCommitSize());
    }

    /**
     * What SQLite makes of a database file plus a WAL file: copies both into {@code dir} under a fresh name, lets
     * SQLite open them (running its own WAL recovery), checkpoints everything into the database file, checks integrity
     * and returns the database file's bytes.
     */
    static byte[] sqliteView(Path dir, byte[] database, byte[] wal) throws IOException, SQLException {
        Path db = dir.resolve("reference-" + REFERENCE_COUNTER.incrementAndGet() + ".db");
        Files.write(db, database);
        if (wal != null) {
            Files.write(walOf(db), wal);
        }
        try (Connection c = open(db)) {
            long[] ck = checkpoint(c, "TRUNCATE");
            assertEquals(0, ck[0], "reference checkpoint blocked");
            assertEquals(ck[1], ck[2], "reference checkpoint incomplete");
            assertEquals("ok", queryString(c, "PRAGMA integrity_check"));
        }
        return Files.readAllBytes(db);
    }

    /** Writes {@code image} to a file, opens it with SQLite and returns its integrity_check answer. */
    static String integrityCheck(Path dir, byte[] image) throws IOException, SQLException {
        Path db = dir.resolve("restored-" + REFERENCE_COUNTER.incrementAndGet() + ".db");
        Files.write(db, image);
        try (Connection c = open(db)) {
            return queryString(c, "PRAGMA integrity_check");
        }
    }

    /** The first {@code length} bytes of {@code bytes}. */
    static byte[] prefix(byte[] bytes, long length) {
        return Arrays.copyOf(bytes, Math.toIntExact(length));
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    static int frameHeaderInt(byte[] wal, long frameIndex, int pageSize, int fieldOffset) {
        return ByteBuffer.wrap(wal).getInt(Math.toIntExact(WalCursor.frameOffset(frameIndex, pageSize)) + fieldOffset);
    }
}
