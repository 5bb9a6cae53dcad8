package io.walship.restore;

import static io.walship.restore.RestoreAssertions.assertRestored;
import static io.walship.restore.RestoreAssertions.restored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.Lineage;
import io.walship.replica.ReplicaStorage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restore pipeline: plans from one LIST without reading headers (version-2 keys), downloads and decodes a bounded
 * window of objects at once, applies them in txid order, and still names a corrupt object.
 */
class RestorePipelineTest extends StandardReplicaTest {
    /** The standard history: snapshots 1 and 7, one segment per transaction, so a restore reads many objects. */
    @BeforeEach
    void setUp() throws Exception {
        history.writeSnapshot(storage, 1);
        history.writeSnapshot(storage, 7);
        for (long t = 2; t <= 12; t++) {
            history.writeSegment(storage, t, t);
        }
    }

    /** Restored databases go into a folder of their own, apart from the source databases' WAL files. */
    private Path out(String name) throws java.io.IOException {
        return Files.createDirectories(dir.resolve("out")).resolve(name);
    }

    /** Latest, a txid and a timestamp are planned from one LIST; only the objects applied are read, each once. */
    @Test
    void aV2ReplicaIsPlannedFromOneListAndNoHeaderRead() throws Exception {
        for (RestoreTarget target : List.of(RestoreTarget.latest(), RestoreTarget.txid(5),
                RestoreTarget.timestamp(DatabaseHistory.timeOf(10).plusSeconds(2)))) {
            CountingStorage counting = new CountingStorage(storage);
            Path out = out("out-" + target.describe().replace(' ', '-').replace(':', '-') + ".db");
            RestoreResult r = restored(new Restorer(counting, Clock.systemUTC()).restore(RestoreRequest.to(out)
                    .withTarget(target)));
            long txid = target instanceof RestoreTarget.AtTxid at ? at.txid() : target instanceof RestoreTarget.AtTime ? 10 : 12;
            assertRestored(history, txid, r);
            int objects = 1 + r.segments();
            assertEquals(new CountingStorage.Counts(1, 0, objects), counting.counts(), target.describe());
        }
    }

    /** Version-1 keys hold no times: a timestamp restore reads the headers it needs, an ls reads every header. */
    @Test
    void aV1ReplicaReadsHeadersOnlyWhenTimesAreNeeded() throws Exception {
        FileReplicaStorage legacy = new FileReplicaStorage(dir.resolve("legacy"));
        history.lineage(Lineage.LEGACY);
        history.writeSnapshot(legacy, 1);
        history.writeSnapshot(legacy, 7);
        history.writeSegment(legacy, 2, 12);

        CountingStorage latest = new CountingStorage(legacy);
        assertRestored(history, 12, restored(new Restorer(latest, Clock.systemUTC()).restore(RestoreRequest.to(out("a.db")))));
        assertEquals(new CountingStorage.Counts(1, 0, 2), latest.counts(), "latest needs no time");

        CountingStorage byTime = new CountingStorage(legacy);
        assertRestored(history, 9, restored(new Restorer(byTime, Clock.systemUTC()).restore(RestoreRequest.to(out("b.db"))
                .withTarget(RestoreTarget.timestamp(DatabaseHistory.timeOf(9))))));
        assertEquals(new CountingStorage.Counts(1, 2, 2), byTime.counts(), "the snapshot's and the segment's header");

        CountingStorage ls = new CountingStorage(legacy);
        ReplicaCatalog.load(ls).listing();
        assertEquals(new CountingStorage.Counts(1, 3, 0), ls.counts(), "ls reads every version-1 header once");
    }

    /** Whatever the window, every txid restores byte for byte; objects are read at most a window at a time. */
    @Test
    void everyWindowRestoresEveryTxidAndKeepsWithinIt() throws Exception {
        for (Prefetch prefetch : List.of(new Prefetch(1, 256 << 10), new Prefetch(2, 512 << 10), new Prefetch(3, 3 << 20),
                Prefetch.defaults())) {
            for (long txid = 1; txid <= 12; txid++) {
                ConcurrencyProbe probe = new ConcurrencyProbe(storage);
                Path out = out("w" + prefetch.objects() + "-" + txid + ".db");
                RestoreResult r = restored(new Restorer(probe, Clock.systemUTC()).restore(RestoreRequest.to(out)
                        .withTarget(RestoreTarget.txid(txid)).withPrefetch(prefetch)));
                assertRestored(history, txid, r);
                assertTrue(probe.maxOpen.get() <= prefetch.objects(), "at most " + prefetch.objects()
                        + " objects open at once, saw " + probe.maxOpen.get());
            }
        }
    }

    /** The window never exceeds what the storage serves at once (for S3, its connection pool). */
    @Test
    void theWindowStaysWithinTheStoragesConcurrentReads() throws Exception {
        ConcurrencyProbe probe = new ConcurrencyProbe(storage, 2);
        assertRestored(history, 12, restored(new Restorer(probe, Clock.systemUTC()).restore(RestoreRequest.to(out("c.db"))
                .withPrefetch(new Prefetch(8, 8 << 20)))));
        assertTrue(probe.maxOpen.get() <= 2, "at most 2 objects open at once, saw " + probe.maxOpen.get());
    }

