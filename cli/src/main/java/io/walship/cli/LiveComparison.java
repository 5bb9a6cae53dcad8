package io.walship.cli;

import io.walship.replica.DatabaseChecksum;
import io.walship.replica.JsonWriter;
import io.walship.replica.Lineage;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.metrics.ListenAddress;
import io.walship.restore.DrillResult;
import io.walship.restore.RestoreDrill;
import io.walship.restore.RestoreException;
import io.walship.restore.RestoreTarget;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code walship verify --restore -config FILE DB}: the live database against its replica. The daemon that replicates
 * DB computes the page checksum of the database at the txid it captured last, under its read transaction
 * ({@code /checksum} on the configuration's {@code addr}); once the replica holds that txid, a restore drill of it must
 * have the same checksum. A difference is a replica that diverged from the database silently (a page written to the
 * file behind SQLite's back, a bug): every restore of it passes integrity_check, yet none is the app's data.
 */
final class LiveComparison {
    private static final Pattern FIELD = Pattern.compile("\"(txid|pageSize|pages|sha256)\":\"?([0-9a-f]+)\"?");
    /** How long the replica may take to receive the txid the daemon checksummed. */
    private static final Duration SHIP_WAIT = Duration.ofSeconds(60);

    /** What the comparison found. */
    sealed interface Outcome {
        /** The restore of {@code txid} has the live database's checksum. */
        record Matched(long txid, DatabaseChecksum checksum) implements Outcome {
        }

        /** The restore of {@code txid} differs from the live database at that txid. */
        record Differs(long txid, DatabaseChecksum live, DatabaseChecksum restored, String difference) implements Outcome {
        }

        /** No comparison was possible, and why (no addr in the file, no daemon answering, no such txid shipped). */
        record NotCompared(String reason, boolean daemonUnreachable) implements Outcome {
        }
    }

    private final ReplicaStorage storage;
    private final Path scratch;
    private final Clock clock;

    LiveComparison(ReplicaStorage storage, Path scratch, Clock clock) {
        this.storage = storage;
        this.scratch = scratch;
        this.clock = clock;
    }

    /**
     * Compares the live database with the replica at the txid walship captured last. {@code earlier} is a drill this
     * verification already ran (of the latest txid): when it restored that same txid, its checksum serves, so an idle
     * database costs one restore, not two.
     */
    Outcome compare(Optional<String> addr, Path database, Optional<Lineage> lineage, Optional<DrillResult> earlier)
            throws InterruptedException {
        if (addr.isEmpty()) {
            return new Outcome.NotCompared("the configuration sets no addr, where walship serves the live database's"
                    + " checksum; add e.g. 'addr: 127.0.0.1:9090' and restart walship", false);
        }
        String base = ListenAddress.parse(addr.get()).clientUrl();
        String url = base + "/checksum?db=" + URLEncoder.encode(database.toAbsolutePath().normalize().toString(),
                StandardCharsets.UTF_8);
        HttpResponse<String> response;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(6)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Outcome.NotCompared("no walship daemon answers at " + base + " (" + e + "); the live database can"
                    + " be compared only while walship replicates it", true);
        }
        if (response.statusCode() != 200) {
            return new Outcome.NotCompared(base + " answered HTTP " + response.statusCode() + " to GET /checksum: "
                    + Walship.oneLine(response.body()), true);
        }
        long txid;
        DatabaseChecksum live;
        try {
            Matcher m = FIELD.matcher(response.body());
            java.util.Map<String, String> fields = new java.util.HashMap<>();
            while (m.find()) {
                fields.put(m.group(1), m.group(2));
            }
            txid = Long.parseLong(fields.get("txid"));
            live = new DatabaseChecksum(Integer.parseInt(fields.get("pageSize")), Long.parseLong(fields.get("pages")),
                    fields.get("sha256"));
        } catch (RuntimeException e) {
            return new Outcome.NotCompared(base + " answered GET /checksum with something that is not walship's checksum"
                    + " (" + Walship.oneLine(response.body()) + ")", true);
        }
        // The daemon may not have shipped that txid yet: the drill waits for it, as long as it is on its way.
        long deadline = System.nanoTime() + SHIP_WAIT.toNanos();
        Optional<DrillResult> reusable = earlier.filter(d -> d instanceof DrillResult.Passed p && p.restore().txid() == txid);
        while (true) {
            DrillResult drill = reusable.isPresent() ? reusable.get()
                    : new RestoreDrill(storage, scratch, clock).run(RestoreTarget.txid(txid), lineage);
            if (drill instanceof DrillResult.Passed p) {
                return p.checksum().difference(live)
                        .<Outcome>map(d -> new Outcome.Differs(txid, live, p.checksum(), d))
                        .orElseGet(() -> new Outcome.Matched(txid, live));
            }
            RestoreException error = ((DrillResult.Failed) drill).error();
            if (error.reason() != RestoreException.Reason.NOT_RESTORABLE || System.nanoTime() > deadline) {
                return new Outcome.NotCompared("the restore drill of txid " + txid + ", the live database's, failed: "
                        + Walship.oneLine(error.getMessage()), false);
            }
            Thread.sleep(500);
        }
    }

    /** One line for the text output. */
    static String text(Outcome o) {
        if (o instanceof Outcome.Matched m) {
            return "live database: txid " + m.txid() + " restores exactly the live database's pages ("
                    + m.checksum().describe() + ")";
        }
        if (o instanceof Outcome.Differs d) {
            return "live database: DIFFERS at txid " + d.txid() + ": " + d.difference() + " (live "
                    + d.live().describe() + ", restored " + d.restored().describe() + ")";
        }
        return "live database: not compared: " + ((Outcome.NotCompared) o).reason();
    }

    static void json(JsonWriter w, Outcome o) {
        w.beginObject();
        if (o instanceof Outcome.Matched m) {
            w.name("compared").value(true).name("matches").value(true).name("txid").value(m.txid())
                    .name("checksum").value(m.checksum().describe());
        } else if (o instanceof Outcome.Differs d) {
            w.name("compared").value(true).name("matches").value(false).name("txid").value(d.txid())
                    .name("live").value(d.live().describe())
                    .name("restored").value(d.restored().describe())
                    .name("difference").value(d.difference());
        } else {
            w.name("compared").value(false).name("reason").value(((Outcome.NotCompared) o).reason());
        }
        w.endObject();
    }
}
