package io.walship.replicator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.walship.config.ByteSize;
import io.walship.config.ReplicationSettings;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.LineagePolicy;
import io.walship.replicator.ReplicaTarget;
import io.walship.replicator.ReplicationEvents;
import io.walship.replicator.TestClock;
import io.walship.restore.RestoreTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * walship takes a snapshot only when continuity really cannot be proven, an idle database costs nothing per capture
 * cycle, and transaction times never go backwards. Every restore is compared with the app's own state.
 */
@Timeout(180)
class NoNeedlessSnapshotTest extends InProcessScenario {
    private final AtomicInteger snapshotEvents = new AtomicInteger();
    private final AtomicInteger capturedEvents = new AtomicInteger();
    private final ReplicationEvents events = new ReplicationEvents() {
        @Override
        public void snapshot(Path db, String reason, long bytes) {
            snapshotEvents.incrementAndGet();
        }

        @Override
        public void captured(Path db, long transactions, long bytes) {
            capturedEvents.incrementAndGet();
        }
    };

    NoNeedlessSnapshotTest() {
        super(5);
    }

    private static ReplicationSettings settings() {
        return ReplicationSettings.defaults().withSyncInterval(Duration.ZERO).withMonitorInterval(Duration.ofMillis(50));
    }

    @Test
    void theFirstTransactionOfANewWalRolledBackNeedsNoSnapshot() throws Exception {
        app.send("tx 30 10");
        // walship's own TRUNCATE restarts the WAL; the app's connection then starts the next WAL with salts of its own
        // choosing, and picks new ones again when that first transaction rolls back.
        start(settings().withCheckpointPages(100_000).withEmergencyWalSize(ByteSize.parse("64KiB")), Clock.systemUTC());
        awaitReplicated();
        awaitWalAtMost(64 * 1024);
        app.send("rollback-spill 400");
        app.send("tx 3 4");
        awaitReplicated();
        app.send("rollback-spill 400");
        app.send("tx 3 4");
        awaitReplicated();
        assertEquals(List.of(1L), history.snapshotTxids(), "continuity was provable throughout");
        history.forbidding("rrrr").verifyEveryTxid();
    }

    @Test
    void restartingWalshipOnAnIdleDatabaseWhoseWalSqliteRemovedNeedsNoSnapshot() throws Exception {
        app.send("tx 10 6");
        start(settings(), Clock.systemUTC());
        awaitReplicated();
        // The app closes its connection; when walship then stops, its own connection is the last one, and SQLite
        // checkpoints and removes the WAL.
        app.send("close");
        stop();
        assertTrue(!Files.exists(Path.of(db + "-wal")) || Files.size(Path.of(db + "-wal")) == 0, "SQLite removed the WAL");
        start(settings(), Clock.systemUTC());
        Thread.sleep(500);
        app.send("open");
        app.send("tx 5 6");
        awaitReplicated();
        stop();
        // Once more, with the app writing while walship is away: now continuity cannot be proven.
        app.send("tx 3 3");
        app.send("close");
        start(settings(), Clock.systemUTC());
        app.send("open");
        app.send("tx 2 3");
        awaitReplicated();
        List<Long> snaps = history.snapshotTxids();
        assertEquals(2, snaps.size(), "one snapshot at the start, one after the app wrote while walship was away: " + snaps);
        history.verifyEveryTxid();
    }

    @Test
    void anIdleDatabaseCostsNoSnapshotNoFsyncAndNoLogLinePerCycle() throws Exception {
        app.send("tx 5 4");
        ReplicaTarget target = new ReplicaTarget("r", storage, Duration.ZERO, Duration.ofMillis(300), Duration.ZERO,
                Duration.ofHours(1));
        replicator = new DatabaseReplicator(db, List.of(target), settings(), Clock.systemUTC(), events);
        replicator.start();
        awaitReplicated();
        app.send("tx 2 2");
        awaitReplicated();
        Thread.sleep(1_000);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        int snapshotsBefore = snapshotEvents.get();
        int capturesBefore = capturedEvents.get();
        long spoolBytes = replicator.spoolBytes();
        try {
            // 60 capture cycles of 50 ms, and ten snapshot intervals, with nothing to do.
            Thread.sleep(3_000);
        } finally {
            root.detachAppender(logs);
        }
        List<String> lines = new ArrayList<>();
        logs.list.stream().filter(e -> e.getLoggerName().startsWith("io.walship.replicator"))
                .forEach(e -> lines.add(e.getLevel() + " " + e.getFormattedMessage()));
        assertEquals(List.of(), lines, "an idle database logs nothing");
        assertEquals(snapshotsBefore, snapshotEvents.get(), "an idle database takes no snapshot");
        assertEquals(capturesBefore, capturedEvents.get(), "an idle database captures nothing");
        assertEquals(spoolBytes, replicator.spoolBytes(), "an idle database writes nothing to the spool");
        history.verifyEveryTxid();
    }

