package io.walship.restore;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentReader;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a database from a replica: checks the output, chooses the lineage, plans, streams the snapshot and segments
 * into a temporary file, verifies the result and renames it into place.
 *
 * <p>The guarantees a disaster-recovery operator relies on:
 * <ul>
 *   <li>The output path changes only at the very end, by an atomic rename of a complete, fsynced, checked file; on
 *       any failure the temporary file is deleted and the output is as it was.</li>
 *   <li>Objects of two lineages, overlapping segments of one level and other {@link HistoryConflict}s are never
 *       combined: the restore fails naming them, unless a lineage is chosen and that lineage has no conflict.</li>
 *   <li>Every object the restore opens is read to its end, so its checksums verify, even past the target transaction.
 *       Nothing from an object that fails verification survives, because the whole restore fails.</li>
 *   <li>Objects are downloaded and decompressed on their own threads, a bounded window ahead ({@link Prefetch}); pages
 *       are written on one thread, strictly in txid order, with positioned writes and one fsync at the end. Memory is
 *       the window's bytes plus a few decompression blocks per object, whatever the database size.</li>
 *   <li>A snapshot that turns out corrupt or missing is not the end: the restore starts again from the next older
 *       snapshot, with one WARN line naming the snapshot skipped and the one used, and fails only when no snapshot
 *       reaches the target.</li>
 *   <li>Unless verification is turned off, SQLite's {@code PRAGMA integrity_check} must answer {@code ok} before the
 *       file is put in place. A database that fails it is kept as {@code OUT.corrupt} for inspection (its pages are
 *       exactly what the replica holds, which may be the only copy) and the output path is not touched.</li>
 * </ul>
 */
public final class Restorer {
    private static final Logger log = LoggerFactory.getLogger(Restorer.class);
    /** How often a long restore reports progress at INFO, so an operator can tell it is moving. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);

    private final ReplicaStorage storage;
    private final Clock clock;

    public Restorer(ReplicaStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /**
     * Carries out a whole restore request.
     *
     * @return {@link RestoreOutcome.Restored} with what was restored, or {@link RestoreOutcome.Skipped} when the
     *         request asked to do nothing in the situation found
     * @throws RestoreException when the database cannot be restored; its reason says why
     */
    public RestoreOutcome restore(RestoreRequest request) throws RestoreException {
        return restore(request, new RestoreProgress(clock));
    }

    /** As {@link #restore(RestoreRequest)}, reporting how far it has come to {@code progress}. */
    public RestoreOutcome restore(RestoreRequest request, RestoreProgress progress) throws RestoreException {
        try {
            Path output = request.output().toAbsolutePath().normalize();
            if (request.skipIfOutputExists() && Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
                String note = "database " + output + " already exists; nothing restored";
                log.info("{}", note);
                return new RestoreOutcome.Skipped(RestoreOutcome.Why.OUTPUT_EXISTS, note);
            }
            // Checked before the replica is even listed, so a refused restore costs nothing.
            checkOutput(output, request.overwrite());
            ReplicaCatalog catalog;
            try {
                catalog = ReplicaCatalog.load(storage);
            } catch (IOException e) {
                throw RestoreException.fromReplica(e, storage.describe());
            }
            if (catalog.snapshots().isEmpty() && request.skipIfReplicaEmpty()) {
                String note = "replica " + catalog.replica() + " holds no snapshot; nothing restored";
                log.info("{}", note);
                return new RestoreOutcome.Skipped(RestoreOutcome.Why.REPLICA_EMPTY, note);
            }
            catalog = chooseLineage(catalog, request.lineage());
            return new RestoreOutcome.Restored(restoreFallingBack(catalog, request, output, progress));
        } finally {
            progress.phase(RestoreProgress.Phase.DONE);
        }
    }

    /**
     * The catalog of the chosen lineage. Without a choice the whole catalog is planned with, and the planner refuses it
     * if it holds several lineages ({@link HistoryConflict.MixedLineages}).
     */
    public static ReplicaCatalog chooseLineage(ReplicaCatalog catalog, Optional<Lineage> lineage) throws RestoreException {
        if (lineage.isEmpty()) {
            return catalog;
        }
        if (!catalog.lineages().contains(lineage.get())) {
            throw new RestoreException(RestoreException.Reason.NOT_RESTORABLE, "replica " + catalog.replica()
                    + " holds no object of lineage " + lineage.get() + "; it holds "
                    + (catalog.lineages().isEmpty() ? "no walship object at all"
                    : "lineage" + (catalog.lineages().size() == 1 ? " " : "s ") + catalog.lineages().stream()
                    .map(Lineage::toString).collect(Collectors.joining(", ")) + " ('walship ls' shows them)"));
        }
        return catalog.only(lineage.get());
    }

