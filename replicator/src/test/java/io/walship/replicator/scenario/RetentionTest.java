package io.walship.replicator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.TestClock;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot interval and retention under an injected clock: six simulated hours of writes with hourly snapshots and a
 * two-hour window. Afterwards objects wholly before the window are gone, the newest snapshot stays, and every point
 * inside the window restores to exactly the app's state at that time.
 */
@Timeout(180)
class RetentionTest {
    @TempDir
    Path dir;

    @Test
    void objectsOutsideTheWindowGoAndEveryPointInsideStaysRestorable() throws Exception {
        Path db = dir.resolve("app.db");
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
        Duration window = Duration.ofHours(2);
        ReplicaTarget target = new ReplicaTarget("r", storage, Duration.ZERO, Duration.ofHours(1), window, Duration.ofMinutes(5));
        ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ZERO)
                .withMonitorInterval(Duration.ofMillis(50)).withCheckpointPages(100);
        TreeMap<Instant, Long> appSeqAt = new TreeMap<>();
        try (InteractiveApp app = new InteractiveApp(db, dir, 3)) {
            DatabaseReplicator replicator = new DatabaseReplicator(db, List.of(target), settings, clock);
            replicator.start();
            try {
                // Every 10 simulated minutes the app commits a few transactions; walship sees them at that clock time.
                for (int step = 0; step < 36; step++) {
                    app.send("tx 2");
                    awaitCaptured(replicator, app);
                    appSeqAt.put(clock.instant(), app.seq());
                    clock.advance(Duration.ofMinutes(10));
                    Thread.sleep(30);
                }
                awaitCaptured(replicator, app);
                // Let the shipper pass its retention check at the final time: until then snapshots older than the
                // newest one at or before the window start may remain.
                Instant windowStart = clock.instant().minus(window);
                long deadline = System.currentTimeMillis() + 20_000;
                while (System.currentTimeMillis() < deadline && olderThanAnchorRemain(storage, windowStart)) {
                    Thread.sleep(100);
                }
            } finally {
                replicator.stop(Duration.ofSeconds(5));
            }
            Instant end = clock.instant();
            Instant windowStart = end.minus(window);

            // What is left: the anchor snapshot (newest at or before the window start) and everything after it.
            List<Long> snapshots = new ArrayList<>();
            long anchor = -1;
            for (var info : storage.list(ObjectKeys.SNAPSHOTS)) {
                var name = ObjectKeys.parse(info.key()).orElseThrow();
                snapshots.add(name.firstTxid());
                Instant t = ObjectHeader.decode(info.key(), storage.getRange(info.key(), 0, ObjectHeader.SIZE)).lastTime();
                if (!t.isAfter(windowStart)) {
                    anchor = Math.max(anchor, name.firstTxid());
                }
            }
            assertTrue(snapshots.size() >= 2, "hourly snapshots were taken: " + snapshots);
            assertTrue(anchor > 0, "a snapshot at or before the window start anchors it: " + snapshots);
            long anchorTxid = anchor;
            assertTrue(snapshots.stream().allMatch(t -> t >= anchorTxid), "no snapshot older than the anchor: " + snapshots);
            assertTrue(oldestSnapshotTime(storage).isBefore(windowStart.minus(Duration.ofMinutes(50))) == false,
                    "the anchor is the newest snapshot before the window, not an older one");
            for (var info : storage.list(ObjectKeys.SEGMENTS)) {
                var name = ObjectKeys.parse(info.key()).orElseThrow();
                assertTrue(name.lastTxid() > anchorTxid, "segment " + info.key() + " ends before the anchor " + anchorTxid);
            }

            // Every recorded point inside the window restores to the app's state then.
            Restorer restorer = new Restorer(storage, clock);
            int checked = 0;
            for (var e : appSeqAt.tailMap(windowStart, true).entrySet()) {
                Path out = dir.resolve("at-" + checked + ".db");
                restorer.restore(RestoreRequest.to(out).withTarget(new RestoreTarget.AtTime(e.getKey())));
                assertEquals(e.getValue(), progress(out), "state at " + e.getKey());
                assertEquals(app.digest(e.getValue()), Digests.items(out), "digest at " + e.getKey());
                Files.delete(out);
                checked++;
            }
            assertTrue(checked >= 12, "points checked inside the window: " + checked);
            // A time well before the window is no longer restorable.
            Optional<Instant> early = appSeqAt.keySet().stream().findFirst();
            Path tooOld = dir.resolve("too-old.db");
            assertThrows(RestoreException.class,
                    () -> restorer.restore(RestoreRequest.to(tooOld).withTarget(new RestoreTarget.AtTime(early.orElseThrow()))));
            assertFalse(Files.exists(tooOld));
        }
    }

    /** Whether a snapshot older than the newest one taken at or before {@code windowStart} is still in the replica. */
    private static boolean olderThanAnchorRemain(FileReplicaStorage storage, Instant windowStart) throws Exception {
        long anchor = -1;
        long oldest = Long.MAX_VALUE;
        for (var info : storage.list(ObjectKeys.SNAPSHOTS)) {
            var name = ObjectKeys.parse(info.key());
            if (name.isEmpty()) {
                continue;
            }
            oldest = Math.min(oldest, name.get().firstTxid());
            Instant t = ObjectHeader.decode(info.key(), storage.getRange(info.key(), 0, ObjectHeader.SIZE)).lastTime();
            if (!t.isAfter(windowStart)) {
                anchor = Math.max(anchor, name.get().firstTxid());
            }
        }
        return anchor > 0 && oldest < anchor;
    }

    private static Instant oldestSnapshotTime(FileReplicaStorage storage) throws Exception {
        Instant oldest = Instant.MAX;
        for (var info : storage.list(ObjectKeys.SNAPSHOTS)) {
            if (ObjectKeys.parse(info.key()).map(n -> n.kind() == ObjectKind.SNAPSHOT).orElse(false)) {
                Instant t = ObjectHeader.decode(info.key(), storage.getRange(info.key(), 0, ObjectHeader.SIZE)).lastTime();
                oldest = t.isBefore(oldest) ? t : oldest;
            }
        }
        return oldest;
    }

    private static void awaitCaptured(DatabaseReplicator r, InteractiveApp app) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (r.capturedTxid() > 0 && r.shippedTxid() == r.capturedTxid() && lastCapturedSeq(r, app)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("walship did not capture app transaction " + app.seq());
    }

    /** Whether capture has caught up with the app: the WAL holds nothing walship has not captured. */
    private static boolean lastCapturedSeq(DatabaseReplicator r, InteractiveApp app) throws Exception {
        long before = r.capturedTxid();
        Thread.sleep(80);
        return r.capturedTxid() == before && r.shippedTxid() == before;
    }

    private static long progress(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT tx FROM progress WHERE k = 0")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
