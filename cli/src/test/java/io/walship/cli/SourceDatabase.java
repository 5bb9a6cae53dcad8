package io.walship.cli;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentWriter;
import io.walship.replica.SnapshotWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.TreeMap;

/**
 * A real WAL-mode SQLite database (4096-byte pages) with six recorded transactions, and the means to write them as
 * replica objects the way the replicator does: after each commit a TRUNCATE checkpoint puts every page in the file,
 * and the pages that changed become the transaction. Transaction {@code n} committed at {@link #timeOf(long)}.
 */
final class SourceDatabase implements AutoCloseable {
    static final int PAGE_SIZE = 4096;
    static final Instant BASE = Instant.parse("2026-11-26T04:00:00Z");

    private record Transaction(long commitSize, TreeMap<Long, byte[]> pages) {
    }

    private final Path file;
    private final Connection conn;
    private final List<byte[]> states = new ArrayList<>();
    private final List<Transaction> transactions = new ArrayList<>();
    private Lineage lineage = Lineage.LEGACY;

    SourceDatabase(Path file) throws Exception {
        this.file = file;
        this.conn = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA page_size = " + PAGE_SIZE);
            s.execute("PRAGMA journal_mode = WAL");
        }
        commit("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)");
        commit("INSERT INTO t (v, b) VALUES ('one', randomblob(5000)), ('two', randomblob(5000))");
        commit("INSERT INTO t (v) VALUES ('three')");
        commit("DELETE FROM t WHERE b IS NOT NULL");
        commit("VACUUM");
        commit("UPDATE t SET v = 'last'");
    }

    /** Writes the following objects in format version 2 with {@code value}'s lineage, or version 1 for LEGACY. */
    SourceDatabase lineage(Lineage value) {
        this.lineage = value;
        return this;
    }

    static Instant timeOf(long txid) {
        return BASE.plusSeconds(10 * txid);
    }

    long latestTxid() {
        return states.size();
    }

    byte[] stateAt(long txid) {
        return states.get((int) txid - 1);
    }

    String writeSnapshot(ReplicaStorage storage, long txid) throws IOException {
        return writeSnapshot(storage, file.getParent(), txid, stateAt(txid), lineage);
    }

    /** Writes {@code state}, whole database bytes, as the snapshot at {@code txid} in format version 1. */
    static String writeSnapshot(ReplicaStorage storage, Path scratch, long txid, byte[] state) throws IOException {
        return writeSnapshot(storage, scratch, txid, state, Lineage.LEGACY);
    }

    @SuppressWarnings("deprecation")
    static String writeSnapshot(ReplicaStorage storage, Path scratch, long txid, byte[] state, Lineage lineage)
            throws IOException {
        long pages = state.length / PAGE_SIZE;
        ObjectHeader header = lineage.isLegacy()
                ? new ObjectHeader(ObjectKind.SNAPSHOT, PAGE_SIZE, pages, txid, txid, timeOf(txid), timeOf(txid),
                        SnapshotWriter.storedPages(pages, PAGE_SIZE))
                : ObjectHeader.snapshot(PAGE_SIZE, pages, txid, timeOf(txid), lineage, 0600);
        Path tmp = Files.createTempFile(scratch, "snapshot", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SnapshotWriter w = new SnapshotWriter(out, header);
            for (long p = 1; p <= pages; p++) {
                w.page(state, (int) ((p - 1) * PAGE_SIZE));
            }
            w.finish();
        }
        String key = ObjectKeys.of(header);
        storage.put(key, tmp);
        Files.delete(tmp);
        return key;
    }

    @SuppressWarnings("deprecation")
    String writeSegment(ReplicaStorage storage, long first, long last) throws IOException {
        long commitSize = transactions.get((int) last - 1).commitSize();
        ObjectHeader header = lineage.isLegacy()
                ? new ObjectHeader(ObjectKind.SEGMENT, PAGE_SIZE, commitSize, first, last, timeOf(first), timeOf(last),
                        last - first + 1)
                : ObjectHeader.segment(0, PAGE_SIZE, commitSize, first, last, timeOf(first), timeOf(last), lineage);
        Path tmp = Files.createTempFile(file.getParent(), "segment", ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            SegmentWriter w = new SegmentWriter(out, header);
            for (long t = first; t <= last; t++) {
                Transaction tx = transactions.get((int) t - 1);
                w.beginTransaction(t, timeOf(t).toEpochMilli(), tx.commitSize(), tx.pages().size());
                for (var e : tx.pages().entrySet()) {
                    w.page(e.getKey(), e.getValue(), 0);
                }
            }
            w.finish();
        }
        String key = ObjectKeys.of(header);
        storage.put(key, tmp);
        Files.delete(tmp);
        return key;
    }

    private void commit(String sql) throws Exception {
        try (Statement s = conn.createStatement()) {
            s.execute(sql);
            try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                rs.next();
                if (rs.getInt(1) != 0) {
                    throw new IllegalStateException("checkpoint was blocked");
                }
            }
        }
        byte[] before = states.isEmpty() ? new byte[0] : states.get(states.size() - 1);
        byte[] after = Files.readAllBytes(file);
        TreeMap<Long, byte[]> pages = new TreeMap<>();
        for (long p = 1; p <= after.length / PAGE_SIZE; p++) {
            int from = (int) ((p - 1) * PAGE_SIZE);
            int to = from + PAGE_SIZE;
            if (to > before.length || !Arrays.equals(before, from, to, after, from, to)) {
                pages.put(p, Arrays.copyOfRange(after, from, to));
            }
        }
        transactions.add(new Transaction(after.length / PAGE_SIZE, pages));
        states.add(after);
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
