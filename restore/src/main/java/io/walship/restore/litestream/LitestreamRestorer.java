package io.walship.restore.litestream;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import io.walship.restore.StagedDatabase;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a database from a Litestream 0.3 replica with walship's guarantees: the output is built in a temporary
 * file beside it ({@link StagedDatabase}), every object is decompressed and checked to its last byte, every WAL frame
 * is verified as SQLite's recovery verifies it, {@code PRAGMA integrity_check} must pass, and only then is the file
 * renamed into place ({@link Restorer#verifyAndPublish}). A corrupt or missing object is an error naming it and a hole
 * in the WAL is a gap; neither is ever skipped.
 *
 * <p>A snapshot object is the database file as Litestream read it (an LZ4 frame of whole pages); it is copied page by
 * page. Each WAL index after it is applied by {@link WalIndexApplier}. Memory is a few page buffers; disk is the
 * output's temporary file plus one WAL index at a time.
 */
public final class LitestreamRestorer {
    private static final Logger log = LoggerFactory.getLogger(LitestreamRestorer.class);
    /** How often a long restore reports progress at INFO, so an operator can tell it is moving. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);
    /** Bytes of a database file's header, which says the page size. */
    private static final int DATABASE_HEADER = 100;

    private final LitestreamReplica replica;
    private final ReplicaStorage storage;
    private final Clock clock;

    public LitestreamRestorer(LitestreamReplica replica, Clock clock) {
        this.replica = replica;
        this.storage = replica.storage();
        this.clock = clock;
    }

    /**
     * Carries out a restore request from the named generation, or from the one Litestream would choose.
     *
     * @return {@link LitestreamOutcome.Restored} with what was restored, or {@link LitestreamOutcome.Skipped} when the
     *         request asked to do nothing in the situation found
     * @throws RestoreException when the database cannot be restored; its reason says why
     */
    public LitestreamOutcome restore(RestoreRequest request, Optional<String> generation) throws RestoreException {
        Path output = request.output().toAbsolutePath().normalize();
        if (request.skipIfOutputExists() && Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
            String note = "database " + output + " already exists; nothing restored";
            log.info("{}", note);
            return new LitestreamOutcome.Skipped(RestoreOutcome.Why.OUTPUT_EXISTS, note);
        }
        Restorer.checkOutput(output, request.overwrite());
        if (!replica.hasSnapshot() && request.skipIfReplicaEmpty()) {
            String note = "Litestream replica " + replica.replica() + " holds no snapshot; nothing restored";
            log.info("{}", note);
            return new LitestreamOutcome.Skipped(RestoreOutcome.Why.REPLICA_EMPTY, note);
        }
        LitestreamPlan plan = new LitestreamPlanner(replica).plan(request.target(), generation);
        log.info("replica {} is a Litestream 0.3 replica; restoring its generation {}", replica.replica(),
                plan.generation().name());
        return new LitestreamOutcome.Restored(apply(plan, output, request.overwrite(), request.verify()));
    }

    /**
     * Restores {@code plan} to {@code output}.
     *
     * @throws RestoreException when any object fails to read or verify, the WAL has a hole, a local file operation
     *                          fails, the output exists and may not be replaced, or the integrity check fails
     */
    public LitestreamRestoreResult apply(LitestreamPlan plan, Path output, boolean overwrite, boolean verify)
            throws RestoreException {
        Path out = output.toAbsolutePath().normalize();
        Restorer.checkOutput(out, overwrite);
        Instant started = clock.instant();
        log.info("restoring {} from {} to {}: {}", out, replica.replica(),
                plan.target() instanceof RestoreTarget.Latest ? "the latest state" : plan.target().describe(),
                plan.describe());
        LitestreamObject snapshot = plan.snapshot();
        Copied copied = copySnapshot(snapshot, out);
        StagedDatabase staged = copied.staged();
        int pageSize = copied.pageSize();
        long pages = copied.pages();
        log.info("applied snapshot {} ({}): {} pages of {} bytes", snapshot.key(), snapshot.createdAt(), pages, pageSize);
        Path walFile = staged.path().resolveSibling(staged.path().getFileName() + ".litestream-wal");
        boolean done = false;
        try {
            walFile.toFile().deleteOnExit(); // an interrupted restore must not leave a WAL-sized file behind
            WalIndexApplier applier = new WalIndexApplier(storage, staged, walFile, pageSize);
            long walIndex = snapshot.index();
            long walOffset = 0;
            Instant time = snapshot.createdAt();
            long frames = 0;
            Instant lastReport = started;
            for (int i = 0; i < plan.indexes().size(); i++) {
                LitestreamPlan.WalIndex index = plan.indexes().get(i);
                WalIndexApplier.Applied applied = applier.apply(index);
                if (applied.commitSize().isPresent()) {
                    pages = applied.commitSize().get();
                    walIndex = index.index();
                    walOffset = applied.walEnd();
                    time = applied.lastSegment().orElseThrow().createdAt();
                }
                frames += applied.frames();
                String position = LitestreamKeys.position(plan.generation().name(), walIndex, walOffset);
                log.debug("applied WAL index {} ({} of {}): {} frames, now at {}", LitestreamKeys.hex(index.index()),
                        i + 1, plan.indexes().size(), applied.frames(), position);
                Instant now = clock.instant();
                if (Duration.between(lastReport, now).compareTo(PROGRESS_INTERVAL) >= 0) {
                    log.info("applied {} of {} WAL indexes, now at {} ({})", i + 1, plan.indexes().size(), position,
                            time);
                    lastReport = now;
                }
            }
            deleteWal(walFile);
            try {
                staged.finish(pages);
            } catch (IOException e) {
                throw Restorer.localFailure("cannot write " + staged.path(), e);
            }
            Restorer.verifyAndPublish(staged, out, overwrite, verify);
            done = true;
            Duration elapsed = Duration.between(started, clock.instant());
            LitestreamRestoreResult result = new LitestreamRestoreResult(out, plan.generation().name(), snapshot.key(),
                    walIndex, walOffset, time, pages, pageSize, plan.segmentCount(), frames, verify, elapsed);
            log.info("restored {} to Litestream position {} ({}), {} pages of {} bytes, {} frame(s) applied from {}"
                            + " segment(s), in {} ms", out, result.position(), time, pages, pageSize, frames,
                    result.segments(), elapsed.toMillis());
            return result;
        } finally {
            if (!done) {
                staged.discard();
                deleteWal(walFile);
            }
        }
    }

    /** A snapshot copied into a new staged file. */
    private record Copied(StagedDatabase staged, int pageSize, long pages) {
    }

    /**
     * Copies the snapshot's pages into a new staged file beside {@code out}, reading the object to its end so that its
     * content checksum is verified; the staged file is discarded if anything fails.
     */
    private Copied copySnapshot(LitestreamObject snapshot, Path out) throws RestoreException {
        StagedDatabase staged = null;
        boolean done = false;
        try (InputStream in = new BufferedInputStream(new Lz4ObjectStream(snapshot.key(),
                storage.get(snapshot.key(), 0)), 1 << 16)) {
            byte[] head = in.readNBytes(DATABASE_HEADER);
            int pageSize = head.length == DATABASE_HEADER ? WalFormat.databasePageSize(head) : 0;
            if (pageSize == 0) {
                throw new CorruptObjectException(snapshot.key(), "its content is not a SQLite database");
            }
            try {
                staged = StagedDatabase.create(out, pageSize);
            } catch (IOException e) {
                throw Restorer.localFailure("cannot create a temporary file beside " + out, e);
            }
            byte[] page = new byte[pageSize];
            System.arraycopy(head, 0, page, 0, head.length);
            int filled = head.length;
            long pgno = 0;
            while (true) {
                filled += in.readNBytes(page, filled, pageSize - filled);
                if (filled == 0) {
                    break;
                }
                if (filled < pageSize) {
                    throw new CorruptObjectException(snapshot.key(), "its database is " + (pgno * pageSize + filled)
                            + " bytes, not a whole number of " + pageSize + "-byte pages");
                }
                pgno++;
                try {
                    staged.writePage(pgno, page);
                } catch (IOException e) {
                    throw Restorer.localFailure("cannot write " + staged.path(), e);
                }
                filled = 0;
            }
            done = true;
            return new Copied(staged, pageSize, pgno);
        } catch (IOException e) {
            throw RestoreException.fromReplica(e, storage.describe());
        } finally {
            if (!done && staged != null) {
                staged.discard();
            }
        }
    }

    private static void deleteWal(Path walFile) {
        try {
            Files.deleteIfExists(walFile);
        } catch (IOException e) {
            log.warn("cannot delete the temporary file {}: {}", walFile, e.toString());
        }
    }
}
