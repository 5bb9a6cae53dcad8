package io.walship.cli;

import io.walship.config.FolderLocation;
import io.walship.config.ReplicaLocation;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.StorageException;
import io.walship.replicator.metrics.Json;
import io.walship.restore.ReplicaCatalog;
import io.walship.restore.ReplicaListing;
import io.walship.restore.ReplicaObject;
import io.walship.restore.RestoreException;
import io.walship.restore.litestream.ReplicaLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
            "List a replica's snapshots and segments in txid order: kind, txids, time range, transactions, database"
                    + " pages, size in bytes and key.",
            "",
            "After the table, a summary: the restorable txid windows with their times, gaps in the history, and the"
                    + " number and bytes of snapshots and segments. It is computed from the headers only; 'walship"
                    + " verify' reads every object to its end.",
            "",
            "With --json, print exactly one JSON object: {\"replica\":..., \"snapshots\":[{\"key\", \"txid\","
                    + " \"time\", \"databasePages\", \"pageSize\", \"size\"}], \"segments\":[{\"key\", \"firstTxid\","
                    + " \"lastTxid\", \"firstTime\", \"lastTime\", \"transactions\", \"databasePages\", \"size\"}],"
                    + " \"latestTxid\":..., \"summary\":{\"windows\":[{\"firstTxid\", \"firstTime\", \"lastTxid\","
                    + " \"lastTime\"}], \"gaps\":[{\"firstTxid\", \"lastTxid\"}], \"snapshots\":{\"count\", \"bytes\"},"
                    + " \"segments\":{\"count\", \"bytes\"}}}. Objects with an unreadable header are left out of it"
                    + " (but counted in the summary), named on stderr, and make the exit code 4.",
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
                listing = ReplicaCatalog.load(storage).listing();
            } catch (IOException e) {
                throw RestoreException.fromReplica(e, storage.describe());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? json(listing) + "\n" : table(listing));
        out.flush();
        if (!listing.unreadable().isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("walship: " + listing.unreadable().size() + " object(s) in " + listing.replica()
                    + " have an unreadable header and are not usable for restores: "
                    + listing.unreadable().stream().map(u -> Walship.oneLine(u.problem())).collect(Collectors.joining("; ")));
            err.flush();
            return ExitCodes.CORRUPT_OBJECT;
        }
        return ExitCodes.OK;
    }

    /** The listing as one JSON object, written by hand to keep the CLI free of a JSON library. */
    static String json(ReplicaListing listing) {
        StringBuilder b = new StringBuilder();
        b.append("{\"replica\":").append(string(listing.replica())).append(",\"snapshots\":[");
        for (int i = 0; i < listing.snapshots().size(); i++) {
            ReplicaListing.Entry e = listing.snapshots().get(i);
            ObjectHeader h = e.header();
            b.append(i == 0 ? "" : ",")
                    .append("{\"key\":").append(string(e.object().key()))
                    .append(",\"txid\":").append(h.lastTxid())
                    .append(",\"time\":").append(string(time(h.lastTime())))
                    .append(",\"databasePages\":").append(h.databasePages())
                    .append(",\"pageSize\":").append(h.pageSize())
                    .append(",\"size\":").append(e.object().size())
                    .append('}');
        }
        b.append("],\"segments\":[");
        for (int i = 0; i < listing.segments().size(); i++) {
            ReplicaListing.Entry e = listing.segments().get(i);
            ObjectHeader h = e.header();
            b.append(i == 0 ? "" : ",")
                    .append("{\"key\":").append(string(e.object().key()))
                    .append(",\"firstTxid\":").append(h.firstTxid())
                    .append(",\"lastTxid\":").append(h.lastTxid())
                    .append(",\"firstTime\":").append(string(time(h.firstTime())))
                    .append(",\"lastTime\":").append(string(time(h.lastTime())))
                    .append(",\"transactions\":").append(h.count())
                    .append(",\"databasePages\":").append(h.databasePages())
                    .append(",\"size\":").append(e.object().size())
                    .append('}');
        }
        b.append("],\"latestTxid\":").append(listing.latestTxid())
                .append(",\"summary\":").append(SummaryFormat.json(listing.summary())).append('}');
        return b.toString();
    }

    /** A JSON string literal (shared with the daemon's /status document). */
    static String string(String s) {
        return Json.quote(s);
    }

    /** The listing as an aligned table, every object in txid order whatever its kind. */
    static String table(ReplicaListing listing) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "TXIDS", "FIRST TIME", "LAST TIME", "TXNS", "PAGES", "SIZE", "KEY"});
        List<Row> sorted = new ArrayList<>();
        listing.snapshots().forEach(e -> sorted.add(new Row(e.object(), e.header(), null)));
        listing.segments().forEach(e -> sorted.add(new Row(e.object(), e.header(), null)));
        listing.unreadable().forEach(u -> sorted.add(new Row(u.object(), null, u.problem())));
        sorted.sort(Comparator.comparingLong((Row r) -> r.object.firstTxid())
                .thenComparingLong(r -> r.object.lastTxid())
                .thenComparing(r -> r.object.isSnapshot() ? 0 : 1));
        for (Row r : sorted) {
            ReplicaObject o = r.object;
            String txids = o.isSnapshot() ? Long.toString(o.lastTxid()) : o.firstTxid() + "-" + o.lastTxid();
            String kind = o.isSnapshot() ? "snapshot" : "segment";
            if (r.header == null) {
                rows.add(new String[] {kind, txids, "-", "-", "-", "-", Long.toString(o.size()),
                        o.key() + "  UNREADABLE: " + Walship.oneLine(r.problem)});
            } else {
                rows.add(new String[] {kind, txids, time(r.header.firstTime()), time(r.header.lastTime()),
                        o.isSnapshot() ? "-" : Long.toString(r.header.count()), Long.toString(r.header.databasePages()),
                        Long.toString(o.size()), o.key()});
            }
        }
        StringBuilder b = new StringBuilder("replica ").append(listing.replica()).append('\n');
        if (sorted.isEmpty()) {
            return b.append("no snapshots or segments\n").toString();
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        boolean[] numeric = {false, false, false, false, true, true, true, false};
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

    private record Row(ReplicaObject object, ObjectHeader header, String problem) {
    }

    private static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
