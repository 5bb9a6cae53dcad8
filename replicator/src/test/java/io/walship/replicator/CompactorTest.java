package io.walship.replicator;

import static io.walship.replicator.SyntheticHistory.BASE;
import static io.walship.replicator.SyntheticHistory.LINEAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.CompactionSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The compactor against a real folder replica: which segments it merges and when, that a merged segment holds every
 * transaction of its inputs exactly, that inputs go only after the input retention, and that a crash or a failure at
 * any step leaves a replica that restores every txid, which a restarted compactor then finishes.
 *
 * <p>The history: a snapshot at txid 1 (at {@link SyntheticHistory#BASE}), then one transaction a second, shipped two
 * to a level-0 segment, so segment {@code k} holds txids {@code 2k+2, 2k+3}, its first one committed at second
 * {@code 2k+1}. Levels of 10 s and 1 min: level-1 windows end every 10 s, and settle 1 s later; the level-2 window
 * [0 s, 60 s) settles at 66 s.
 */
class CompactorTest {
    private static final CompactionSettings SETTINGS = new CompactionSettings(
            List.of(Duration.ofSeconds(10), Duration.ofMinutes(1)), Duration.ofSeconds(30));

    @TempDir
    Path dir;

    private FaultyStorage storage;
    private SyntheticHistory history;
    private TestClock clock;
    /** The load's ticker, in nanoseconds: moved by the tests, never by time passing. */
    private final AtomicLong ticker = new AtomicLong();
    private final ReplicationLoad load = new ReplicationLoad(ticker::get);

    @BeforeEach
    void setUp() throws IOException {
        storage = new FaultyStorage(new FileReplicaStorage(dir.resolve("replica")));
        history = new SyntheticHistory(Files.createDirectory(dir.resolve("scratch")));
        clock = new TestClock(BASE);
    }

    private Compactor compactor() {
        return compactor(SETTINGS, CompactionPlan.MAX_MERGE_BYTES);
    }

    private Compactor compactor(CompactionSettings settings, long maxMergeBytes) {
        return new Compactor(storage, "app.db -> test", clock, settings, dir.resolve("outbox"), LINEAGE::id, () -> {
        }, load, maxMergeBytes);
    }

    private static Instant at(double seconds) {
        return BASE.plusMillis((long) (seconds * 1000));
    }

    /** The snapshot at txid 1 and {@code segments} level-0 segments of two transactions, one transaction a second. */
    private List<String> ship(int segments) throws IOException {
        history.commit(BASE);
        history.writeSnapshot(storage, 1, BASE);
        return shipMore(segments, 1);
    }

    private List<String> shipMore(int segments, int fromSecond) throws IOException {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < segments; k++) {
            long a = history.commit(at(fromSecond + 2 * k));
            long b = history.commit(at(fromSecond + 2 * k + 1));
            keys.add(history.writeSegment(storage, a, b));
        }
        return keys;
    }

    private static String segment(int level, long first, long last) {
        // Transaction t of ship() committed at second t - 1.
        return ObjectKeys.segment(level, first, last, at(first - 1), at(last - 1), LINEAGE);
    }

    private List<String> segmentKeys() throws IOException {
        return SyntheticHistory.segments(storage).stream().map(ObjectKeys.ObjectName::key).toList();
    }

    /** Runs passes, moving the clock to each due time, until nothing is due. */
    private void runUntilQuiet(Compactor c) throws IOException {
        for (int i = 0; i < 20; i++) {
            Compactor.Pass p = c.runPass();
            Optional<Instant> due = p.nextDue();
            if (due.isEmpty()) {
                return;
            }
            if (due.get().isAfter(clock.instant())) {
                clock.set(due.get());
            }
        }
        throw new AssertionError("compaction did not settle");
    }

    /**
     * When the longer level's window has ended too, its segments go straight into that level (one merge, not one per
     * shorter window first); the merged segment holds every transaction as committed, and its inputs stay until the
     * input retention has passed.
     */
    @Test
    void aWindowThatEndedBecomesOneSegmentHoldingEveryTransaction() throws IOException {
        List<String> shipped = ship(30);
        clock.set(at(67));
        Compactor c = compactor();

        Compactor.Pass pass = c.runPass();
        assertEquals(List.of(segment(2, 2, 61)), pass.written());
        assertEquals(List.of(), pass.deleted());
        assertEquals(Optional.of(at(97)), pass.nextDue(), "the inputs are due for deletion after 30 s");
        assertEquals(31, segmentKeys().size(), "the inputs stay while a restore may still read them");
        history.assertRestoresEveryTxid(storage);

        clock.set(at(96.999));
        assertEquals(List.of(), c.runPass().deleted(), "not before the input retention has passed");
        clock.set(at(97));
        pass = c.runPass();
        assertEquals(shipped.stream().sorted().toList(), pass.deleted().stream().sorted().toList());
        assertEquals(List.of(segment(2, 2, 61)), segmentKeys());
        assertEquals(Optional.empty(), pass.nextDue(), "nothing left to do");
        history.assertRestoresEveryTxid(storage);
    }

    /** Level 1 merges its windows as they end; level 2 later merges those and what came after, into one. */
    @Test
    void levelsBuildOnEachOther() throws IOException {
        ship(30);
        clock.set(at(25));
        Compactor c = compactor();

        Compactor.Pass pass = c.runPass();
        assertEquals(List.of(segment(1, 2, 11), segment(1, 12, 21)), pass.written(),
                "the windows [0 s, 10 s) and [10 s, 20 s) ended");
        assertEquals(Optional.of(at(31)), pass.nextDue(), "the window [20 s, 30 s) settles at 31 s");
        history.assertRestoresEveryTxid(storage);

        clock.set(at(67));
        pass = c.runPass();
        assertEquals(List.of(segment(2, 2, 61)), pass.written());
        assertEquals(10, pass.deleted().size(), "the level-0 inputs of the level-1 segments, written 30 s ago");
        history.assertRestoresEveryTxid(storage);

        clock.set(at(97));
        pass = c.runPass();
        assertEquals(22, pass.deleted().size(), "the two level-1 segments and the 20 level-0 ones after them");
        assertEquals(List.of(segment(2, 2, 61)), segmentKeys());
        history.assertRestoresEveryTxid(storage);
    }

    /** A window is merged only after it ends, and only when it holds at least two segments: a copy gains nothing. */
    @Test
    void openWindowsAndLoneSegmentsStayAsTheyAre() throws IOException {
        history.commit(BASE);
        history.writeSnapshot(storage, 1, BASE);
        shipMore(1, 1);
        shipMore(1, 21);
        shipMore(1, 41);
        Compactor c = compactor();

        clock.set(at(10.5));
        Compactor.Pass pass = c.runPass();
        assertEquals(List.of(), pass.written());
        assertEquals(Optional.of(at(66)), pass.nextDue(), "only the level-2 window holds more than one segment");

        clock.set(at(65));
        assertEquals(List.of(), c.runPass().written(), "each level-1 window holds one segment");
        clock.set(at(66));
        assertEquals(List.of(ObjectKeys.segment(2, 2, 7, at(1), at(42), LINEAGE)), c.runPass().written());
        history.assertRestoresEveryTxid(storage);
    }

    /** A snapshot that starts a new chain holds a txid no segment holds: no merged segment spans it. */
    @Test
    void aTxidNoSegmentHoldsEndsARun() throws IOException {
        ship(3);
        long gap = history.breakContinuity();
        history.writeSnapshot(storage, gap, at(6.5));
        long a = history.commit(at(7));
        long b = history.commit(at(8));
        history.writeSegment(storage, a, b);
        long d = history.commit(at(9));
        long e = history.commit(at(9.5));
        history.writeSegment(storage, d, e);
        clock.set(at(12));

        Compactor.Pass pass = compactor().runPass();
        assertEquals(List.of(segment(1, 2, 7), ObjectKeys.segment(1, a, e, at(7), at(9.5), LINEAGE)), pass.written());
        history.assertRestoresEveryTxid(storage);
    }

    /** Where a crash can stop a pass. */
    enum CrashPoint {
        LIST, LAST_HEADER, INPUT_HALFWAY, BEFORE_PUT, AFTER_PUT, BEFORE_DELETE, DELETE_HALFWAY
    }

    /**
     * The process dies at each step of a pass (the storage throws an error nothing handles); the replica still restores
     * every txid, and a new compactor (as after a restart, remembering nothing) finishes the job: one segment of level
     * 2, inputs deleted after the retention.
     */
    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void aCrashAtAnyStepLeavesEveryTxidRestorable(CrashPoint point) throws IOException {
        List<String> shipped = ship(30);
        clock.set(at(67));
        Compactor first = compactor();
        String merged = segment(2, 2, 61);
        if (point == CrashPoint.BEFORE_DELETE || point == CrashPoint.DELETE_HALFWAY) {
            assertEquals(List.of(merged), first.runPass().written());
            clock.set(at(97));
        }
        switch (point) {
            case LIST -> storage.failNext(FaultyStorage.Op.LIST, k -> true, FaultyStorage.When.BEFORE, true);
            case LAST_HEADER -> storage.failNext(FaultyStorage.Op.GET_RANGE, k -> true, FaultyStorage.When.BEFORE, true);
            case INPUT_HALFWAY -> storage.failNext(FaultyStorage.Op.GET, shipped.get(2)::equals,
                    FaultyStorage.When.AFTER, true);
            case BEFORE_PUT -> storage.failNext(FaultyStorage.Op.PUT, merged::equals, FaultyStorage.When.BEFORE, true);
            case AFTER_PUT -> storage.failNext(FaultyStorage.Op.PUT, merged::equals, FaultyStorage.When.AFTER, true);
            case BEFORE_DELETE -> storage.failNext(FaultyStorage.Op.DELETE, k -> true, FaultyStorage.When.BEFORE, true);
            case DELETE_HALFWAY -> storage.failNext(FaultyStorage.Op.DELETE, k -> true, FaultyStorage.When.AFTER, true);
        }
        assertThrows(FaultyStorage.Crash.class, first::runPass);
        history.assertRestoresEveryTxid(storage);
        List<String> left = segmentKeys();
        assertEquals(point == CrashPoint.AFTER_PUT || point == CrashPoint.BEFORE_DELETE
                || point == CrashPoint.DELETE_HALFWAY, left.contains(merged), "merged segment after the crash: " + left);

        Compactor restarted = compactor();
        runUntilQuiet(restarted);
        assertEquals(List.of(merged), segmentKeys());
        history.assertRestoresEveryTxid(storage);
    }

    /** An upload whose answer is lost is repeated with the very same key and bytes, never replaced by another merge. */
    @Test
    void anUploadWhoseOutcomeIsUnknownIsRepeated() throws IOException {
        ship(30);
        clock.set(at(67));
        String merged = segment(2, 2, 61);
        storage.failNext(FaultyStorage.Op.PUT, merged::equals, FaultyStorage.When.AFTER, false);

        Compactor.Pass pass = compactor().runPass();
        assertEquals(List.of(merged), pass.written());
        assertEquals(List.of(merged, merged), storage.requests().stream()
                .filter(r -> r.op() == FaultyStorage.Op.PUT && r.key().startsWith("segments/02/"))
                .map(FaultyStorage.Request::key).toList());
        history.assertRestoresEveryTxid(storage);
    }

    /**
     * A corrupt input is never merged and never deleted: the merge that met it is dropped, the segments around it are
     * merged without it, and it stays for 'walship verify' to report and an operator to decide about.
     */
    @Test
    void aCorruptSegmentIsNeverMergedOrDeleted() throws IOException {
        List<String> shipped = ship(30);
        String bad = shipped.get(2);
        Path file = dir.resolve("replica").resolve(bad);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), Files.size(file) / 2);
        }
        clock.set(at(67));
        Compactor c = compactor();

        Compactor.Pass pass = c.runPass();
        assertEquals(List.of(), pass.written(), "the merge that met the corrupt segment is given up");
        assertEquals(Optional.of(at(67)), pass.nextDue(), "and planned again at once, without it");
        pass = c.runPass();
        assertEquals(List.of(segment(2, 2, 5), segment(2, 8, 61)), pass.written());
        history.assertRestoresEveryTxid(storage, Set.of(bad));

        clock.set(at(97));
        c.runPass();
        assertEquals(List.of(segment(2, 2, 5), bad, segment(2, 8, 61)), segmentKeys());
        try (Stream<Path> files = Files.list(dir.resolve("outbox"))) {
            assertEquals(0, files.count(), "no temporary file is left behind");
        }
    }

    /** Segments of one lineage that already overlap need an operator: nothing is merged or deleted. */
    @Test
    void overlappingSegmentsStopCompaction() throws IOException {
        ship(30);
        history.writeSegment(storage, 3, 4);
        clock.set(at(67));

        Compactor.Pass pass = compactor().runPass();
        assertEquals(List.of(), pass.written());
        assertEquals(List.of(), pass.deleted());
        assertEquals(31, segmentKeys().size());
    }

    /** A merged segment stays within the size bound: a long window becomes several segments of its level. */
    @Test
    void aMergeStaysWithinItsSizeBound() throws IOException {
        ship(30);
        long size = Files.size(dir.resolve("replica").resolve(segmentKeys().get(0)));
        clock.set(at(67));

        Compactor c = compactor(SETTINGS, 12 * size);
        runUntilQuiet(c);
        List<ObjectKeys.ObjectName> left = SyntheticHistory.segments(storage);
        assertTrue(left.size() >= 3 && left.stream().allMatch(s -> s.level() == 2), left.toString());
        history.assertRestoresEveryTxid(storage);
    }

    /**
     * Retention leaves the segments a compacted one holds to the compactor, which deletes them after the input
     * retention; without that, a retention check right after a merge would delete what a running restore reads.
     */
    @Test
    void retentionLeavesCompactedInputsToTheCompactor() throws IOException {
        List<String> shipped = ship(30);
        clock.set(at(67));
        compactor().runPass();

        Retention retention = new Retention(storage, Duration.ofSeconds(30), LINEAGE::id);
        assertEquals(List.of(), retention.enforce(at(67)), "every segment is after the only snapshot");
        assertTrue(segmentKeys().containsAll(shipped));
    }

    /**
     * The thread: started with the shipper's listing it sees a pass is due, compacts and deletes, and then waits
     * without a timeout: an idle replica gets no request. Temporary files a crash left are removed at start.
     */
    @Test
    void afterItsWorkTheThreadMakesNoRequest() throws Exception {
        ship(30);
        clock.set(at(67));
        Files.createDirectories(dir.resolve("outbox"));
        Files.writeString(dir.resolve("outbox").resolve("compact-123.tmp"), "left by a crash");
        Compactor c = compactor(new CompactionSettings(SETTINGS.levels(), Duration.ZERO), CompactionPlan.MAX_MERGE_BYTES);
        c.start(storage.list(""), dir.resolve("app.db"), "test");
        try {
            awaitSegments(List.of(segment(2, 2, 61))::equals);
            assertEquals(List.of(segment(2, 2, 61)), segmentKeys());
            assertFalse(Files.exists(dir.resolve("outbox").resolve("compact-123.tmp")));
            Thread.sleep(200);
            int before = storage.requests().size();
            assertEquals(Optional.empty(), c.due());
            Thread.sleep(1_000);
            assertEquals(before, storage.requests().size(), "requests while idle: " + storage.requests()
                    .subList(before, storage.requests().size()));
        } finally {
            c.stop(Duration.ofSeconds(5));
        }
        history.assertRestoresEveryTxid(storage);
    }

    /**
     * While capture or shipping is behind a busy writer, a due pass waits (the merge would take the CPU they need), but
     * not longer than {@link ReplicationLoad#MAX_DEFERRAL}: a writer that never pauses still gets its segments merged.
     */
    @Test
    void aPassWaitsWhileReplicationIsBehindButNotLongerThanTheMaximum() throws Exception {
        ship(30);
        clock.set(at(67));
        Compactor c = compactor(new CompactionSettings(SETTINGS.levels(), Duration.ZERO), CompactionPlan.MAX_MERGE_BYTES);
        load.captured(ReplicationLoad.BEHIND_BYTES + 1);
        c.start(storage.list(""), dir.resolve("app.db"), "test");
        int before = storage.requests().size();
        try {
            // The thread looks again every second; over two of its looks and a bit more time on the ticker than the
            // load's settle time, the load stays, so the pass keeps waiting.
            for (int i = 0; i < 3; i++) {
                Thread.sleep(1_100);
                ticker.addAndGet(ReplicationLoad.SETTLE.toNanos() - 1);
                load.behind();
                assertEquals(before, storage.requests().size(), "not even a listing while replication is behind");
                assertEquals(30, segmentKeys().size(), "nothing merged while replication is behind");
                before = storage.requests().size();
            }
            ticker.addAndGet(ReplicationLoad.MAX_DEFERRAL.toNanos());
            load.behind();
            // The merge runs; the deletion of its inputs, the next pass, waits again for the load.
            awaitSegments(keys -> keys.contains(segment(2, 2, 61)));
            assertEquals(31, segmentKeys().size(), "the merged segment beside its inputs: " + segmentKeys());
            assertTrue(segmentKeys().contains(segment(2, 2, 61)));
        } finally {
            c.stop(Duration.ofSeconds(5));
        }
        history.assertRestoresEveryTxid(storage);
    }

    /** A pass deferred by the load runs once the load has settled, without waiting for the maximum. */
    @Test
    void aDeferredPassRunsWhenTheLoadEnds() throws Exception {
        ship(30);
        clock.set(at(67));
        Compactor c = compactor(new CompactionSettings(SETTINGS.levels(), Duration.ZERO), CompactionPlan.MAX_MERGE_BYTES);
        load.behind();
        c.start(storage.list(""), dir.resolve("app.db"), "test");
        try {
            Thread.sleep(1_100);
            assertEquals(30, segmentKeys().size(), "nothing merged while replication is behind");
            // Capture passes that read no more than the threshold are no sign of load.
            ticker.addAndGet(ReplicationLoad.SETTLE.toNanos());
            load.captured(ReplicationLoad.BEHIND_BYTES);
            List<String> merged = List.of(segment(2, 2, 61));
            awaitSegments(merged::equals);
            assertEquals(merged, segmentKeys());
        } finally {
            c.stop(Duration.ofSeconds(5));
        }
        history.assertRestoresEveryTxid(storage);
    }

    /** Waits up to 20 s until the replica's segment keys satisfy {@code done}. */
    private void awaitSegments(java.util.function.Predicate<List<String>> done) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!done.test(segmentKeys()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }
}