    /**
     * Plans and applies the restore; when the snapshot it starts from turns out corrupt or missing (its header while
     * planning, or its content while applying), plans again without it, from the next older snapshot. Each round
     * excludes one more snapshot, so this ends. Only snapshots are skipped: every later plan needs the same segments
     * up to the target, so a corrupt segment fails the restore at once.
     */
    private RestoreResult restoreFallingBack(ReplicaCatalog catalog, RestoreRequest request, Path output,
                                             RestoreProgress progress) throws RestoreException {
        RestorePlanner planner = new RestorePlanner(catalog);
        Set<String> unusable = new HashSet<>();
        List<RestoreResult.SkippedSnapshot> skipped = new ArrayList<>();
        RestoreException firstFailure = null;
        while (true) {
            RestorePlan plan;
            try {
                plan = planner.plan(request.target(), unusable);
            } catch (RestoreException e) {
                if (isSnapshotFailure(e, catalog) && unusable.add(e.objectKey().orElseThrow())) {
                    skipped.add(skippedSnapshot(e));
                    firstFailure = firstFailure == null ? e : firstFailure;
                    continue;
                }
                if (firstFailure != null && e.reason() == RestoreException.Reason.NOT_RESTORABLE) {
                    throw noOlderPath(request.target(), skipped, firstFailure, e);
                }
                throw e;
            }
            if (!skipped.isEmpty()) {
                log.warn("snapshot {} cannot be used; restoring {} from the older snapshot {} and its segments instead",
                        skipped.stream().map(RestoreResult.SkippedSnapshot::describe).collect(Collectors.joining(", ")),
                        request.target().describe(), plan.snapshot().key());
            }
            try {
                return apply(catalog, plan, output, request, skipped, progress);
            } catch (RestoreException e) {
                boolean snapshotFailed = isSnapshotFailure(e, catalog)
                        && e.objectKey().orElseThrow().equals(plan.snapshot().key());
                if (!snapshotFailed || !unusable.add(plan.snapshot().key())) {
                    throw e;
                }
                skipped.add(skippedSnapshot(e));
                firstFailure = firstFailure == null ? e : firstFailure;
            }
        }
    }

    /** Whether the failure is a snapshot that is corrupt or gone, which an older snapshot may stand in for. */
    private static boolean isSnapshotFailure(RestoreException e, ReplicaCatalog catalog) {
        if (e.reason() != RestoreException.Reason.CORRUPT_OBJECT && e.reason() != RestoreException.Reason.MISSING_OBJECT) {
            return false;
        }
        return e.objectKey().map(key -> catalog.snapshots().stream().anyMatch(s -> s.key().equals(key))).orElse(false);
    }

    private static RestoreResult.SkippedSnapshot skippedSnapshot(RestoreException e) {
        String key = e.objectKey().orElseThrow();
        String problem = e.getCause() instanceof CorruptObjectException c ? c.problem()
                : e.reason() == RestoreException.Reason.MISSING_OBJECT ? "gone since it was listed" : e.getMessage();
        return new RestoreResult.SkippedSnapshot(key, problem);
    }

    /** The restore fails for the corrupt snapshot, saying why no older snapshot could take its place. */
    private static RestoreException noOlderPath(RestoreTarget target, List<RestoreResult.SkippedSnapshot> skipped,
                                                RestoreException firstFailure, RestoreException why) {
        String names = skipped.stream().map(RestoreResult.SkippedSnapshot::describe).collect(Collectors.joining(", "));
        return new RestoreException(firstFailure.reason(), "cannot restore " + target.describe() + ": snapshot "
                + names + " cannot be used, and no older snapshot reaches the target (" + why.getMessage()
                + "); restore an earlier point or from another replica", skipped.get(0).key(), firstFailure);
    }

