package io.walship.cli;

import io.walship.config.DatabaseConfig;
import io.walship.config.ByteSize;
import io.walship.replica.Lineage;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.RestoreException;
import io.walship.restore.Prefetch;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreProgress;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreResult;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import io.walship.restore.litestream.ReplicaLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code walship restore}: parses the options into a {@link RestoreRequest}, runs the {@link Restorer} and prints the
 * result. All restore logic lives in the restore module.
 */
@Command(name = "restore", sortOptions = false,
        description = {
            "Restore a SQLite database from a replica: the latest state, the state right after a txid, or the state"
                    + " at a point in time.",
            "",
            "The database is built in a temporary file beside OUT (.OUT.walship-restore-XXXXXXXX) and renamed to OUT"
                    + " only once complete, fsynced and checked; on any failure the temporary file is deleted and OUT"
                    + " is left as it was. Every replica object read is verified to its last byte; a corrupt or"
                    + " missing object, or a gap in the txids, is an error, never a shorter history.",
            "",
            "Unless --no-verify is given, PRAGMA integrity_check must return ok before OUT is written. A restored"
                    + " database that fails it is kept as OUT.corrupt for inspection (it holds exactly what the"
                    + " replica holds, possibly the only copy) and OUT is left untouched.",
            "",
            "The restored database keeps the WAL journal mode of its source; no -wal or -shm file is left beside it.",
            "",
            "With -config FILE the argument is a database path listed in FILE: it is restored from its first replica (or"
                    + " --replica NAME), with the credentials FILE gives, to -o OUT or, without -o, to its own path, as"
                    + " litestream restore does (add --if-db-not-exists for a start-up script).",
            "",
            "A replica Litestream 0.3 wrote (generations/...), with no walship objects in it, is restored the same way:"
                    + " the latest state or --timestamp (object times, as Litestream uses them), from the newest"
                    + " generation or --generation; it has no txids."
        })
