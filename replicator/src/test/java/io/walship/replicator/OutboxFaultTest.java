package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local I/O error while a segment is written into the outbox (a full disk, a failing device) must not lose the
 * batch: the shipper moves its confirmed spool position only after the upload, and a failure returns the reader to
 * it. An app commits transactions while scripted writes, forces, renames and folder syncs under the outbox fail; once
 * the faults stop, the replica's segments chain every txid without a hole or an overlap, and a restore at every txid
 * equals the app's state after the matching commit.
 */
@Timeout(120)
class OutboxFaultTest {
    /**
     * The outbox operations that fail, one at a time, each after the shipper recovered from the one before: a segment
     * file's write, its force, its rename into place, and the sync of the outbox folder. (Four per test: the shipper's
     * retry wait grows with each failure.)
     */
    private static final FaultyFileIo.Op[] FAILING = {
            FaultyFileIo.Op.WRITE, FaultyFileIo.Op.FORCE, FaultyFileIo.Op.MOVE, FaultyFileIo.Op.SYNC};

    @TempDir
    Path dir;

    @Test
    void aFullDiskUnderTheOutboxLosesNoBatch() throws Exception {
        scenario(FaultyFileIo.Kind.ENOSPC);
    }

    @Test
    void aFailingDeviceUnderTheOutboxLosesNoBatch() throws Exception {
        scenario(FaultyFileIo.Kind.EIO);
    }