    /**
     * Restores {@code plan} to {@code output}.
     *
     * @param overwrite replace an existing output (and delete its stale {@code -wal}, {@code -shm}, {@code -journal})
     * @param verify    run {@code PRAGMA integrity_check} before putting the result in place
     * @throws RestoreException when any object fails to read or verify, a local file operation fails, the output
     *                          exists and may not be replaced, or the integrity check fails
     */
    public RestoreResult apply(RestorePlan plan, Path output, boolean overwrite, boolean verify) throws RestoreException {
        RestoreRequest request = RestoreRequest.to(output).withOverwrite(overwrite).withVerify(verify);
        try {
            return apply(ReplicaCatalog.load(storage), plan, output, request, List.of(), new RestoreProgress(clock));
        } catch (IOException e) {
            throw RestoreException.fromReplica(e, storage.describe());
        }
    }

    private RestoreResult apply(ReplicaCatalog catalog, RestorePlan plan, Path output, RestoreRequest request,
                                List<RestoreResult.SkippedSnapshot> skipped, RestoreProgress progress)
            throws RestoreException {
        Path out = output.toAbsolutePath().normalize();
        checkOutput(out, request.overwrite());
        Instant started = clock.instant();
        log.info("restoring {} from {} to {}: {}", out, storage.describe(), plan.target().describe(), plan.describe());
        progress.planned(plan);
        long snapshotTxid = plan.snapshot().lastTxid();
        Applier applier = new Applier(catalog, plan, out, progress, started);
        boolean done = false;
        try (ObjectFetcher fetcher = new ObjectFetcher(storage, plan.objects(), request.prefetch(),
                (txid, time) -> txid > snapshotTxid && plan.includes(txid, time), progress)) {
            applier.applyAll(fetcher);
            StagedDatabase staged = applier.staged;
            Position position = applier.position;
            if (position.txid < plan.lastTxid() && plan.notAfter().isEmpty()) {
                throw new IllegalStateException("restore stopped at txid " + position.txid + " before its target "
                        + plan.lastTxid());
            }
            final long pages = position.pages;
            local(() -> staged.finish(pages), "cannot write " + staged.path());
            // The output's mode: what the operator asked for, else the source database's mode the snapshot recorded,
            // else owner-only: the file holds the whole database.
            int recorded = applier.snapshotHeader.fileMode() & 0777;
            int mode = request.fileMode().orElse(recorded != 0 ? recorded : 0600);
            local(() -> staged.setMode(mode), "cannot set the mode of " + staged.path());
            if (request.verify()) {
                progress.phase(RestoreProgress.Phase.CHECKING);
            }
            verifyAndPublish(staged, out, request.overwrite(), request.verify());
            done = true;
            Duration elapsed = Duration.between(started, clock.instant());
            RestoreResult result = new RestoreResult(out, position.txid, position.time, position.pages,
                    staged.pageSize(), plan.snapshot().key(), plan.segments().size(), position.transactions,
                    request.verify(), elapsed, skipped, plan.snapshot().name().lineage(), mode);
            log.info("restored {} to txid {} ({}), {} pages of {} bytes, {} transaction(s) applied from {} segment(s), in {} ms",
                    out, result.txid(), result.time(), result.pages(), result.pageSize(), result.transactions(),
                    result.segments(), elapsed.toMillis());
            return result;
        } finally {
            if (!done && applier.staged != null) {
                applier.staged.discard();
            }
        }
    }

    /** Where the restore stands: the last transaction applied, when it committed, and the database size after it. */
    private static final class Position {
        long txid;
        Instant time;
        long pages;
        long transactions;
    }

    /**
     * The apply thread's side of a restore: takes the fetcher's objects in order and writes their pages into the staged
     * file. It creates the staged file once the snapshot's header gives the page size.
     */
    private final class Applier {
        private final ReplicaCatalog catalog;
        private final RestorePlan plan;
        private final Path out;
        private final RestoreProgress progress;
        private final Position position = new Position();
        private Instant lastReport;
        private StagedDatabase staged;
        private ObjectHeader snapshotHeader;
        private boolean reachedTarget;

        Applier(ReplicaCatalog catalog, RestorePlan plan, Path out, RestoreProgress progress, Instant started) {
            this.catalog = catalog;
            this.plan = plan;
            this.out = out;
            this.progress = progress;
            this.lastReport = started;
        }

