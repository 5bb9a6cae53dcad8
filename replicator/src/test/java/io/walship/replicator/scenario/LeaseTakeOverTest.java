package io.walship.replicator.scenario;

import static io.walship.replicator.ReplicatorAwait.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.CompactionSettings;
import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.LineagePolicy;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.TestClock;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two copies of one database, restored from one backup, replicated to the path they came from (same lineage): the
 * second waits for the first one's lease. The first uploads again within its lease without renewing it, then goes
 * idle until the lease expires. The second must not take the lease over and continue from the position it saw at
 * start: the replica moved meanwhile, and its snapshot would land in the middle of the first one's segments, making
 * every later txid restore a database equal to neither copy. It stops that replica with an error instead; the first
 * goes on, and every txid restores exactly the state of the copy that wrote it.
 */
@Timeout(120)
class LeaseTakeOverTest {
    @TempDir
    Path dir;

    private static ReplicationSettings settings() {
        return ReplicationSettings.defaults().withSyncInterval(Duration.ZERO).withMonitorInterval(Duration.ofMillis(50));
    }

    @Test
    void aWaitingWriterDoesNotTakeOverAnExpiredLeaseWhenTheReplicaMoved() throws Exception {
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        TestClock clock = new TestClock(Instant.parse("2026-11-30T12:00:00Z"));
        Path db0 = dir.resolve("original.db");
        long originalSeq;
        String[] originalDigests;
        try (InteractiveApp app0 = new InteractiveApp(db0, Files.createDirectories(dir.resolve("app0")), 1)) {
            app0.send("tx 5");
            replicateAndStop(db0, storage, clock);
            originalSeq = app0.seq();
            originalDigests = new String[(int) originalSeq + 1];
            for (int i = 0; i <= originalSeq; i++) {
                originalDigests[i] = app0.digest(i);
            }
        }
        Path copy1 = dir.resolve("copy1.db");
        Path copy2 = dir.resolve("copy2.db");
        for (Path copy : List.of(copy1, copy2)) {
            RestoreOutcome o = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(copy));
            assertTrue(o instanceof RestoreOutcome.Restored, "restored: " + o);
        }