    private void scenario(FaultyFileIo.Kind kind) throws Exception {
        Path db = dir.resolve("app.db");
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        Path outbox = DatabaseReplicator.defaultSpoolDir(db).resolve("outbox");
        AtomicReference<FaultyFileIo.Op> armed = new AtomicReference<>();
        FaultyFileIo io = FaultyFileIo.within(outbox, (n, op) -> op == armed.get() && armed.compareAndSet(op, null), kind);
        List<String> digests = new ArrayList<>();
        TreeMap<Long, String> rows = new TreeMap<>();
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement st = app.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
                st.execute("CREATE TABLE progress(k INTEGER PRIMARY KEY, tx INTEGER NOT NULL)");
                st.execute("INSERT INTO progress VALUES (0, 0)");
            }
            digests.add(digest(rows));
            app.setAutoCommit(false);
            ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ZERO)
                    .withMonitorInterval(Duration.ofMillis(20));
            DatabaseReplicator replicator = new DatabaseReplicator(db, storage, settings, Clock.systemUTC());
            replicator.fileIo(io);
            replicator.start();
            try {
                commitAndAwait(app, replicator, storage, digests, rows, 3);
                for (FaultyFileIo.Op op : FAILING) {
                    long failures = io.failures();
                    armed.set(op);
                    long deadline = System.currentTimeMillis() + 10_000;
                    // The app goes on committing while the shipper fails and retries.
                    while (io.failures() == failures && System.currentTimeMillis() < deadline) {
                        commit(app, digests.size(), rows);
                        digests.add(digest(rows));
                        Thread.sleep(50);
                    }
                    assertEquals(failures + 1, io.failures(), "an outbox " + op + " failed");
                    commitAndAwait(app, replicator, storage, digests, rows, 2);
                }
                assertNull(replicator.failure(), "an outbox I/O error is retried, not fatal");
            } finally {
                replicator.stop(Duration.ofSeconds(5));
            }
            // A restart uploads or removes what the failures left in the outbox without breaking the chain.
            replicator = new DatabaseReplicator(db, storage, settings, Clock.systemUTC());
            replicator.start();
            try {
                commitAndAwait(app, replicator, storage, digests, rows, 3);
            } finally {
                replicator.stop(Duration.ofSeconds(5));
            }
        }
        // Every segment's first and last txid (where a lost or doubled batch would show), and every third txid.
        TreeSet<Long> txids = chainOfTxids(storage);
        for (long t = txids.first(); t <= txids.last(); t += 3) {
            txids.add(t);
        }
        long previous = -1;
        for (long t : txids) {
            long seq = restoreAndCheck(storage, new RestoreTarget.AtTxid(t), "t" + t, digests);
            assertTrue(seq >= previous, "the app's sequence goes forward with the txid: txid " + t + " -> " + seq);
            previous = seq;
        }
        assertEquals(digests.size() - 1, previous, "the latest txid is the app's last commit");
    }

    private void commitAndAwait(Connection app, DatabaseReplicator replicator, FileReplicaStorage storage,
            List<String> digests, TreeMap<Long, String> rows, int commits) throws Exception {
        for (int i = 0; i < commits; i++) {
            commit(app, digests.size(), rows);
            digests.add(digest(rows));
        }
        awaitShipped(replicator, storage, digests.size() - 1);
    }

    /** Commit {@code i}: a new row of a few KiB (several pages) and a change to an older one. */
    private static void commit(Connection app, long i, TreeMap<Long, String> rows) throws Exception {
        String v = ("r" + i + "-").repeat(50 + (int) (i * 37 % 700));
        try (PreparedStatement ins = app.prepareStatement("INSERT INTO items VALUES (?, ?)");
             PreparedStatement upd = app.prepareStatement("UPDATE items SET v = ? WHERE id = ?");
             PreparedStatement prog = app.prepareStatement("UPDATE progress SET tx = ? WHERE k = 0")) {
            ins.setLong(1, i);
            ins.setString(2, v);
            ins.executeUpdate();
            rows.put(i, v);
            long older = i / 2;
            if (rows.containsKey(older)) {
                String w = "u" + i;
                upd.setString(1, w);
                upd.setLong(2, older);
                upd.executeUpdate();
                rows.put(older, w);
            }
            prog.setLong(1, i);
            prog.executeUpdate();
        }
        app.commit();
    }

    private static String digest(TreeMap<Long, String> rows) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        rows.forEach((id, v) -> md.update((id + "|" + v + "\n").getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(md.digest());
    }

    private void awaitShipped(DatabaseReplicator replicator, FileReplicaStorage storage, long lastSeq)
            throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            long captured = replicator.capturedTxid();
            if (captured > 0 && replicator.shippedTxid() == captured && latestTxid(storage) == captured) {
                Path out = dir.resolve("probe.db");
                Files.deleteIfExists(out);
                RestoreOutcome o = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out));
                if (o instanceof RestoreOutcome.Restored && progress(out) == lastSeq) {
                    Files.deleteIfExists(out);
                    return;
                }
            }
            Thread.sleep(50);
        }
        fail("the replica did not reach the app's commit " + lastSeq + " (captured " + replicator.capturedTxid()
                + ", shipped " + replicator.shippedTxid() + ", failure " + replicator.failure() + ")");
    }

    /**
     * Checks that the level-0 objects chain txid by txid from the first snapshot: each segment starts right after what
     * came before (no hole, no overlap), and a snapshot is of the last txid or the next one. Returns the txids where
     * objects begin and end.
     */
    private static TreeSet<Long> chainOfTxids(FileReplicaStorage storage) throws Exception {
        List<ObjectKeys.ObjectName> objects = storage.list("").stream().map(i -> ObjectKeys.parse(i.key()))
                .flatMap(Optional::stream).filter(o -> o.level() == 0)
                .sorted(Comparator.comparingLong(ObjectKeys.ObjectName::firstTxid)
                        .thenComparing(o -> o.kind() == ObjectKind.SEGMENT))
                .toList();
        assertEquals(ObjectKind.SNAPSHOT, objects.get(0).kind(), "the history starts with a snapshot: " + objects);
        long next = objects.get(0).firstTxid();
        TreeSet<Long> ends = new TreeSet<>();
        int segments = 0;
        for (ObjectKeys.ObjectName o : objects) {
            if (o.kind() == ObjectKind.SNAPSHOT) {
                assertTrue(o.firstTxid() == next || o.firstTxid() == next - 1, "snapshot " + o.key() + " after txid " + (next - 1));
            } else {
                segments++;
                assertEquals(next, o.firstTxid(), "segment " + o.key() + " continues the chain (no hole, no overlap)");
            }
            assertTrue(o.lastTxid() >= o.firstTxid(), o.key());
            ends.add(o.firstTxid());
            ends.add(o.lastTxid());
            next = o.lastTxid() + 1;
        }
        assertTrue(segments >= FAILING.length, "a segment at least per recovered failure: " + segments);
        return ends;
    }

    private static long latestTxid(FileReplicaStorage storage) throws Exception {
        return storage.list("").stream().map(i -> ObjectKeys.parse(i.key())).flatMap(Optional::stream)
                .mapToLong(ObjectKeys.ObjectName::lastTxid).max().orElse(0);
    }

    /** Restores {@code target}, checks its integrity and that it is the app's state after some commit; returns it. */
    private long restoreAndCheck(FileReplicaStorage storage, RestoreTarget target, String name, List<String> digests)
            throws Exception {
        Path out = dir.resolve("restore-" + name + ".db");
        Files.deleteIfExists(out);
        RestoreOutcome outcome = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out).withTarget(target));
        assertTrue(outcome instanceof RestoreOutcome.Restored, "restored " + name + ": " + outcome);
        long seq;
        TreeMap<Long, String> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1), "integrity of " + name);
            }
            try (ResultSet rs = st.executeQuery("SELECT tx FROM progress WHERE k = 0")) {
                assertTrue(rs.next(), name);
                seq = rs.getLong(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT id, v FROM items")) {
                while (rs.next()) {
                    rows.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        assertTrue(seq < digests.size(), name + " is past the app's last commit: " + seq);
        assertNotNull(digests.get((int) seq));
        assertEquals(digests.get((int) seq), digest(rows), "restored " + name + " equals the app after its commit " + seq);
        Files.deleteIfExists(out);
        return seq;
    }

    private static long progress(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT tx FROM progress WHERE k = 0")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