        void applyAll(ObjectFetcher fetcher) throws RestoreException {
            List<ReplicaObject> objects = plan.objects();
            for (int i = 0; i < objects.size(); i++) {
                ObjectFetcher.Stream stream = fetcher.next();
                try {
                    if (i == 0) {
                        applySnapshot(stream);
                    } else {
                        applySegment(stream);
                    }
                } catch (IOException e) {
                    throw RestoreException.fromReplica(e, storage.describe());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RestoreException(RestoreException.Reason.LOCAL_IO, "restore of " + out
                            + " was interrupted", null, e);
                }
                progress.objectApplied();
                if (i > 0) {
                    log.debug("applied segment {} ({} of {}), now at txid {}", stream.object().key(), i,
                            plan.segments().size(), position.txid);
                }
                Instant now = clock.instant();
                if (Duration.between(lastReport, now).compareTo(PROGRESS_INTERVAL) >= 0) {
                    log.info("applied {} of {} objects, now at txid {} ({})", i + 1, objects.size(), position.txid,
                            position.time);
                    lastReport = now;
                }
            }
        }

        /** The next item; a failure of the download thread is thrown here, on the apply thread. */
        private ObjectFetcher.Item take(ObjectFetcher.Stream stream) throws IOException, InterruptedException {
            ObjectFetcher.Item item = stream.take();
            if (item instanceof ObjectFetcher.Failure f) {
                if (f.error() instanceof IOException e) {
                    throw e;
                }
                throw (RuntimeException) f.error();
            }
            return item;
        }

        private ObjectHeader header(ObjectFetcher.Stream stream) throws IOException, InterruptedException {
            ObjectFetcher.Item first = take(stream);
            if (!(first instanceof ObjectFetcher.Header h)) {
                throw new IllegalStateException("an object's first item is its header, not " + first);
            }
            ReplicaObject object = stream.object();
            ReplicaCatalog.checkMatchesKey(object, h.header());
            Optional<ObjectHeader> planned = catalog.knownHeader(object);
            if (planned.isPresent() && !planned.get().equals(h.header())) {
                throw new CorruptObjectException(object.key(), "header changed since it was planned with");
            }
            return h.header();
        }

        private void applySnapshot(ObjectFetcher.Stream stream) throws IOException, InterruptedException,
                RestoreException {
            ReplicaObject snapshot = stream.object();
            ObjectHeader header = header(stream);
            snapshotHeader = header;
            try {
                staged = StagedDatabase.create(out, header.pageSize());
            } catch (IOException e) {
                throw localFailure("cannot create a temporary file beside " + out, e);
            }
            while (true) {
                ObjectFetcher.Item item = take(stream);
                if (item instanceof ObjectFetcher.End) {
                    break;
                }
                ObjectFetcher.Page page = (ObjectFetcher.Page) item;
                local(() -> staged.writePage(page.pgno(), page.image()), "cannot write " + staged.path());
            }
            local(() -> staged.truncate(header.databasePages()), "cannot write " + staged.path());
            position.txid = header.lastTxid();
            position.time = header.lastTime();
            position.pages = header.databasePages();
            log.info("applied snapshot {}: txid {} ({}), {} pages", snapshot.key(), position.txid, position.time,
                    position.pages);
        }

        private void applySegment(ObjectFetcher.Stream stream) throws IOException, InterruptedException,
                RestoreException {
            ReplicaObject segment = stream.object();
            ObjectHeader header = header(stream);
            if (header.pageSize() != snapshotHeader.pageSize()) {
                throw new CorruptObjectException(segment.key(), "page size " + header.pageSize()
                        + " differs from snapshot " + plan.snapshot().key() + "'s " + snapshotHeader.pageSize()
                        + "; the objects are not from the same database history");
            }
            // Read to the End even after the target, so the trailer's checksums verify what was applied.
            while (true) {
                ObjectFetcher.Item item = take(stream);
                if (item instanceof ObjectFetcher.End) {
                    break;
                }
                SegmentReader.TransactionHeader tx = ((ObjectFetcher.Transaction) item).header();
                boolean pagesFollow = ((ObjectFetcher.Transaction) item).pagesFollow();
                boolean apply = !reachedTarget && tx.txid() > position.txid;
                if (apply && !plan.includes(tx.txid(), tx.time())) {
                    reachedTarget = true;
                    apply = false;
                }
                if (apply && tx.txid() != position.txid + 1) {
                    throw new CorruptObjectException(segment.key(), "transaction " + tx.txid() + " follows txid "
                            + position.txid + " with a gap the key does not show");
                }
                if (apply && !pagesFollow) {
                    throw new IllegalStateException("transaction " + tx.txid() + " is applied but its pages were dropped");
                }
                for (int n = 0; pagesFollow && n < tx.pageCount(); n++) {
                    ObjectFetcher.Page page = (ObjectFetcher.Page) take(stream);
                    if (apply) {
                        local(() -> staged.writePage(page.pgno(), page.image()), "cannot write " + staged.path());
                    }
                }
                if (!apply) {
                    continue; // already applied (snapshot or overlapping segment), or past the target
                }
                final long commitSize = tx.commitSize();
                local(() -> staged.truncate(commitSize), "cannot write " + staged.path());
                position.txid = tx.txid();
                position.time = tx.time();
                position.pages = tx.commitSize();
                position.transactions++;
            }
            reachedTarget |= position.txid >= plan.lastTxid();
        }
    }