        try (InteractiveApp app1 = new InteractiveApp(copy1, Files.createDirectories(dir.resolve("app1")), 11);
             InteractiveApp app2 = new InteractiveApp(copy2, Files.createDirectories(dir.resolve("app2")), 12)) {
            DatabaseReplicator ra = replicator(copy1, storage, clock);
            DatabaseReplicator rb = replicator(copy2, storage, clock);
            try {
                // The first copy continues the lineage (its spool was never there: -adopt-lineage).
                ra.start();
                app1.send("tx 3");
                await(() -> ra.capturedTxid() > 0 && ra.shippedTxid() == ra.capturedTxid(), "copy 1 replicated", ra);
                long seenByB = ra.shippedTxid();
                app2.send("tx 3");
                rb.start();
                await(() -> waiting(rb), "copy 2 waits for copy 1's lease", rb);
                assertEquals(seenByB, rb.replicas().get(0).shippedTxid(), "copy 2 saw the replica at copy 1's position");

                // Copy 1 uploads within its lease (no renewal is due), then goes idle past the lease's expiry. The wait
                // is for all three transactions in the replica: shipped == captured also holds after capture saw only
                // the first, and an upload of the other two after the clock's jump would renew the lease (a CI run
                // failed so, with "written by another walship" instead of the reason under test).
                app1.send("tx 3");
                await(() -> ra.shippedTxid() == ra.capturedTxid() && app1.seq() == restoredSeq(storage),
                        "copy 1 shipped again", ra);
                clock.advance(Duration.ofSeconds(31));
                await(() -> rb.replicas().get(0).failure() != null || rb.replicas().get(0).shippedTxid() > seenByB,
                        "copy 2 decides", rb);
                String failure = rb.replicas().get(0).failure();
                assertNotNull(failure, "copy 2 must not write the replica: it shipped up to "
                        + rb.replicas().get(0).shippedTxid());
                assertTrue(failure.contains("wrote it while this one waited for the writer's lease"), failure);
                assertEquals(seenByB, rb.replicas().get(0).shippedTxid());

                // Copy 1 keeps the path.
                app1.send("tx 2");
                await(() -> ra.shippedTxid() == ra.capturedTxid() && app1.seq() == restoredSeq(storage), "copy 1 goes on", ra);
                assertNull(ra.replicas().get(0).failure());
            } finally {
                ra.stop(Duration.ofSeconds(5));
                rb.stop(Duration.ofSeconds(5));
            }

            // Every snapshot is the original's or copy 1's, and every txid restores exactly one of their states.
            List<Long> snapshots = storage.list(ObjectKeys.SNAPSHOTS).stream().map(i -> ObjectKeys.parse(i.key()))
                    .filter(o -> o.isPresent() && o.get().kind() == ObjectKind.SNAPSHOT).map(o -> o.get().firstTxid())
                    .sorted().toList();
            assertEquals(2, snapshots.size(), "the original's first snapshot and copy 1's continuity snapshot: " + snapshots);
            long latest = storage.list("").stream().map(i -> ObjectKeys.parse(i.key())).filter(java.util.Optional::isPresent)
                    .mapToLong(o -> o.get().lastTxid()).max().orElseThrow();
            for (long t = 1; t <= latest; t++) {
                State s = restore(storage, new RestoreTarget.AtTxid(t), dir.resolve("check.db"));
                String expected = s.seq <= originalSeq ? originalDigests[(int) s.seq] : app1.digest(s.seq);
                assertEquals(expected, s.digest, "txid " + t + " restores app state " + s.seq + " of copy 1 (or the original)");
                assertTrue(s.seq <= originalSeq || !s.digest.equals(app2.digest(s.seq)), "copy 2's state differs");
            }
        }
    }

    /**
     * Two copies restored from one backup, each continuing the backup's lineage (-restore-if-db-not-exists): the
     * first writes txids N+1..N+3 and stops cleanly (its lease released). The second had captured N+1..N+5 of its own
     * before it first listed the path (the replica did not answer at once), so it sees the replica at N+3, behind its
     * spool, and nothing in the txids tells the two histories apart. Its N+3 was captured at another moment than the
     * first copy's, which the key of the replica's last object names: it must stop, not upload its N+4 on top of the
     * first copy's N+3.
     */
    @Test
    void aCopyWhoseSpoolIsAheadDoesNotContinueTheOtherCopysTxids() throws Exception {
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        Clock clock = Clock.systemUTC();
        Path db0 = dir.resolve("original.db");
        try (InteractiveApp app0 = new InteractiveApp(db0, Files.createDirectories(dir.resolve("app0")), 1)) {
            app0.send("tx 5");
            replicateAndStop(db0, storage, clock);
        }
        Path copy1 = dir.resolve("copy1.db");
        Path copy2 = dir.resolve("copy2.db");
        io.walship.restore.RestoreResult backup = null;
        for (Path copy : List.of(copy1, copy2)) {
            RestoreOutcome o = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(copy));
            backup = ((RestoreOutcome.Restored) o).result();
        }
        long n = backup.txid();

        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        try (InteractiveApp app1 = new InteractiveApp(copy1, Files.createDirectories(dir.resolve("app1")), 11);
             InteractiveApp app2 = new InteractiveApp(copy2, Files.createDirectories(dir.resolve("app2")), 12)) {
            DatabaseReplicator ra = seeded(copy1, storage, backup);
            DatabaseReplicator rb = seeded(copy2, new SlowToAnswer(storage, answer), backup);
            try {
                ra.start();
                app1.send("tx 3");
                await(() -> ra.shippedTxid() == n + 3, "copy 1 shipped N+1..N+3", ra);
                assertTrue(ra.stop(Duration.ofSeconds(10)).unshipped().isEmpty());

                rb.start();
                app2.send("tx 5");
                await(() -> rb.capturedTxid() >= n + 5, "copy 2 captured N+1..N+5 before its replica answered", rb);
                answer.countDown();
                await(() -> rb.replicas().get(0).failure() != null || rb.replicas().get(0).shippedTxid() > n + 3,
                        "copy 2 decides", rb);
                String failure = rb.replicas().get(0).failure();
                assertNotNull(failure, "copy 2 must not continue copy 1's txids: it shipped up to "
                        + rb.replicas().get(0).shippedTxid());
                assertTrue(failure.contains("but this spool captured its txid " + (n + 3)), failure);
            } finally {
                if (ra.mode() == DatabaseReplicator.Mode.RUNNING) {
                    ra.stop(Duration.ofSeconds(5));
                }
                rb.stop(Duration.ofSeconds(5));
            }
            long latest = storage.list("").stream().map(i -> ObjectKeys.parse(i.key())).filter(java.util.Optional::isPresent)
                    .mapToLong(o -> o.get().lastTxid()).max().orElseThrow();
            assertEquals(n + 3, latest, "nothing of copy 2 reached the replica");
            for (long t = n + 1; t <= latest; t++) {
                State s = restore(storage, new RestoreTarget.AtTxid(t), dir.resolve("check.db"));
                assertEquals(app1.digest(s.seq), s.digest, "txid " + t + " restores copy 1's state " + s.seq);
            }
        }
    }

    /** A replicator that continues the restored backup's history, as -restore-if-db-not-exists makes it. */
    private static DatabaseReplicator seeded(Path db, io.walship.replica.ReplicaStorage storage,
                                             io.walship.restore.RestoreResult backup) throws Exception {
        DatabaseReplicator r = new DatabaseReplicator(db, List.of(ReplicaTarget.of("shared", storage, Duration.ZERO)),
                settings(), Clock.systemUTC());
        r.continueFromRestore(backup.txid(), backup.time(), backup.pages(), backup.pageSize(), backup.lineage().id());
        return r;
    }

    /** The shared folder, whose listings wait until the test lets them through (a replica that answers late). */
    private static final class SlowToAnswer implements io.walship.replica.ReplicaStorage {
        private final io.walship.replica.ReplicaStorage inner;
        private final java.util.concurrent.CountDownLatch answer;

        SlowToAnswer(io.walship.replica.ReplicaStorage inner, java.util.concurrent.CountDownLatch answer) {
            this.inner = inner;
            this.answer = answer;
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void put(String key, Path source) throws java.io.IOException {
            inner.put(key, source);
        }

        @Override
        public java.io.InputStream get(String key, long offset) throws java.io.IOException {
            return inner.get(key, offset);
        }

        @Override
        public byte[] getRange(String key, long offset, int length) throws java.io.IOException {
            return inner.getRange(key, offset, length);
        }

        @Override
        public List<io.walship.replica.ObjectInfo> list(String prefix) throws java.io.IOException {
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
            return inner.list(prefix);
        }

        @Override
        public void delete(java.util.Collection<String> keys) throws java.io.IOException {
            inner.delete(keys);
        }
    }

    /** Replicates the original database until everything it captured is shipped, then stops its replicator. */
    private static void replicateAndStop(Path db0, FileReplicaStorage storage, Clock clock) throws Exception {
        DatabaseReplicator r0 = replicator(db0, storage, clock);
        r0.start();
        await(() -> r0.capturedTxid() > 0 && r0.shippedTxid() == r0.capturedTxid(), "the original replicated", r0);
        assertTrue(r0.stop(Duration.ofSeconds(10)).unshipped().isEmpty());
    }

    private static DatabaseReplicator replicator(Path db, FileReplicaStorage storage, Clock clock) {
        // Without compaction: the clock jumps past the first compaction level (30 s), and copy 1's compactor would then
        // upload a merged segment and renew the lease, which is not the idle writer these scenarios need (copy 2 then
        // refuses, rightly, with "written by another walship" instead of the reason under test).
        DatabaseReplicator r = new DatabaseReplicator(db, List.of(ReplicaTarget.of("shared", storage, Duration.ZERO)
                .withCompaction(CompactionSettings.off())), settings(), clock);
        r.lineagePolicy(LineagePolicy.ADOPT);
        return r;
    }

    private static boolean waiting(DatabaseReplicator r) {
        String e = r.replicas().isEmpty() ? null : r.replicas().get(0).lastError();
        return e != null && e.contains("waiting for the lease");
    }

    private long restoredSeq(FileReplicaStorage storage) throws Exception {
        return restore(storage, new RestoreTarget.Latest(), dir.resolve("probe.db")).seq;
    }

    private record State(long seq, String digest) {
    }

    private static State restore(FileReplicaStorage storage, RestoreTarget target, Path out) throws Exception {
        Files.deleteIfExists(out);
        RestoreOutcome outcome = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out).withTarget(target));
        assertTrue(outcome instanceof RestoreOutcome.Restored, "restored: " + outcome);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
            long seq = 0;
            try (ResultSet rs = st.executeQuery("SELECT tx FROM progress WHERE k = 0")) {
                if (rs.next()) {
                    seq = rs.getLong(1);
                }
            }
            var md = java.security.MessageDigest.getInstance("SHA-256");
            try (ResultSet rs = st.executeQuery("SELECT id, v, n FROM items ORDER BY id")) {
                while (rs.next()) {
                    md.update((rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getLong(3) + "\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return new State(seq, HexFormat.of().formatHex(md.digest()));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