    @Test
    void transactionTimesNeverGoBackwardsAndTimestampRestoresStayRight() throws Exception {
        Instant t0 = Instant.parse("2026-06-01T12:00:00Z");
        TestClock clock = new TestClock(t0);
        app.send("tx 3 3");
        start(settings(), clock);
        awaitReplicated();
        clock.advance(Duration.ofMinutes(10));
        app.send("tx 3 3");
        awaitReplicated();
        long beforeStep = app.seq();
        // The wall clock steps back an hour: times recorded from now on must not fall below the last one.
        clock.advance(Duration.ofHours(-1));
        app.send("tx 3 3");
        awaitReplicated();
        // A lost spool: walship starts afresh and must continue after the replica's newest time, not from 1970.
        stop();
        deleteRecursively(DatabaseReplicator.defaultSpoolDir(db));
        clock.advance(Duration.ofMinutes(-30));
        start(settings(), clock, LineagePolicy.ADOPT);
        app.send("tx 2 3");
        awaitReplicated();
        List<Instant> times = objectTimes();
        for (int i = 1; i < times.size(); i++) {
            assertTrue(!times.get(i).isBefore(times.get(i - 1)), "times in txid order must not go back: " + times);
        }
        ExactHistory.State at = history.restore(new RestoreTarget.AtTime(t0.plus(Duration.ofMinutes(10))), "at-step");
        assertEquals(app.seq(), at.seq(), "every transaction after the step back carries the time before it, so a restore"
                + " at that time returns the latest one (state before the step was " + beforeStep + ")");
        ExactHistory.State early = history.restore(new RestoreTarget.AtTime(t0.plusSeconds(1)), "early");
        assertEquals(3, early.seq(), "a restore between the first and second batch returns the first batch");
        history.verifyEveryTxid();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private void start(ReplicationSettings settings, Clock clock) throws Exception {
        start(settings, clock, LineagePolicy.REFUSE);
    }

    private void start(ReplicationSettings settings, Clock clock, LineagePolicy policy) throws Exception {
        replicator = new DatabaseReplicator(db, List.of(ReplicaTarget.of("replica", storage, Duration.ZERO)), settings, clock,
                events);
        replicator.lineagePolicy(policy);
        replicator.start();
    }

    private void stop() throws InterruptedException {
        replicator.stop(Duration.ofSeconds(10));
        replicator = null;
    }

    /** The first and last transaction time of every object, in txid order. */
    private List<Instant> objectTimes() throws Exception {
        List<ObjectKeys.ObjectName> names = new ArrayList<>();
        for (var info : storage.list("")) {
            ObjectKeys.parse(info.key()).ifPresent(names::add);
        }
        names.sort((a, b) -> a.firstTxid() != b.firstTxid() ? Long.compare(a.firstTxid(), b.firstTxid())
                : Long.compare(a.lastTxid(), b.lastTxid()));
        List<Instant> times = new ArrayList<>();
        for (ObjectKeys.ObjectName n : names) {
            ObjectHeader h = ObjectHeader.decode(n.key(), storage.getRange(n.key(), 0, ObjectHeader.SIZE));
            times.add(h.firstTime());
            times.add(h.lastTime());
        }
        return times;
    }

    private void awaitWalAtMost(long bytes) throws Exception {
        Path wal = Path.of(db + "-wal");
        long deadline = System.currentTimeMillis() + 10_000;
        while (Files.exists(wal) && Files.size(wal) > bytes) {
            if (System.currentTimeMillis() > deadline) {
                fail("walship did not truncate the WAL (" + Files.size(wal) + " bytes)");
            }
            Thread.sleep(50);
        }
    }

    /** Waits until the replica's latest state is the app's latest transaction. */
    private void awaitReplicated() throws Exception {
        history.awaitReplicated(replicator, app::seq);
    }
}
