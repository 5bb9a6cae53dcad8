package io.walship.restore.litestream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.TreeMap;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * Builds a Litestream 0.3 replica folder the way Litestream 0.3.13 does, from a real SQLite database written with the
 * JDBC driver: snapshots are the database file after a checkpoint, WAL segments are the bytes SQLite appended to its
 * {@code -wal} file since the last segment (the first of an index with the WAL header), every object is one LZ4 frame
 * (independent 4 MiB blocks, content checksum, as github.com/pierrec/lz4 writes them), and an object's time is its
 * file's modification time, set to the time the test gives.
 *
 * <p>The database has a table {@code t} and a {@code progress} row counting the fixture's transactions; after each
 * one the fixture records a digest of {@code t}, so a restored database can be checked against the state it claims:
 * {@link #digestAt(long)} for its {@code progress.n}.
 *
 * <p>Automatic checkpoints are off, so the WAL only restarts (a new index, as Litestream numbers them) when the fixture
 * checkpoints with TRUNCATE; Litestream's shadow WAL only ever holds committed frames, and so do the segments here
 * unless a test ships uncommitted ones on purpose ({@link #spillUncommitted}).
 */
final class LitestreamFixture implements AutoCloseable {
    static final Instant BASE = Instant.parse("2026-11-26T04:00:00Z");
    static final String FIRST_GENERATION = "0a1b2c3d4e5f6071";

    private final Path db;
    private final Path wal;
    private final Path root;
    private final Connection conn;
    private final TreeMap<Long, String> digests = new TreeMap<>();
    private String generation = FIRST_GENERATION;
    private long index;
    private long shipped;
    private long progress;

    LitestreamFixture(Path dir, int pageSize) throws SQLException {
        this.db = dir.resolve("source.db");
        this.wal = dir.resolve("source.db-wal");
        this.root = dir.resolve("replica");
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA page_size = " + pageSize);
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA wal_autocheckpoint = 0");
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)");
            s.execute("CREATE TABLE progress (k INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
            s.execute("INSERT INTO progress VALUES (0, 0)");
        }
        digests.put(0L, digest(conn));
        restartWal(); // the history starts with an empty WAL at index 0
    }

    Path root() {
        return root;
    }

    String generation() {
        return generation;
    }

    long index() {
        return index;
    }

    long progress() {
        return progress;
    }

    /** The digest of {@code t} after transaction {@code n} of the fixture. */
    String digestAt(long n) {
        String d = digests.get(n);
        if (d == null) {
            throw new IllegalArgumentException("no transaction " + n + "; the fixture ran " + progress);
        }
        return d;
    }

    /** Runs the statements and a progress update as one transaction and records the digest; returns its number. */
    long commit(String... sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            for (String q : sql) {
                s.execute(q);
            }
            s.execute("UPDATE progress SET n = " + (progress + 1) + " WHERE k = 0");
            s.execute("COMMIT");
        }
        progress++;
        digests.put(progress, digest(conn));
        return progress;
    }

    /** Inserts {@code rows} rows of about {@code bytes} random bytes each, in one transaction. */
    long insert(int rows, int bytes) throws SQLException {
        return commit(series(rows) + "INSERT INTO t (v, b) SELECT 'row ' || value, randomblob(" + bytes + ") FROM s");
    }

    /** A VACUUM, which rewrites the whole database through the WAL and shrinks it; not a numbered transaction. */
    void vacuum() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("VACUUM");
        }
    }

    static String series(int n) {
        return "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < " + n + ") ";
    }

    /**
     * Writes what SQLite appended to the WAL since the last segment as the next segment of the current index, stored
     * at {@code at}; returns its key, or null when there was nothing new.
     */
    String ship(Instant at) throws IOException {
        byte[] bytes = Files.readAllBytes(wal);
        if (bytes.length <= shipped) {
            return null;
        }
        String key = segmentKey(generation, index, shipped);
        put(key, Arrays.copyOfRange(bytes, (int) shipped, bytes.length), at);
        shipped = bytes.length;
        return key;
    }

    /**
     * A snapshot as Litestream takes one: the database file after a checkpoint, named by the current WAL index (whose
     * frames are in it and are applied again on restore). The checkpoint truncates the WAL, so the next transaction
     * starts a new index. Everything in the WAL must have been shipped.
     */
    String snapshot(Instant at) throws IOException, SQLException {
        boolean restarted = checkpointTruncate();
        String key = snapshotKey(generation, index);
        put(key, Files.readAllBytes(db), at);
        if (restarted) {
            index++;
        }
        return key;
    }

    /** A checkpoint that restarts the WAL: the next transaction goes into a new index. */
    void checkpoint() throws IOException, SQLException {
        if (checkpointTruncate()) {
            index++;
        }
    }

    /** Starts another generation (as Litestream does when it loses track of the WAL), from index 0. */
    void newGeneration(String name) throws IOException, SQLException {
        checkpointTruncate();
        generation = name;
        index = 0;
    }

    /**
     * Checkpoints everything and truncates the WAL; true when the WAL held frames, so that the next transaction writes
     * a new WAL header (new salts): a new index. Everything in the WAL must have been shipped.
     */
    private boolean checkpointTruncate() throws IOException, SQLException {
        long size = Files.exists(wal) ? Files.size(wal) : 0;
        if (size != shipped) {
            throw new IllegalStateException("the WAL holds " + (size - shipped) + " bytes not shipped yet");
        }
        restartWal();
        return size > 0;
    }

    private void restartWal() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            if (!rs.next() || rs.getInt(1) != 0) {
                throw new IllegalStateException("checkpoint did not complete");
            }
        }
        shipped = 0;
    }

    /**
     * Begins a transaction large enough that SQLite spills uncommitted pages into the WAL, then rolls it back: the WAL
     * file then ends with real uncommitted frames, as the next {@link #ship} copies them. The WAL is left in a state the
     * fixture cannot follow, so this must be the last thing a test ships from the current index.
     */
    void spillUncommitted() throws SQLException, IOException {
        long before = Files.size(wal);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA cache_size = 10");
            s.execute("BEGIN IMMEDIATE");
            s.execute(series(400) + "INSERT INTO t (v, b) SELECT 'spilled ' || value, randomblob(3000) FROM s");
            s.execute("ROLLBACK");
            s.execute("PRAGMA cache_size = -2000");
        }
        if (Files.size(wal) <= before) {
            throw new IllegalStateException("SQLite spilled nothing into the WAL");
        }
    }

    static String snapshotKey(String generation, long index) {
        return String.format("generations/%s/snapshots/%08x.snapshot.lz4", generation, index);
    }

    static String segmentKey(String generation, long index, long offset) {
        return String.format("generations/%s/wal/%08x_%08x.wal.lz4", generation, index, offset);
    }

    Path object(String key) {
        return root.resolve(key);
    }

    /** Writes {@code content} as one LZ4 frame under {@code key}, stored at {@code at}. */
    void put(String key, byte[] content, Instant at) throws IOException {
        Path file = object(key);
        Files.createDirectories(file.getParent());
        Files.write(file, lz4(content));
        Files.setLastModifiedTime(file, FileTime.from(at));
    }

    /** The decompressed content of an object. */
    byte[] content(String key) throws IOException {
        try (InputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(Files.readAllBytes(object(key))))) {
            return in.readAllBytes();
        }
    }

    /** Replaces an object's content, keeping its time. */
    void rewrite(String key, byte[] content) throws IOException {
        FileTime time = Files.getLastModifiedTime(object(key));
        Files.write(object(key), lz4(content));
        Files.setLastModifiedTime(object(key), time);
    }

    static byte[] lz4(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM)) {
            z.write(content);
        }
        return out.toByteArray();
    }

    /** The digest of a database's {@code t} table: SHA-256 over {@code id|v|hex(b)} lines in id order. */
    static String digest(Connection c) throws SQLException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v, b FROM t ORDER BY id")) {
            while (rs.next()) {
                byte[] b = rs.getBytes(3);
                String line = rs.getLong(1) + "|" + rs.getString(2) + "|" + (b == null ? "-" : HexFormat.of().formatHex(b))
                        + "\n";
                md.update(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** What a restored database holds: its {@code progress.n} and the digest of {@code t}. */
    record State(long n, String digest) {
    }

    static State stateOf(Path database) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
             PreparedStatement ps = c.prepareStatement("SELECT n FROM progress WHERE k = 0");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new State(rs.getLong(1), digest(c));
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