    /**
     * A download whose connection fails (as when a server drops a connection left idle while the apply thread catches up)
     * resumes at the offset it reached, with a new request; a connection that keeps failing fails the restore.
     */
    @Test
    void aFailedConnectionResumesAtItsOffset() throws Exception {
        FlakyStorage flaky = new FlakyStorage(storage, DatabaseHistory.snapshotKey(7), 1);
        assertRestored(history, 12, restored(new Restorer(flaky, Clock.systemUTC()).restore(RestoreRequest.to(out("f.db")))));
        assertEquals(List.of(0L, 1000L), flaky.offsets, "read again from byte 1000 after the failure");

        FlakyStorage broken = new FlakyStorage(storage, DatabaseHistory.segmentKey(9, 9), 100);
        RestoreException e = assertThrows(RestoreException.class, () -> new Restorer(broken, Clock.systemUTC())
                .restore(RestoreRequest.to(out("b.db"))));
        assertEquals(RestoreException.Reason.REPLICA_IO, e.reason());
        assertEquals(1 + ObjectFetcher.RESUMES, broken.offsets.size());
    }

    /** Fails reads of one key after its first 1000 bytes, {@code failures} times. */
    private static final class FlakyStorage extends ConcurrencyProbe {
        private final String key;
        private int failures;
        final List<Long> offsets = new java.util.concurrent.CopyOnWriteArrayList<>();

        FlakyStorage(ReplicaStorage delegate, String key, int failures) {
            super(delegate, Integer.MAX_VALUE);
            this.key = key;
            this.failures = failures;
        }

        @Override
        public InputStream get(String k, long offset) throws IOException {
            InputStream in = delegateGet(k, offset);
            if (!k.equals(key)) {
                return in;
            }
            offsets.add(offset);
            boolean fail = failures-- > 0;
            return new FilterInputStream(in) {
                private long at = offset;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (fail && at >= 1000) {
                        throw new java.net.SocketTimeoutException("Read timed out");
                    }
                    int n = super.read(b, off, (int) Math.min(len, fail ? Math.max(1, 1000 - at) : len));
                    at += Math.max(n, 0);
                    return n;
                }
            };
        }
    }

    /** A corrupt segment in the middle of the window is still an error naming it; nothing is left behind. */
    @Test
    void aCorruptSegmentAheadInTheWindowIsNamed() throws Exception {
        Path segment = storage.root().resolve(DatabaseHistory.segmentKey(10, 10));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 30] ^= 0x40;
        Files.write(segment, bytes);
        Path out = dir.resolve("out").resolve("app.db");
        RestoreException e = assertThrows(RestoreException.class, () -> new Restorer(storage, Clock.systemUTC())
                .restore(RestoreRequest.to(out).withPrefetch(new Prefetch(8, 8 << 20))));
        assertEquals(RestoreException.Reason.CORRUPT_OBJECT, e.reason());
        assertEquals(DatabaseHistory.segmentKey(10, 10), e.objectKey().orElseThrow());
        assertFalse(Files.exists(out));
        RestoreAssertions.assertNoLeftovers(out);
        // Before the damaged segment everything restores.
        assertRestored(history, 9, restored(new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out)
                .withTarget(RestoreTarget.txid(9)))));
    }

    /** The progress ends at the plan's totals: every object applied, every byte downloaded. */
    @Test
    void progressCountsEveryObjectAndByte() throws Exception {
        RestoreProgress progress = new RestoreProgress(Clock.systemUTC());
        assertEquals(RestoreProgress.Phase.PLANNING, progress.snapshot().phase());
        RestoreResult r = restored(new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out("p.db"))
                .withTarget(RestoreTarget.txid(5)), progress));
        RestoreProgress.Snapshot s = progress.snapshot();
        assertEquals(RestoreProgress.Phase.DONE, s.phase());
        assertEquals(1 + r.segments(), s.objectsDone());
        assertEquals(s.objectsTotal(), s.objectsDone());
        long bytes = Files.size(storage.root().resolve(DatabaseHistory.snapshotKey(1)));
        for (long t = 2; t <= 5; t++) {
            bytes += Files.size(storage.root().resolve(DatabaseHistory.segmentKey(t, t)));
        }
        assertEquals(bytes, s.bytesTotal());
        assertEquals(bytes, s.bytesDone());
    }

    @Test
    void aPrefetchWindowTooSmallForItsObjectsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Prefetch(0, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new Prefetch(8, 1 << 20));
        assertTrue(Prefetch.defaults().bytes() <= Prefetch.DEFAULT_BYTES);
    }

    /** Counts objects open for reading at the same time; says it serves {@code maxReads} reads at once. */
    private static class ConcurrencyProbe extends ForwardingStorage {
        private final int maxReads;
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger maxOpen = new AtomicInteger();
        private final ConcurrentHashMap<String, Boolean> seen = new ConcurrentHashMap<>();

        ConcurrencyProbe(ReplicaStorage delegate) {
            this(delegate, Integer.MAX_VALUE);
        }

        ConcurrencyProbe(ReplicaStorage delegate, int maxReads) {
            super(delegate);
            this.maxReads = maxReads;
        }

        @Override
        public int maxConcurrentReads() {
            return maxReads;
        }

        InputStream delegateGet(String key, long offset) throws IOException {
            return delegate.get(key, offset);
        }

        @Override
        public InputStream get(String key, long offset) throws IOException {
            if (seen.putIfAbsent(key, true) != null) {
                throw new AssertionError(key + " read twice");
            }
            int now = open.incrementAndGet();
            maxOpen.accumulateAndGet(now, Math::max);
            return new FilterInputStream(delegate.get(key, offset)) {
                private boolean closed;

                @Override
                public void close() throws IOException {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                    super.close();
                }
            };
        }
    }
}
