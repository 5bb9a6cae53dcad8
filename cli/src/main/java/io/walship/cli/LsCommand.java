package io.walship.cli;

import io.walship.config.FolderLocation;
import io.walship.config.ReplicaLocation;
import io.walship.replica.JsonWriter;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.StorageException;
import io.walship.restore.HistoryConflict;
import io.walship.restore.ReplicaCatalog;
import io.walship.restore.ReplicaListing;
import io.walship.restore.ReplicaObject;
import io.walship.restore.ReplicaSummary;
import io.walship.restore.RestoreException;
import io.walship.restore.litestream.ReplicaLayout;
import io.walship.restore.Restorer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code walship ls}: shows a replica's snapshots and segments with what their headers say, as a table or as one
 * JSON object for scripts. Objects whose header cannot be read are named on stderr and make the exit code
 * {@value ExitCodes#CORRUPT_OBJECT}, after everything readable has been shown. A folder replica that does not exist is
 * an error ({@value ExitCodes#BUCKET_NOT_FOUND}, as a missing bucket), not an empty listing: it is almost always a
 * mistyped path.
 */
@Command(name = "ls", sortOptions = false,
        description = {
            "List a replica's snapshots and segments in txid order: kind, level, txids, time range, transactions,"
                    + " database pages, size in bytes and key. Objects of format version 2 are listed from the"
                    + " replica's listing alone (their keys carry txids, times, level and lineage); a version-1 object's"
                    + " header is read for its times. PAGES shows '-' where no header was read.",
            "",
            "Each lineage (a separate history: a second walship writing to the same path, or a history started over)"
                    + " is listed on its own, with a WARNING line; --lineage shows one. Objects no restore may combine"
                    + " (overlapping segments of one level, partial overlaps across levels, two snapshots at one txid)"
                    + " are named on PROBLEM lines. Either makes the exit code 4 (several lineages: unless --lineage"
                    + " is given).",
            "",
            "After each lineage's table, a summary: the restorable txid windows with their times, gaps in the history,"
                    + " and the number and bytes of snapshots and segments. It is computed from the listing only;"
                    + " 'walship verify' reads every object to its end.",
            "",
            "With --json, print exactly one JSON object: {\"replica\":..., \"snapshots\":[{\"key\", \"lineage\","
                    + " \"txid\", \"time\", \"databasePages\", \"pageSize\", \"size\"}], \"segments\":[{\"key\","
                    + " \"lineage\", \"level\", \"firstTxid\", \"lastTxid\", \"firstTime\", \"lastTime\","
                    + " \"transactions\", \"databasePages\", \"size\"}], \"latestTxid\":..., \"summary\":{\"windows\":"
                    + "[{\"firstTxid\", \"firstTime\", \"lastTxid\", \"lastTime\"}], \"gaps\":[{\"firstTxid\","
                    + " \"lastTxid\"}], \"snapshots\":{\"count\", \"bytes\"}, \"segments\":{\"count\", \"bytes\"}},"
                    + " \"lineages\":[{\"lineage\", \"latestTxid\", \"summary\"}], \"conflicts\":[{\"kind\","
                    + " \"objects\":[key], \"problem\"}]}. databasePages and pageSize are JSON null where no header"
                    + " was read; lineage is 16 hex digits or \"legacy\"; the top-level summary is that of the lineage"
                    + " holding the latest txid. Objects with an unreadable header are left out of it (but counted in"
                    + " the summary), named on stderr, and make the exit code 4.",
            "",
            "A folder that does not exist is an error (exit code 10), like a bucket that does not exist. With -config"
                    + " FILE the argument is a database path listed in FILE and its first replica (or --replica NAME) is"
                    + " listed.",
            "",
            "A replica Litestream 0.3 wrote, with no walship objects in it, is listed as such: each snapshot and each"
                    + " generation's WAL index range, with object times (--json: \"layout\":\"litestream-0.3\","
                    + " \"generations\":[...]). A Litestream 0.5 (LTX) replica is named, not read."
        })
public final class LsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--lineage", paramLabel = "ID", converter = RestoreCommand.LineageConverter.class,
            description = "List only this lineage: its 16 hex digits as ls shows them, or 'legacy'.")
    Lineage lineage;

    @Mixin
    ReplicaSelection selection;

    @Parameters(index = "0", paramLabel = "REPLICA|DB",
            description = "The replica: a folder (/absolute/path or ./relative/path), file:///absolute/path,"
                    + " file://./relative/path or s3://BUCKET/PATH?endpoint=...&region=...; with -config, the path of a"
                    + " database listed in the file.")
    String replica;

    /** Opens the replica; {@link Walship#commandLine(ReplicaOpener)} replaces it in tests. */
    ReplicaOpener opener = ReplicaOpener.FROM_ENVIRONMENT;

    @Override
    public Integer call() throws Exception {
        ReplicaLocation location = selection.select(spec, replica, System.getenv()).location();
        if (location instanceof FolderLocation folder && !Files.isDirectory(folder.folder())) {
            throw new StorageException(StorageException.Problem.BUCKET_NOT_FOUND, "folder " + folder.folder()
                    + (Files.exists(folder.folder()) ? " is not a folder" : " does not exist") + "; check the replica"
                    + " path (replicate creates it with the first upload)", null);
        }
        ReplicaListing listing;
        try (ReplicaStorage storage = opener.open(location)) {
            ReplicaLayout layout = LitestreamCli.detect(storage);
            if (!(layout instanceof ReplicaLayout.Walship)) {
                return LitestreamCli.ls(spec, layout, json); // a replica Litestream wrote
            }
            try {
                ReplicaCatalog catalog = ReplicaCatalog.load(storage);
                listing = Restorer.chooseLineage(catalog, Optional.ofNullable(lineage)).listing();
            } catch (IOException e) {
                throw RestoreException.fromReplica(e, storage.describe());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? json(listing) + "\n" : table(listing));
        out.flush();
        List<String> problems = new ArrayList<>();
        if (!listing.unreadable().isEmpty()) {
            problems.add(listing.unreadable().size() + " object(s) in " + listing.replica()
                    + " have an unreadable header and are not usable for restores: "
                    + listing.unreadable().stream().map(u -> Walship.oneLine(u.problem())).collect(Collectors.joining("; ")));
        }
        listing.conflicts().forEach(c -> problems.add(c.describe()));
        if (!problems.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("walship: " + Walship.oneLine(String.join("; ", problems)));
            err.flush();
            return ExitCodes.CORRUPT_OBJECT;
        }
        return ExitCodes.OK;
    }

    /** The listing as one JSON object. */
    static String json(ReplicaListing listing) {
        JsonWriter w = JsonWriter.compact().beginObject()
                .name("replica").value(listing.replica())
                .name("snapshots").beginArray();
        for (ReplicaListing.Entry e : listing.snapshots()) {
            Optional<ObjectHeader> h = e.header();
            w.beginObject()
                    .name("key").value(e.object().key())
                    .name("lineage").value(e.object().lineage().toString())
                    .name("txid").value(e.object().lastTxid())
                    .name("time").value(time(e.lastTime()))
                    .name("databasePages");
            if (h.isPresent()) {
                w.value(h.get().databasePages());
            } else {
                w.nullValue();
            }
            w.name("pageSize");
            if (h.isPresent()) {
                w.value(h.get().pageSize());
            } else {
                w.nullValue();
            }
            w.name("size").value(e.object().size()).endObject();
        }
        w.endArray().name("segments").beginArray();
        for (ReplicaListing.Entry e : listing.segments()) {
            ReplicaObject o = e.object();
            w.beginObject()
                    .name("key").value(o.key())
                    .name("lineage").value(o.lineage().toString())
                    .name("level").value(o.level())
                    .name("firstTxid").value(o.firstTxid())
                    .name("lastTxid").value(o.lastTxid())
                    .name("firstTime").value(time(e.firstTime()))
                    .name("lastTime").value(time(e.lastTime()))
                    .name("transactions").value(o.lastTxid() - o.firstTxid() + 1)
                    .name("databasePages");
            if (e.header().isPresent()) {
                w.value(e.header().get().databasePages());
            } else {
                w.nullValue();
            }
            w.name("size").value(o.size()).endObject();
        }
        SortedMap<Lineage, ReplicaSummary> summaries = listing.summaries();
        w.endArray().name("latestTxid").value(listing.latestTxid()).name("summary");
        SummaryFormat.json(w, mainSummary(listing, summaries));
        w.name("lineages").beginArray();
        for (Map.Entry<Lineage, ReplicaSummary> e : summaries.entrySet()) {
            w.beginObject().name("lineage").value(e.getKey().toString())
                    .name("latestTxid").value(e.getValue().latestTxid())
                    .name("summary");
            SummaryFormat.json(w, e.getValue());
            w.endObject();
        }
        w.endArray().name("conflicts");
        conflictsJson(w, listing.conflicts());
        return w.endObject().toJson();
    }

    /** The one lineage's summary, or with several that of the lineage holding the latest txid. */
    private static ReplicaSummary mainSummary(ReplicaListing listing, SortedMap<Lineage, ReplicaSummary> summaries) {
        return summaries.values().stream().max(Comparator.comparingLong(ReplicaSummary::latestTxid))
                .orElse(listing.summary());
    }

    /** Conflicts as a JSON array: {@code [{"kind","objects":[key],"problem"}]}. */
    static void conflictsJson(JsonWriter w, List<HistoryConflict> conflicts) {
        w.beginArray();
        for (HistoryConflict c : conflicts) {
            w.beginObject().name("kind").value(kind(c)).name("objects").beginArray();
            c.objects().forEach(o -> w.value(o.key()));
            w.endArray().name("problem").value(c.describe()).endObject();
        }
        w.endArray();
    }

    static String kind(HistoryConflict c) {
        if (c instanceof HistoryConflict.MixedLineages) {
            return "mixed-lineages";
        }
        if (c instanceof HistoryConflict.OverlappingSegments) {
            return "overlapping-segments";
        }
        if (c instanceof HistoryConflict.PartialCover) {
            return "partial-cover";
        }
        return "duplicate-snapshots";
    }

    /** A JSON string literal, escaped as every JSON document walship writes escapes it. */
    static String string(String s) {
        return JsonWriter.quote(s);
    }

    /** The listing as text: each lineage's objects in an aligned table in txid order, with its summary. */
    static String table(ReplicaListing listing) {
        StringBuilder b = new StringBuilder("replica ").append(listing.replica()).append('\n');
        if (listing.lineages().isEmpty()) {
            return b.append("no snapshots or segments\n").toString();
        }
        for (HistoryConflict c : listing.conflicts()) {
            if (c instanceof HistoryConflict.MixedLineages) {
                b.append("WARNING: ").append(Walship.oneLine(c.describe())).append('\n');
            }
        }
        for (Lineage l : listing.lineages()) {
            ReplicaListing one = listing.only(l);
            b.append("lineage ").append(l).append('\n').append(lineageTable(one));
        }
        for (HistoryConflict c : listing.conflicts()) {
            if (!(c instanceof HistoryConflict.MixedLineages)) {
                b.append("PROBLEM: ").append(Walship.oneLine(c.describe())).append('\n');
            }
        }
        return b.toString();
    }

    private static String lineageTable(ReplicaListing listing) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "LEVEL", "TXIDS", "FIRST TIME", "LAST TIME", "TXNS", "PAGES", "SIZE", "KEY"});
        List<Row> sorted = new ArrayList<>();
        listing.snapshots().forEach(e -> sorted.add(new Row(e.object(), e, null)));
        listing.segments().forEach(e -> sorted.add(new Row(e.object(), e, null)));
        listing.unreadable().forEach(u -> sorted.add(new Row(u.object(), null, u.problem())));
        sorted.sort(Comparator.comparingLong((Row r) -> r.object.firstTxid())
                .thenComparingLong(r -> r.object.lastTxid())
                .thenComparing(r -> r.object.isSnapshot() ? 0 : 1)
                .thenComparingInt(r -> r.object.level()));
        for (Row r : sorted) {
            ReplicaObject o = r.object;
            String txids = o.isSnapshot() ? Long.toString(o.lastTxid()) : o.firstTxid() + "-" + o.lastTxid();
            String kind = o.isSnapshot() ? "snapshot" : "segment";
            String level = o.isSnapshot() ? "-" : Integer.toString(o.level());
            if (r.entry == null) {
                rows.add(new String[] {kind, level, txids, "-", "-", "-", "-", Long.toString(o.size()),
                        o.key() + "  UNREADABLE: " + Walship.oneLine(r.problem)});
            } else {
                rows.add(new String[] {kind, level, txids, time(r.entry.firstTime()), time(r.entry.lastTime()),
                        o.isSnapshot() ? "-" : Long.toString(o.lastTxid() - o.firstTxid() + 1),
                        r.entry.header().map(h -> Long.toString(h.databasePages())).orElse("-"),
                        Long.toString(o.size()), o.key()});
            }
        }
        StringBuilder b = new StringBuilder();
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        boolean[] numeric = {false, true, false, false, false, true, true, true, false};
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(width[i] - row[i].length());
                line.append(i == 0 ? "" : "  ");
                line.append(numeric[i] ? pad + row[i] : i == row.length - 1 ? row[i] : row[i] + pad);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.append("latest txid ").append(listing.latestTxid()).append('\n')
                .append(SummaryFormat.text(listing.summary())).toString();
    }

    private record Row(ReplicaObject object, ReplicaListing.Entry entry, String problem) {
    }

    private static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