    /**
     * Puts a finished staged database in place: runs {@code PRAGMA integrity_check} on it first when {@code verify}
     * (keeping a failing file as {@code OUT.corrupt}), then renames it to {@code out} atomically. Shared with the
     * readers of other replica layouts, so that every restore ends the same way.
     *
     * @throws RestoreException when the check fails, the output appeared meanwhile and may not be replaced, or the
     *                          rename fails
     */
    public static void verifyAndPublish(StagedDatabase staged, Path out, boolean overwrite, boolean verify)
            throws RestoreException {
        if (verify) {
            verify(staged, out);
        }
        try {
            staged.publish(out, overwrite);
        } catch (FileAlreadyExistsException e) {
            throw outputExists(out, "appeared while restoring");
        } catch (IOException e) {
            throw localFailure("cannot move the restored database into place at " + out, e);
        }
    }

    private static void verify(StagedDatabase staged, Path out) throws RestoreException {
        Path kept = out.resolveSibling(out.getFileName() + ".corrupt");
        String problem;
        try {
            IntegrityCheck.Report report = IntegrityCheck.run(staged.path());
            local(staged::removeSidecars, "cannot remove SQLite's files beside " + staged.path());
            if (report.ok()) {
                log.info("integrity check of the restored database: ok");
                return;
            }
            for (String line : report.problems()) {
                log.error("integrity check of the restored database: {}", line);
            }
            problem = "PRAGMA integrity_check reports " + report.problems().size()
                    + (report.problems().size() == 1 ? " problem" : " problems") + ", first: " + report.problems().get(0);
        } catch (SQLException e) {
            log.debug("integrity check failed to run", e);
            problem = "SQLite cannot check it: " + e.getMessage();
        }
        try {
            staged.removeSidecars();
            staged.keepAs(kept);
        } catch (IOException e) {
            throw new RestoreException(RestoreException.Reason.INTEGRITY_FAILED, "restored database failed its"
                    + " integrity check (" + problem + ") and could not be kept for inspection (" + e.getMessage()
                    + "); " + out + " was not changed", null, e);
        }
        throw new RestoreException(RestoreException.Reason.INTEGRITY_FAILED, "restored database failed its integrity"
                + " check (" + problem + "); " + out + " was not changed and the restored copy is kept at " + kept
                + " for inspection; restore an earlier point or from another replica");
    }

    /** Refuses an output that exists, or stale SQLite files beside it, unless they may be replaced. */
    public static void checkOutput(Path output, boolean overwrite) throws RestoreException {
        if (overwrite) {
            return;
        }
        if (Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
            throw outputExists(output, "already exists");
        }
        for (Path sidecar : StagedDatabase.sidecars(output)) {
            if (Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
                throw new RestoreException(RestoreException.Reason.OUTPUT_EXISTS, sidecar + " exists although "
                        + output + " does not; SQLite would apply it to the restored database, so remove it or"
                        + " restore to another path");
            }
        }
    }

    private static RestoreException outputExists(Path output, String how) {
        return new RestoreException(RestoreException.Reason.OUTPUT_EXISTS, "output database " + output + " " + how
                + "; refusing to replace it, restore to another path or stop every process using it and replace it");
    }

    /** A local file operation, kept apart from replica reads so that its failures are reported as local I/O. */
    @FunctionalInterface
    private interface LocalAction {
        void run() throws IOException;
    }

    private static void local(LocalAction action, String what) throws RestoreException {
        try {
            action.run();
        } catch (IOException e) {
            throw localFailure(what, e);
        }
    }

    /** A failed local file operation ({@code what} says which) as the restore error an operator sees. */
    public static RestoreException localFailure(String what, IOException e) {
        return new RestoreException(RestoreException.Reason.LOCAL_IO, what + ": " + e
                + "; check free space and permissions, then retry", null, e);
    }
}
