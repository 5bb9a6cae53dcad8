package io.walship.replicator;

import io.walship.config.CompactionSettings;
import io.walship.replica.CorruptObjectException;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectExistsException;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts one replica: merges the small segments the shipper uploads into segments of higher levels that still hold
 * every transaction ({@link SegmentMerger}), as {@link CompactionPlan} decides, and deletes the merged inputs once the
 * merged segment has been in the replica for the input retention.
 *
 * <p><b>Its own thread.</b> A merge reads and writes up to {@link CompactionPlan#MAX_MERGE_BYTES}; on the shipping
 * thread that would hold back new transactions for as long, so each replica's compactor runs beside its shipper. It
 * sleeps on a monitor until a pass is due: when a window with at least two segments ends (the shipper reports every
 * segment it uploads), or when merged inputs may be deleted. With nothing due it waits without a timeout, so a replica
 * of an idle database sees no request from it and its thread does not wake up.
 *
 * <p><b>A pass</b>: one LIST of {@code segments/} (the truth, whatever retention or an operator did meanwhile), the
 * plan, the deletions that are due, then each merge: inputs streamed into a temporary file beside the outbox, the
 * result verified, then uploaded create-only under the writer's lease ({@link ReplicaLease}, shared with the shipper).
 * An upload whose outcome is unknown is repeated with the very same bytes until it succeeds, so that a retry can never
 * leave two merged segments of one level with overlapping txids.
 *
 * <p><b>Crash safety.</b> The inputs stay until the merged segment is acknowledged and then for the input retention;
 * until then a restore reads either, and prefers the merged one. A crash at any step leaves the replica restoring every
 * txid: before the upload nothing changed but a temporary file (removed at the next start), after it the next pass sees
 * the merged segment in its listing and goes on from there.
 *
 * <p>A corrupt input is reported once at ERROR and never merged (the segments around it still are); overlapping
 * segments in the listing stop compaction of the lineage (ERROR once), as do another writer's lease and an unexpected
 * error. Shipping is never affected. {@link #shipped} may be called from any thread; the rest runs on the compactor's
 * thread, or on the caller's in tests.
 */
final class Compactor {
    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    private static final String TEMP_PREFIX = "compact-";
    private static final String TEMP_SUFFIX = ".tmp";
    /** How long after an input vanished the replica is listed again (a listing may lag a delete briefly). */
    private static final Duration RELIST_AFTER = Duration.ofSeconds(5);
    /** How often a pass deferred by the load looks again whether the load ended. */
    private static final Duration DEFER_STEP = Duration.ofSeconds(1);

    /** Takes or renews the writer's lease before an upload; see {@link ReplicaLease#beforeUpload()}. */
    @FunctionalInterface
    interface Lease {
        void beforeUpload() throws IOException;
    }

    /** What one pass did: merged segments written, covered segments deleted, and when the next pass is due. */
    record Pass(List<String> written, List<String> deleted, Optional<Instant> nextDue) {
        static final Pass NOTHING = new Pass(List.of(), List.of(), Optional.empty());
    }

    private final ReplicaStorage storage;
    private final String name;
    private final Clock clock;
    private final CompactionSettings settings;
    private final Path scratch;
    private final LongSupplier lineage;
    private final Lease lease;
    private final long maxMergeBytes;
    private final ReplicationLoad load;
    private final Object signal = new Object();
    /** Since when this compactor knows each covering segment to be in the replica; pruned to what is listed. */
    private final Map<String, Instant> seen = new HashMap<>();
    /** Segments found corrupt: never read again by this compactor. */
    private final Set<String> corrupt = new HashSet<>();
    private Instant dueAt;
    /**
     * Since when (the load's ticker) a due pass waits for the load to end; meaningful while {@link #deferring}. Only the
     * compactor's thread uses them.
     */
    private long deferredSince;
    private boolean deferring;
    private volatile boolean stopping;
    private volatile String failure;
    private boolean conflictReported;
    private Thread thread;

    Compactor(ReplicaStorage storage, String name, Clock clock, CompactionSettings settings, Path scratch,
              LongSupplier lineage, Lease lease, ReplicationLoad load) {
        this(storage, name, clock, settings, scratch, lineage, lease, load, CompactionPlan.MAX_MERGE_BYTES);
    }

    Compactor(ReplicaStorage storage, String name, Clock clock, CompactionSettings settings, Path scratch,
              LongSupplier lineage, Lease lease, ReplicationLoad load, long maxMergeBytes) {
        this.storage = storage;
        this.name = name;
        this.clock = clock;
        this.settings = settings;
        this.scratch = scratch;
        this.lineage = lineage;
        this.lease = lease;
        this.maxMergeBytes = maxMergeBytes;
        this.load = load;
    }

    /**
     * Starts the compactor's thread. {@code listing} is what the shipper listed at its start: it says, without another
     * request, whether a pass is due already (segments an earlier run left uncompacted, or inputs left undeleted).
     */
    void start(Collection<ObjectInfo> listing, Path db, String replica) throws IOException {
        if (thread != null) {
            return;
        }
        removeTemporaryFiles();
        seed(listing);
        thread = new Thread(LogContext.tagged(db, replica, this::loop), "compact-" + name.replace(" -> ", "-"));
        thread.setDaemon(true);
        thread.start();
    }

    /** Plans from a listing without acting on it, only to learn when the first pass is due. */
    void seed(Collection<ObjectInfo> listing) {
        long id = lineage.getAsLong();
        if (id == 0) {
            return;
        }
        Instant now = clock.instant();
        CompactionPlan plan = plan(parse(listing), new Lineage(id), now);
        if (!plan.merges().isEmpty() || !plan.deletions().isEmpty()) {
            schedule(now);
        } else {
            plan.nextDue().ifPresent(this::schedule);
        }
    }

    /** The shipper uploaded {@code segment}: a pass is due when its window of the shortest level has ended. */
    void shipped(ObjectKeys.ObjectName segment) {
        if (!settings.enabled() || failure != null) {
            return;
        }
        Duration interval = settings.levels().get(0);
        schedule(CompactionPlan.windowEnd(segment, interval).plus(CompactionPlan.settle(interval)));
    }

    /** When the next pass is due, if any. */
    Optional<Instant> due() {
        synchronized (signal) {
            return Optional.ofNullable(dueAt);
        }
    }

    /** Why this compactor stopped for good, or null while it works. */
    String failure() {
        return failure;
    }

    /**
     * Stops the thread: a merge in progress is given up between two inputs (its temporary file removed). Waits up to
     * {@code wait} for it to end (not at all when zero), then interrupts it.
     */
    void stop(Duration wait) throws InterruptedException {
        stopping = true;
        synchronized (signal) {
            signal.notifyAll();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread() && !wait.isZero()) {
            t.join(wait.toMillis());
            if (t.isAlive()) {
                log.warn("{}: compaction did not stop within {} ms; interrupting it", name, wait.toMillis());
                t.interrupt();
                t.join(5_000);
            }
        }
    }

    private void schedule(Instant at) {
        synchronized (signal) {
            if (dueAt == null || at.isBefore(dueAt)) {
                dueAt = at;
                signal.notifyAll();
            }
        }
    }

    private void loop() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));
        while (!stopping) {
            try {
                synchronized (signal) {
                    if (stopping) {
                        return;
                    }
                    if (dueAt == null) {
                        signal.wait();
                        continue;
                    }
                    long wait = Duration.between(clock.instant(), dueAt).toMillis();
                    if (wait > 0) {
                        signal.wait(wait);
                        continue;
                    }
                    dueAt = null;
                }
            } catch (InterruptedException e) {
                return;
            }
            if (deferred()) {
                // Still due; looked at again after a step of real time (the load is measured in it, not in the clock's),
                // or sooner when a shipped segment or a stop wakes the thread.
                schedule(clock.instant());
                try {
                    synchronized (signal) {
                        if (!stopping) {
                            signal.wait(DEFER_STEP.toMillis());
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            try {
                runPass();
                backoff.reset();
            } catch (ObjectExistsException | ReplicaLease.HeldException e) {
                if (!stopping) {
                    fail("another walship writes this replica (" + e.getMessage() + ")", null);
                }
                return;
            } catch (ReplicaLease.LeaseWaitException e) {
                log.debug("{}: compaction waits for the writer's lease: {}", name, e.getMessage());
                schedule(clock.instant().plus(backoff.next()));
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    // A stop interrupted a request (the storage client may say so with an unchecked exception).
                    log.debug("{}: compaction stopped in the middle of a pass", name, e);
                    return;
                }
                if (!Failures.isTransient(e)) {
                    // Not transient: a bug. Retrying would repeat it forever.
                    fail("unexpected error", e);
                    return;
                }
                Duration wait = backoff.next();
                log.warn("{}: compaction failed: {}; retrying in {} ms", name, e.toString(), wait.toMillis());
                schedule(clock.instant().plus(wait));
            } catch (Error e) {
                // Without this the thread would die with compaction still reporting itself healthy.
                fail("unexpected error", e);
                throw e;
            }
        }
    }

    /**
     * Whether the pass that is due waits for the load to end (see {@link ReplicationLoad}): while replication is behind
     * a busy writer, for at most {@link ReplicationLoad#MAX_DEFERRAL}.
     */
    private boolean deferred() {
        if (!load.busy()) {
            if (deferring) {
                log.debug("{}: the load ended; compacting", name);
            }
            deferring = false;
            return false;
        }
        long now = load.now();
        if (!deferring) {
            log.debug("{}: replication is behind a busy writer; compaction waits up to {} s", name,
                    ReplicationLoad.MAX_DEFERRAL.toSeconds());
            deferring = true;
            deferredSince = now;
            return true;
        }
        if (now - deferredSince < ReplicationLoad.MAX_DEFERRAL.toNanos()) {
            return true;
        }
        log.debug("{}: compacting although replication is still behind: the pass waited {} s", name,
                Duration.ofNanos(now - deferredSince).toSeconds());
        deferring = false;
        return false;
    }

    private void fail(String why, Throwable e) {
        // The ERROR comes first: whoever sees the failure (a test, the status) finds it in the log already.
        if (e == null) {
            log.error("{}: compaction stops: {}; shipping goes on, and the replica keeps its segments as they are",
                    name, why);
        } else {
            log.error("{}: compaction stops: {}; shipping goes on, and the replica keeps its segments as they are",
                    name, why, e);
        }
        failure = why;
    }

    /**
     * One pass: list, delete what is due, merge what is due, and schedule the next pass.
     *
     * @throws IOException when the replica fails; nothing half-done is left behind (see the class comment)
     */
    Pass runPass() throws IOException {
        synchronized (signal) {
            // This pass plans the next one; what is reported while it runs (a segment shipped) is kept.
            dueAt = null;
        }
        long id = lineage.getAsLong();
        if (id == 0 || failure != null) {
            return Pass.NOTHING;
        }
        Lineage mine = new Lineage(id);
        List<CompactionPlan.Listed> listed = parse(storage.list(ObjectKeys.SEGMENTS));
        Instant now = clock.instant();
        CompactionPlan plan = plan(listed, mine, now);
        if (plan.conflict().isPresent()) {
            if (!conflictReported) {
                conflictReported = true;
                log.error("{}: not compacting lineage {}: {}; 'walship verify' names every conflict", name, mine,
                        plan.conflict().get());
            }
            return Pass.NOTHING;
        }
        conflictReported = false;
        List<String> deleted = plan.deletions().stream().map(ObjectKeys.ObjectName::key).toList();
        if (!deleted.isEmpty()) {
            storage.delete(deleted);
            deleted.forEach(seen::remove);
            log.info("{}: deleted {} segment(s) that compacted segments hold (txids {}..{})", name, deleted.size(),
                    plan.deletions().stream().mapToLong(ObjectKeys.ObjectName::firstTxid).min().orElseThrow(),
                    plan.deletions().stream().mapToLong(ObjectKeys.ObjectName::lastTxid).max().orElseThrow());
        }
        List<String> written = new ArrayList<>();
        boolean replan = false;
        for (CompactionPlan.Merge m : plan.merges()) {
            if (stopping) {
                break;
            }
            try {
                written.add(merge(m, mine));
            } catch (CorruptObjectException e) {
                if (m.inputs().stream().noneMatch(in -> in.key().equals(e.key()))) {
                    throw new IllegalStateException("the merged segment failed its own verification", e);
                }
                corrupt.add(e.key());
                replan = true;
                log.error("{}: cannot compact {}: {}; it stays as it is and is never compacted ('walship verify'"
                        + " checks the whole replica)", name, e.key(), e.problem());
            } catch (ObjectNotFoundException e) {
                // Deleted since the listing (retention, or an operator): a later pass lists again.
                log.info("{}: {} is gone since it was listed; compacting again from a new listing", name, e.getMessage());
                schedule(clock.instant().plus(RELIST_AFTER));
                break;
            }
        }
        if (replan) {
            schedule(clock.instant());
        }
        if (!written.isEmpty()) {
            schedule(clock.instant().plus(settings.inputRetention()));
        }
        plan.nextDue().ifPresent(this::schedule);
        return new Pass(written, deleted, due());
    }

    private CompactionPlan plan(List<CompactionPlan.Listed> listed, Lineage mine, Instant now) {
        Set<String> keys = new HashSet<>();
        listed.forEach(l -> keys.add(l.name().key()));
        seen.keySet().retainAll(keys);
        return CompactionPlan.compute(listed, mine, settings, now, key -> seen.computeIfAbsent(key, k -> now), corrupt,
                maxMergeBytes);
    }

    /** Writes one merged segment and uploads it; returns its key. */
    private String merge(CompactionPlan.Merge m, Lineage mine) throws IOException {
        Files.createDirectories(scratch);
        Path temp = Files.createTempFile(scratch, TEMP_PREFIX, TEMP_SUFFIX);
        try {
            long start = System.nanoTime();
            SegmentMerger.Merged merged = SegmentMerger.merge(storage, m.level(), m.inputs(), mine, temp,
                    () -> stopping);
            String key = merged.name().key();
            long bytes = Files.size(temp);
            upload(key, temp);
            seen.put(key, clock.instant());
            log.info("{}: compacted {} segments into {} (level {}, txids {}..{}, {} transactions, {} bytes) in {} ms",
                    name, m.inputs().size(), key, m.level(), merged.name().firstTxid(), merged.name().lastTxid(),
                    merged.transactions(), bytes, (System.nanoTime() - start) / 1_000_000);
            return key;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Uploads under the writer's lease until the replica acknowledges it: an upload whose outcome is unknown is
     * repeated with the same bytes (idempotent), never replaced by a different merge.
     */
    private void upload(String key, Path file) throws IOException {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
        while (true) {
            try {
                lease.beforeUpload();
                storage.put(key, file);
                return;
            } catch (ObjectExistsException | ReplicaLease.HeldException e) {
                throw e;
            } catch (IOException e) {
                if (stopping) {
                    throw e;
                }
                Duration wait = backoff.next();
                if (e instanceof ReplicaLease.LeaseWaitException) {
                    log.debug("{}: upload of {} waits for the writer's lease: {}", name, key, e.getMessage());
                } else {
                    log.warn("{}: upload of {} failed: {}; retrying the same bytes in {} ms", name, key, e.toString(),
                            wait.toMillis());
                }
                pause(wait);
            }
        }
    }

    private void pause(Duration wait) throws InterruptedIOException {
        synchronized (signal) {
            if (stopping) {
                return;
            }
            try {
                signal.wait(Math.max(1, wait.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting to retry an upload");
            }
        }
    }

    private static List<CompactionPlan.Listed> parse(Collection<ObjectInfo> infos) {
        List<CompactionPlan.Listed> out = new ArrayList<>();
        for (ObjectInfo info : infos) {
            ObjectKeys.parse(info.key()).ifPresent(n -> out.add(new CompactionPlan.Listed(n, info.size())));
        }
        return out;
    }

    /** Temporary files of merges a crash interrupted. */
    private void removeTemporaryFiles() throws IOException {
        if (!Files.isDirectory(scratch)) {
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(scratch, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
    }
}
