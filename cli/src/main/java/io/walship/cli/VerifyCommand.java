package io.walship.cli;

import io.walship.replica.JsonWriter;
import io.walship.replica.Lineage;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.StorageException;
import io.walship.restore.DrillResult;
import io.walship.restore.HistoryConflict;
import io.walship.restore.ObjectCheck;
import io.walship.restore.ReplicaCatalog;
import io.walship.restore.ReplicaVerifier;
import io.walship.restore.RestoreDrill;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreResult;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import io.walship.restore.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code walship verify}: checks a whole replica with {@link ReplicaVerifier} (every object read to its end, the
 * restorable windows and gaps), optionally runs a {@link RestoreDrill}, and prints the findings as text or one JSON
 * object. The exit code is the most serious finding, as {@code restore} would report it.
 */
@Command(name = "verify", sortOptions = false,
        description = {
            "Check a whole replica: read every snapshot and segment to its last byte and verify its header and content"
                    + " checksums (ls reads headers only), check txid continuity from each snapshot, and report the"
                    + " restorable txid windows and any gap. Objects that fail are named; they are never skipped.",
            "",
            "With --restore, also run a restore drill: restore the latest state (or --txid / --timestamp) into a"
                    + " temporary folder in --temp-dir, exactly as 'walship restore' would, run PRAGMA integrity_check"
                    + " and print the restored state's page checksum; the temporary files are deleted afterwards."
                    + " The drill needs free space for one copy of the database.",
            "",
            "With --restore and -config FILE DB (and no --txid or --timestamp), also compare the replica with the live"
                    + " database: the walship daemon that replicates DB (at the file's addr) computes the page checksum"
                    + " of the database at the txid it captured last, under its read transaction; the drill of that"
                    + " txid must have the same checksum. A difference (exit 4) is a replica that silently diverged"
                    + " from the database, for example a page written to the file behind SQLite's back. Exit 13 when"
                    + " no daemon answers at addr.",
            "",
            "The exit code is that of the most serious finding: 6 the drill's integrity check failed, 4 a corrupt"
                    + " (or, in the drill, missing) object or objects no restore may combine (several lineages without"
                    + " --lineage, overlapping segments, two snapshots at one txid), 3 a gap in the history or nothing"
                    + " restorable, 0 none.",
            "",
            "With --json, print exactly one JSON object: {\"replica\", \"latestTxid\", \"objects\":{\"verified\","
                    + " \"corrupt\":[{\"key\", \"problem\"}], \"vanished\":[key]}, \"summary\":{as in ls --json},"
                    + " \"lineages\":[{\"lineage\", \"latestTxid\", \"summary\"}], \"conflicts\":[{\"kind\", \"objects\","
                    + " \"problem\"}], \"verdict\":\"ok\"|\"gap\"|\"nothing-restorable\"|\"conflict\"|\"corrupt\", \"drill\":null or {\"target\","
                    + " \"passed\":true, \"txid\", \"time\", \"pages\", \"pageSize\", \"snapshot\", \"skippedSnapshots\":"
                    + "[{\"key\", \"problem\"}], \"checksum\", \"elapsedMs\"} or {\"target\", \"passed\":false,"
                    + " \"reason\", \"objectKey\", \"message\"}, \"live\":null or {\"compared\":true, \"matches\","
                    + " \"txid\", \"checksum\" or \"live\", \"restored\", \"difference\"} or {\"compared\":false,"
                    + " \"reason\"}, \"exitCode\"}."
        })
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--restore",
            description = "Also restore into a temporary file and run PRAGMA integrity_check (a restore drill).")
    boolean restore;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    RestoreCommand.Target target;

    @Option(names = "--lineage", paramLabel = "ID", converter = RestoreCommand.LineageConverter.class,
            description = "Verify only this lineage (its 16 hex digits as 'walship ls' shows them, or 'legacy'), and"
                    + " drill it. A replica holding several lineages is reported, exit 4, unless one is chosen.")
    Lineage lineage;

    @Option(names = "--temp-dir", paramLabel = "DIR",
            description = "Folder for the drill's temporary database (default: the system's temporary folder).")
    Path tempDir;

    // With -config and --restore the live database is known too (ReplicaSelection.Selected.database()): the drill of
    // the txid walship captured last is compared with the live database's checksum (LiveComparison).
    @Mixin
    ReplicaSelection selection;

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
        if (target != null && !restore) {
            throw new ParameterException(spec.commandLine(),
                    "--txid and --timestamp choose the point of the restore drill; add --restore");
        }
        VerifyReport report;
        Optional<DrillResult> drill = Optional.empty();
        Optional<LiveComparison.Outcome> live = Optional.empty();
        ReplicaSelection.Selected selected = selection.select(spec, replica, System.getenv());
        try (ReplicaStorage storage = opener.open(selected.location())) {
            ReplicaCatalog catalog;
            try {
                catalog = ReplicaCatalog.load(storage);
            } catch (IOException e) {
                throw RestoreException.fromReplica(e, storage.describe());
            }
            catalog = Restorer.chooseLineage(catalog, Optional.ofNullable(lineage));
            report = new ReplicaVerifier(catalog, clock).verify();
            if (restore) {
                Path scratch = tempDir != null ? tempDir : Path.of(System.getProperty("java.io.tmpdir"));
                drill = Optional.of(new RestoreDrill(storage, scratch, clock).run(drillTarget(),
                        Optional.ofNullable(lineage)));
                if (target == null && selected.database().isPresent()) {
                    // The live database is known: compare it with the replica at the txid walship captured last.
                    live = Optional.of(new LiveComparison(storage, scratch, clock).compare(selected.daemonAddress(),
                            selected.database().get().path(), Optional.ofNullable(lineage), drill));
                }
            }
        }
        int code = exitCode(report, drill);
        if (live.orElse(null) instanceof LiveComparison.Outcome.Differs) {
            code = moreSerious(code, ExitCodes.CORRUPT_OBJECT);
        } else if (live.orElse(null) instanceof LiveComparison.Outcome.NotCompared n && n.daemonUnreachable()) {
            code = moreSerious(code, ExitCodes.DAEMON_UNREACHABLE);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? json(report, drill, live, code) + "\n" : text(report, drill, live));
        out.flush();
        if (code != ExitCodes.OK) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("walship: " + Walship.oneLine(problems(report, drill, live)));
            err.flush();
        }
        return code;
    }

    private RestoreTarget drillTarget() {
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

    /** The exit code of the verification's verdict alone. */
    static int exitCode(VerifyReport.Verdict verdict) {
        return switch (verdict) {
            case OK -> ExitCodes.OK;
            case GAP, NOTHING_RESTORABLE -> ExitCodes.NOT_RESTORABLE;
            case CORRUPT, CONFLICT -> ExitCodes.CORRUPT_OBJECT;
        };
    }

    /** The exit code of a failed drill, as {@code walship restore} would have exited. */
    static int exitCode(RestoreException e) {
        return e.getCause() instanceof StorageException storage ? ExitCodes.of(storage.problem()) : ExitCodes.of(e.reason());
    }

    /** The most serious of the verification's and the drill's codes: a finding about the replica before an error. */
    static int exitCode(VerifyReport report, Optional<DrillResult> drill) {
        int code = exitCode(report.verdict());
        if (drill.orElse(null) instanceof DrillResult.Failed failed) {
            code = moreSerious(code, exitCode(failed.error()));
        }
        return code;
    }

    private static final List<Integer> SEVERITY = List.of(ExitCodes.INTEGRITY_FAILED, ExitCodes.CORRUPT_OBJECT,
            ExitCodes.NOT_RESTORABLE);

    private static int moreSerious(int a, int b) {
        if (a == b || b == ExitCodes.OK) {
            return a;
        }
        if (a == ExitCodes.OK) {
            return b;
        }
        int ra = SEVERITY.indexOf(a);
        int rb = SEVERITY.indexOf(b);
        if (ra < 0 && rb < 0) {
            return a;
        }
        if (ra < 0 || rb < 0) {
            return ra < 0 ? b : a;
        }
        return ra <= rb ? a : b;
    }

    /** The one stderr line: every problem found, most serious first. */
    static String problems(VerifyReport report, Optional<DrillResult> drill) {
        return problems(report, drill, Optional.empty());
    }

    static String problems(VerifyReport report, Optional<DrillResult> drill, Optional<LiveComparison.Outcome> live) {
        List<String> parts = new ArrayList<>();
        List<ObjectCheck.Corrupt> corrupt = report.corrupt();
        if (!corrupt.isEmpty()) {
            parts.add(corrupt.size() + " corrupt object" + (corrupt.size() == 1 ? "" : "s") + " that no restore can use ("
                    + corrupt.stream().map(ObjectCheck.Corrupt::describe).collect(Collectors.joining("; ")) + ")");
        }
        report.conflicts().forEach(c -> parts.add(c.describe()));
        if (report.lineages().values().stream().allMatch(l -> l.history().windows().isEmpty())) {
            parts.add("nothing is restorable: the replica holds no usable snapshot");
        }
        report.gapDescriptions().forEach(g -> parts.add(g + " cannot be restored"));
        if (drill.orElse(null) instanceof DrillResult.Failed failed) {
            parts.add("restore drill failed: " + failed.error().getMessage());
        }
        if (live.orElse(null) instanceof LiveComparison.Outcome.Differs d) {
            parts.add("the replica diverged from the live database: at txid " + d.txid() + " " + d.difference()
                    + "; take a new snapshot (restart walship with -new-lineage on a new path) and find what wrote the"
                    + " database behind SQLite's back");
        } else if (live.orElse(null) instanceof LiveComparison.Outcome.NotCompared n && n.daemonUnreachable()) {
            parts.add("live database not compared: " + n.reason());
        }
        return "replica " + report.replica() + ": " + String.join("; ", parts);
    }

    static String text(VerifyReport report, Optional<DrillResult> drill) {
        return text(report, drill, Optional.empty());
    }

    static String text(VerifyReport report, Optional<DrillResult> drill, Optional<LiveComparison.Outcome> live) {
        StringBuilder b = new StringBuilder("replica ").append(report.replica()).append('\n');
        b.append("verified ").append(report.objects().size()).append(" object")
                .append(report.objects().size() == 1 ? "" : "s").append(": ").append(report.verifiedCount())
                .append(" ok, ").append(report.corrupt().size()).append(" corrupt");
        if (!report.vanished().isEmpty()) {
            b.append(", ").append(report.vanished().size()).append(" deleted since the listing");
        }
        b.append('\n');
        for (ObjectCheck.Corrupt c : report.corrupt()) {
            b.append("CORRUPT ").append(Walship.oneLine(c.describe())).append('\n');
        }
        for (ObjectCheck.Vanished v : report.vanished()) {
            b.append("VANISHED ").append(v.object().key()).append(" (deleted since the listing, as retention does)\n");
        }
        for (HistoryConflict c : report.conflicts()) {
            b.append(c instanceof HistoryConflict.MixedLineages ? "WARNING: " : "PROBLEM: ")
                    .append(Walship.oneLine(c.describe())).append('\n');
        }
        if (report.lineages().size() > 1) {
            report.lineages().forEach((l, summary) -> b.append("lineage ").append(l).append('\n')
                    .append(SummaryFormat.text(summary)).append("latest txid ").append(summary.latestTxid())
                    .append('\n'));
        } else {
            report.lineages().keySet().forEach(l -> b.append("lineage ").append(l).append('\n'));
            b.append(SummaryFormat.text(report.summary()));
            b.append("latest txid ").append(report.summary().latestTxid()).append('\n');
        }
        drill.ifPresent(d -> b.append(drillText(d)).append('\n'));
        live.ifPresent(l -> b.append(Walship.oneLine(LiveComparison.text(l))).append('\n'));
        return b.append("verdict: ").append(verdict(report.verdict())).append('\n').toString();
    }

    private static String drillText(DrillResult drill) {
        if (drill instanceof DrillResult.Passed p) {
            RestoreResult r = p.restore();
            String fallback = r.skippedSnapshots().isEmpty() ? "" : "; started from older snapshot " + r.snapshotKey()
                    + " because " + r.skippedSnapshots().stream().map(RestoreResult.SkippedSnapshot::describe)
                    .collect(Collectors.joining(", ")) + " cannot be used";
            return "restore drill: " + p.target().describe() + " restored to txid " + r.txid() + " ("
                    + SummaryFormat.time(r.time()) + "), " + r.pages() + " pages, integrity ok, "
                    + p.checksum().describe() + ", in " + p.elapsed().toMillis() + " ms" + fallback;
        }
        DrillResult.Failed f = (DrillResult.Failed) drill;
        return "restore drill: " + f.target().describe() + " FAILED: " + Walship.oneLine(f.error().getMessage());
    }

    private static String verdict(VerifyReport.Verdict v) {
        return v.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String json(VerifyReport report, Optional<DrillResult> drill, int code) {
        return json(report, drill, Optional.empty(), code);
    }

    static String json(VerifyReport report, Optional<DrillResult> drill, Optional<LiveComparison.Outcome> live, int code) {
        JsonWriter w = JsonWriter.compact().beginObject()
                .name("replica").value(report.replica())
                .name("latestTxid").value(report.summary().latestTxid())
                .name("objects").beginObject()
                .name("verified").value(report.verifiedCount())
                .name("corrupt").beginArray();
        for (ObjectCheck.Corrupt c : report.corrupt()) {
            w.beginObject().name("key").value(c.object().key()).name("problem").value(c.problem()).endObject();
        }
        w.endArray().name("vanished").beginArray();
        report.vanished().forEach(v -> w.value(v.object().key()));
        w.endArray().endObject().name("summary");
        SummaryFormat.json(w, report.summary());
        w.name("lineages").beginArray();
        report.lineages().forEach((lineage, summary) -> {
            w.beginObject().name("lineage").value(lineage.toString()).name("latestTxid").value(summary.latestTxid())
                    .name("summary");
            SummaryFormat.json(w, summary);
            w.endObject();
        });
        w.endArray().name("conflicts");
        LsCommand.conflictsJson(w, report.conflicts());
        w.name("verdict").value(verdict(report.verdict())).name("drill");
        if (drill.isPresent()) {
            drillJson(w, drill.get());
        } else {
            w.nullValue();
        }
        w.name("live");
        if (live.isPresent()) {
            LiveComparison.json(w, live.get());
        } else {
            w.nullValue();
        }
        return w.name("exitCode").value(code).endObject().toJson();
    }

    private static void drillJson(JsonWriter w, DrillResult drill) {
        w.beginObject().name("target").value(drill.target().describe());
        if (drill instanceof DrillResult.Passed p) {
            RestoreResult r = p.restore();
            w.name("passed").value(true)
                    .name("txid").value(r.txid())
                    .name("time").value(SummaryFormat.time(r.time()))
                    .name("pages").value(r.pages())
                    .name("pageSize").value(r.pageSize())
                    .name("snapshot").value(r.snapshotKey())
                    .name("skippedSnapshots").beginArray();
            r.skippedSnapshots().forEach(s -> w.beginObject().name("key").value(s.key()).name("problem").value(s.problem())
                    .endObject());
            w.endArray()
                    .name("checksum").value(p.checksum().describe())
                    .name("elapsedMs").value(p.elapsed().toMillis());
        } else {
            RestoreException e = ((DrillResult.Failed) drill).error();
            w.name("passed").value(false)
                    .name("reason").value(e.reason().name())
                    .name("objectKey").value(e.objectKey().orElse(null))
                    .name("message").value(Walship.oneLine(e.getMessage()));
        }
        w.endObject();
    }
}
