package io.walship.restore;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SnapshotWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A real SQLite database whose every commit is recorded as a walship transaction, so tests can build replicas the
 * way the replicator would and compare restores byte for byte with the database as it really was.
 *
 * <p>After each commit the database file is read whole (in WAL mode after a TRUNCATE checkpoint, so the file holds
 * every committed page and its header says WAL, as the replicator's pages do); the pages that differ from the
 * previous state, or are new, are the transaction's page images, and the file size is its commit size.
 *
 * <p>Published in this module's test-jar: the cli tests build their replicas with {@link #sixTransactions}.
 */
public final class DatabaseHistory implements AutoCloseable {
    /** The page size of {@link #sixTransactions}. */
    public static final int PAGE_SIZE = 4096;
    public static final Instant BASE = Instant.parse("2026-11-26T04:00:00Z");
    /** The lineage objects are written in unless a test chooses another; {@link Lineage#LEGACY} writes version 1. */
    public static final Lineage LINEAGE = new Lineage(0x5eed5eed5eed5eedL);

    /** One recorded transaction: its pages in ascending page number. */
    public record Transaction(long txid, Instant time, long commitSize, SortedMap<Long, byte[]> pages) {
    }

    private final Path file;
    private final int pageSize;
    private final boolean wal;
    private final Connection conn;
    private final Map<Long, byte[]> states = new TreeMap<>();
    private final Map<Long, Transaction> transactions = new TreeMap<>();
    private byte[] current = new byte[0];
    private long txid;
    private Lineage lineage = LINEAGE;
    private int mode = 0644;

    public DatabaseHistory(Path file, int pageSize, boolean wal) throws SQLException {
        this.file = file;
        this.pageSize = pageSize;
        this.wal = wal;
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA page_size = " + pageSize);
            s.execute("PRAGMA journal_mode = " + (wal ? "WAL" : "DELETE"));
        }
    }

    /** A database with a history of twelve transactions that grows, rewrites, shrinks twice (VACUUM) and grows again. */
    public static DatabaseHistory standard(Path file, int pageSize, boolean wal) throws Exception {
        DatabaseHistory h = new DatabaseHistory(file, pageSize, wal);
        h.commit("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)", "CREATE INDEX t_v ON t (v)");
        h.commit(series(40) + "INSERT INTO t (v) SELECT 'row ' || value FROM s");
        h.commit(series(12) + "INSERT INTO t (v, b) SELECT 'blob ' || value, randomblob(3000) FROM s");
        h.commit("UPDATE t SET v = v || ' updated' WHERE id % 3 = 0");
        h.commit("DELETE FROM t WHERE b IS NOT NULL");
        h.commit("VACUUM");
        h.commit("CREATE TABLE u (x)", series(20) + "INSERT INTO u SELECT randomblob(700) FROM s");
        h.commit("INSERT INTO t (v) VALUES ('after vacuum')");
        h.commit("DROP TABLE u");
        h.commit("VACUUM");
        h.commit(series(8) + "INSERT INTO t (v, b) SELECT 'again ' || value, randomblob(900) FROM s");
        h.commit("UPDATE t SET v = 'last' WHERE id = 1");
        return h;
    }

    /**
     * The cli tests' history: six transactions (a table, two rows with blobs, a row, the blobs deleted, VACUUM, an
     * update) in 4096-byte pages in WAL mode, written in format version 1 ({@link Lineage#LEGACY}) with file mode 0600
     * unless a test chooses a lineage.
     */
    public static DatabaseHistory sixTransactions(Path file) throws Exception {
        DatabaseHistory h = new DatabaseHistory(file, PAGE_SIZE, true).lineage(Lineage.LEGACY).mode(0600);
        h.commit("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)");
        h.commit("INSERT INTO t (v, b) VALUES ('one', randomblob(5000)), ('two', randomblob(5000))");
        h.commit("INSERT INTO t (v) VALUES ('three')");
        h.commit("DELETE FROM t WHERE b IS NOT NULL");
        h.commit("VACUUM");
        h.commit("UPDATE t SET v = 'last'");
        return h;
    }

    /** A common table expression {@code s(value)} counting from 1 to {@code n}, to prefix an INSERT ... SELECT. */
    public static String series(int n) {
        return "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < " + n + ") ";
    }

    /** Runs the statements as one transaction (a single statement in autocommit, so VACUUM works) and records it. */
    public long commit(String... sql) throws Exception {
        execute(sql);
        byte[] after = readFile();
        txid++;
        transactions.put(txid, diff(txid, current, after));
        states.put(txid, after);
        current = after;
        return txid;
    }

    /** Changes the database without recording a transaction, as happens when the replicator loses continuity. */
    public void commitUnrecorded(String... sql) throws Exception {
        execute(sql);
        current = readFile();
    }

    /**
     * Gives the current state a new txid that no transaction holds, as the replicator does when it starts over with
     * a snapshot after losing continuity; the caller writes the snapshot at the returned txid.
     */
    public long breakContinuity() {
        txid++;
        states.put(txid, current);
        return txid;
    }

    /**
     * Writes the following objects in {@code value}'s lineage (format version 2), or in version 1 for
     * {@link Lineage#LEGACY}, as walship did before lineages.
     */
    public DatabaseHistory lineage(Lineage value) {
        this.lineage = value;
        return this;
    }

    /** The file mode the following snapshots record (in format version 2). */
    public DatabaseHistory mode(int value) {
        this.mode = value;
        return this;
    }

    public Lineage lineage() {
        return lineage;
    }

    public long latestTxid() {
        return txid;
    }

    public int pageSize() {
        return pageSize;
    }

    public byte[] stateAt(long txid) {
        byte[] s = states.get(txid);
        if (s == null) {
            throw new IllegalArgumentException("no state at txid " + txid);
        }
        return s;
    }

    public Transaction transaction(long txid) {
        return transactions.get(txid);
    }

    public static Instant timeOf(long txid) {
        return BASE.plusSeconds(10 * txid);
    }

    /** The key {@link #writeSnapshot} gives the snapshot at {@code txid} in the default lineage. */
    public static String snapshotKey(long txid) {
        return ObjectKeys.snapshot(txid, timeOf(txid), LINEAGE);
    }

    /** The key {@link #writeSegment} gives the level-0 segment {@code first..last} in the default lineage. */
    public static String segmentKey(long first, long last) {
        return ObjectKeys.segment(0, first, last, timeOf(first), timeOf(last), LINEAGE);
    }

    /** Writes snapshots 1 and 7 and segments 2-4, 5-8 and 9-12: every txid restorable, past a snapshot or two. */
    public void writeStandardReplica(ReplicaStorage storage) throws IOException {
        writeSnapshot(storage, 1);
        writeSnapshot(storage, 7);
        writeSegment(storage, 2, 4);
        writeSegment(storage, 5, 8);
        writeSegment(storage, 9, 12);
    }

    /** Writes a snapshot of the state at {@code txid} to the replica. */
    public String writeSnapshot(ReplicaStorage storage, long txid) throws IOException {
        return writeSnapshot(storage, file.getParent(), txid, timeOf(txid), stateAt(txid), pageSize, lineage, mode);
    }

    /** Writes {@code state}, a whole database file, as the snapshot at {@code txid} and returns its key. */
    public static String writeSnapshot(ReplicaStorage storage, Path scratch, long txid, Instant time, byte[] state, int pageSize)
            throws IOException {
        return writeSnapshot(storage, scratch, txid, time, state, pageSize, LINEAGE);
    }

    /** As above, in {@code lineage} (version 1 for {@link Lineage#LEGACY}). */
    public static String writeSnapshot(ReplicaStorage storage, Path scratch, long txid, Instant time, byte[] state, int pageSize,
                                       Lineage lineage) throws IOException {
        return writeSnapshot(storage, scratch, txid, time, state, pageSize, lineage, 0644);
    }

    /** As above, recording file mode {@code mode} (format version 2 only). */
    @SuppressWarnings("deprecation")
    public static String writeSnapshot(ReplicaStorage storage, Path scratch, long txid, Instant time, byte[] state, int pageSize,
                                       Lineage lineage, int mode) throws IOException {
        long pages = state.length / pageSize;
        ObjectHeader header = lineage.isLegacy()
                ? new ObjectHeader(ObjectKind.SNAPSHOT, pageSize, pages, txid, txid, time, time,
                        SnapshotWriter.storedPages(pages, pageSize))
                : ObjectHeader.snapshot(pageSize, pages, txid, time, lineage, mode);
        return ReplicaObjects.putSnapshot(storage, scratch, header, state, pageSize);
    }

    /** Writes a segment holding transactions {@code first..last} to the replica and returns its key. */
    public String writeSegment(ReplicaStorage storage, long first, long last) throws IOException {
        return writeSegment(storage, 0, first, last);
    }

    /** Writes a segment of {@code level} (compaction writes levels 1 and up) holding {@code first..last}. */
    @SuppressWarnings("deprecation")
    public String writeSegment(ReplicaStorage storage, int level, long first, long last) throws IOException {
        ObjectHeader header = lineage.isLegacy()
                ? new ObjectHeader(ObjectKind.SEGMENT, pageSize, transactions.get(last).commitSize(), first, last,
                        timeOf(first), timeOf(last), last - first + 1)
                : ObjectHeader.segment(level, pageSize, transactions.get(last).commitSize(), first, last, timeOf(first),
                        timeOf(last), lineage);
        List<Transaction> txs = new ArrayList<>();
        for (long t = first; t <= last; t++) {
            Transaction tx = transactions.get(t);
            if (tx == null) {
                throw new IllegalArgumentException("txid " + t + " is not a recorded transaction");
            }
            txs.add(tx);
        }
        return ReplicaObjects.putSegment(storage, file.getParent(), header, txs);
    }

    /** The integrity check result of the live database, to make sure the recorded states are sound. */
    public String integrity() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void execute(String... sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            if (sql.length > 1) {
                s.execute("BEGIN");
            }
            for (String q : sql) {
                s.execute(q);
            }
            if (sql.length > 1) {
                s.execute("COMMIT");
            }
            if (wal) {
                try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                    rs.next();
                    if (rs.getInt(1) != 0) {
                        throw new IllegalStateException("checkpoint was blocked");
                    }
                }
            }
        }
    }

    private byte[] readFile() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % pageSize != 0) {
            throw new IllegalStateException("database file is not a whole number of pages: " + bytes.length);
        }
        return bytes;
    }

    private Transaction diff(long txid, byte[] before, byte[] after) {
        SortedMap<Long, byte[]> pages = new TreeMap<>();
        long count = after.length / pageSize;
        for (long p = 1; p <= count; p++) {
            int from = (int) ((p - 1) * pageSize);
            int to = from + pageSize;
            if (to > before.length || !Arrays.equals(before, from, to, after, from, to)) {
                pages.put(p, Arrays.copyOfRange(after, from, to));
            }
        }
        return new Transaction(txid, timeOf(txid), count, pages);
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