public final class RestoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Path of the database to write. Its folder is created if missing. Required unless -config"
                    + " names the database, whose path is then the default.")
    Path output;

    @Mixin
    ReplicaSelection selection;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    /** At most one of --txid and --timestamp; neither means the latest state. */
    static final class Target {
        @Option(names = "--txid", paramLabel = "N",
                description = "Restore the state right after transaction N.")
        Long txid;

        @Option(names = "--timestamp", paramLabel = "T", converter = Rfc3339.class,
                description = "Restore the last transaction committed at or before T, an RFC 3339 time such as"
                        + " 2026-11-26T04:00:00Z or 2026-11-26T05:00:00+01:00.")
        Instant timestamp;
    }

    @Option(names = "--force",
            description = "Replace OUT if it exists, deleting its stale -wal, -shm and -journal files (which SQLite"
                    + " would otherwise apply to the restored database). Stop every process using OUT first.")
    boolean force;

    @Option(names = "--if-db-not-exists",
            description = "If OUT exists, print a note and exit 0 without restoring (takes precedence over --force).")
    boolean ifDbNotExists;

    @Option(names = "--if-replica-exists",
            description = "If the replica holds no snapshot, print a note and exit 0 without restoring.")
    boolean ifReplicaExists;

    @Option(names = "--no-verify", description = "Skip PRAGMA integrity_check of the restored database.")
    boolean noVerify;

    @Option(names = "--generation", paramLabel = "G",
            description = "Litestream 0.3 replicas only: restore generation G (as 'walship ls' lists them) instead"
                    + " of the newest.")
    String generation;

    @Option(names = "--lineage", paramLabel = "ID", converter = LineageConverter.class,
            description = "Restore only this lineage's objects: its 16 hex digits as 'walship ls' shows them, or"
                    + " 'legacy' for objects of format version 1. Needed when the replica holds several lineages"
                    + " (two writers on one path, or a history started over); without it such a replica is refused"
                    + " (exit 4).")
    Lineage lineage;

    @Option(names = "--mode", paramLabel = "OCTAL",
            description = "Permission bits of the restored file, such as 0640 (default: the source database's mode,"
                    + " recorded in the snapshot, else 0600).")
    String mode;

    @Option(names = "--progress",
            description = "Print progress on stderr every second: objects and MiB done of the total, rate and ETA."
                    + " On by default when stderr is a terminal.")
    boolean progress;

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "" + Prefetch.DEFAULT_OBJECTS,
            description = "Objects downloaded and decompressed at once, ahead of the one being applied"
                    + " (default: ${DEFAULT-VALUE}).")
    int prefetchObjects;

    @Option(names = "--prefetch-memory", paramLabel = "SIZE",
            description = "Most decoded bytes waiting to be written, such as 64MiB (default: 64MiB, or a quarter of the"
                    + " maximum heap if that is less).")
    String prefetchMemory;

    @Parameters(index = "0", paramLabel = "REPLICA|DB",
            description = "The replica: a folder (/absolute/path or ./relative/path), file:///absolute/path,"
                    + " file://./relative/path or s3://BUCKET/PATH?endpoint=...&region=...; with -config, the path of a"
                    + " database listed in the file.")
    String replica;

    /** Time for progress reports and durations; a field so that nothing reads the system clock behind our back. */
    Clock clock = Clock.systemUTC();

    /** Opens the replica; {@link Walship#commandLine(ReplicaOpener)} replaces it in tests. */
    ReplicaOpener opener = ReplicaOpener.FROM_ENVIRONMENT;

    @Override
    public Integer call() throws Exception {
        ReplicaSelection.Selected selected = selection.select(spec, replica, System.getenv());
        Path out = output != null ? output : selected.database().map(DatabaseConfig::path).orElseThrow(() ->
                new ParameterException(spec.commandLine(), "Missing required option: '--output=OUT' (or -config FILE"
                        + " with a database path, which is then the default)"));
        RestoreRequest request = RestoreRequest.to(out)
                .withTarget(target())
                .withOverwrite(force)
                .withSkipIfOutputExists(ifDbNotExists)
                .withSkipIfReplicaEmpty(ifReplicaExists)
                .withVerify(!noVerify)
                .withLineage(Optional.ofNullable(lineage))
                .withPrefetch(prefetch())
                .withFileMode(fileMode());
        RestoreOutcome outcome;
        RestoreProgress tracker = new RestoreProgress(clock);
        ProgressLine line = progress || terminal.getAsBoolean()
                ? ProgressLine.start(tracker, spec.commandLine().getErr()) : null;
        try (ReplicaStorage storage = opener.open(selected.location())) {
            // A replica Litestream wrote, with no walship objects, is restored by the Litestream reader. An output that
            // --if-db-not-exists keeps, or that may not be replaced, needs no look at the replica at all.
            if (!(ifDbNotExists && Files.exists(out, LinkOption.NOFOLLOW_LINKS))) {
                Restorer.checkOutput(out.toAbsolutePath().normalize(), force);
                ReplicaLayout layout = LitestreamCli.detect(storage);
                if (!(layout instanceof ReplicaLayout.Walship)) {
                    return LitestreamCli.restore(spec, layout, request, generation, clock);
                }
                if (generation != null) {
                    throw new ParameterException(spec.commandLine(), "--generation applies only to Litestream 0.3"
                            + " replicas; " + storage.describe() + " is a walship replica");
                }
            }
            outcome = new Restorer(storage, clock).restore(request, tracker);
        } catch (RestoreException e) {
            throw withHint(e);
        } finally {
            if (line != null) {
                line.close();
            }
        }
        if (outcome instanceof RestoreOutcome.Skipped skipped) {
            String flag = skipped.why() == RestoreOutcome.Why.OUTPUT_EXISTS ? "--if-db-not-exists" : "--if-replica-exists";
            spec.commandLine().getOut().println(skipped.note() + " (" + flag + ")");
        } else {
            spec.commandLine().getOut().println(summary(((RestoreOutcome.Restored) outcome).result()));
        }
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    /** Whether stderr is a terminal, so progress is shown without being asked; a field so tests can say. */
    BooleanSupplier terminal = StandardError::isTerminal;

    private OptionalInt fileMode() {
        if (mode == null) {
            return OptionalInt.empty();
        }
        try {
            int m = Integer.parseInt(mode.trim(), 8);
            if (m < 0 || m > 0777) {
                throw new NumberFormatException();
            }
            return OptionalInt.of(m);
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--mode " + mode + " is not a file mode; give octal"
                    + " permission bits such as 0600 or 0640");
        }
    }

    private Prefetch prefetch() {
        try {
            return prefetchMemory == null ? Prefetch.withObjects(prefetchObjects)
                    : new Prefetch(prefetchObjects, ByteSize.parse(prefetchMemory).bytes());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--prefetch " + prefetchObjects
                    + (prefetchMemory == null ? "" : " --prefetch-memory " + prefetchMemory) + ": " + e.getMessage());
        }
    }

    private RestoreTarget target() {
        if (target == null) {
            return RestoreTarget.latest();
        }
        if (target.txid != null) {
            if (target.txid < 1) {
                throw new ParameterException(spec.commandLine(), "--txid must be 1 or more, not " + target.txid);
            }
            return RestoreTarget.txid(target.txid);
        }
        return RestoreTarget.timestamp(target.timestamp);
    }

    /** Adds the option that resolves the failure, where there is one. */
    private static RestoreException withHint(RestoreException e) {
        if (e.reason() == RestoreException.Reason.OUTPUT_EXISTS) {
            return new RestoreException(e.reason(), e.getMessage() + " (--force replaces it, --if-db-not-exists"
                    + " leaves it and exits 0)", e.objectKey().orElse(null), e);
        }
        return e;
    }

    /** The one line printed on success, for the operator and for scripts that log it. */
    static String summary(RestoreResult r) {
        String fallback = r.skippedSnapshots().isEmpty() ? "" : ", from older snapshot " + r.snapshotKey() + " because "
                + r.skippedSnapshots().stream().map(RestoreResult.SkippedSnapshot::key).collect(Collectors.joining(", "))
                + " cannot be used";
        return "restored " + r.output() + " to txid " + r.txid() + " (" + DateTimeFormatter.ISO_INSTANT.format(r.time())
                + "), " + r.pages() + " pages, " + (r.integrityChecked() ? "integrity ok" : "integrity not checked")
                + fallback;
    }

    /** Parses a lineage as {@code ls} shows it, or {@code legacy}. */
    static final class LineageConverter implements ITypeConverter<Lineage> {
        @Override
        public Lineage convert(String value) {
            try {
                return Lineage.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses RFC 3339 times; an offset is required, because a local time is ambiguous in a disaster recovery. */
    static final class Rfc3339 implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            String normalized = value.trim().toUpperCase(Locale.ROOT);
            if (normalized.length() > 10 && normalized.charAt(10) == ' ') {
                normalized = normalized.substring(0, 10) + "T" + normalized.substring(11);
            }
            try {
                return OffsetDateTime.parse(normalized, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not an RFC 3339 time with an offset, such as"
                        + " 2026-11-26T04:00:00Z or 2026-11-26T05:00:00+01:00");
            }
        }
    }
}
