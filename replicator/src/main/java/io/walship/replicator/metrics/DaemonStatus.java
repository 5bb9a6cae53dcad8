package io.walship.replicator.metrics;

import io.walship.replica.JsonWriter;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What {@code GET /status} answers and {@code walship status} prints: one consistent picture of a running daemon,
 * taken at {@link #time()}. It is a value (not a view of the live daemon) so that the server can render it once and
 * the command line can read it back from JSON with the same types.
 *
 * @param time when the picture was taken, by the daemon's clock
 * @param ready whether the daemon counts as ready ({@code /readyz} answers 200)
 * @param notReadyReason why it does not, or null when ready
 * @param databases every database the daemon replicates, in configuration order
 */
public record DaemonStatus(Instant time, boolean ready, String notReadyReason, List<DatabaseStatus> databases) {

    /**
     * One database.
     *
     * @param path the database file, absolute
     * @param localTxid the highest txid captured into the local spool; 0 before the first capture
     * @param capturedTime when that transaction was captured, or null before the first
     * @param spoolBytes bytes the local spool holds (captured, not yet shipped to every replica)
     * @param capturing whether capture runs without a pending error
     * @param lastCaptureError the capture problem being retried, or null
     * @param failure why the database stopped for good, or null while it runs
     * @param replicas its replicas, in configuration order
     * @param spoolDropped the txid ranges the spool dropped in this run before every replica had them (its size
     *     limit), oldest first: the replicas that lacked them have a gap there
     */
    public record DatabaseStatus(String path, long localTxid, Instant capturedTime, long spoolBytes, boolean capturing,
                                 String lastCaptureError, String failure, List<ReplicaStatus> replicas,
                                 List<TxidRange> spoolDropped) {
        public DatabaseStatus {
            replicas = List.copyOf(replicas);
            spoolDropped = List.copyOf(spoolDropped);
        }

        /** A database whose spool dropped nothing. */
        public DatabaseStatus(String path, long localTxid, Instant capturedTime, long spoolBytes, boolean capturing,
                              String lastCaptureError, String failure, List<ReplicaStatus> replicas) {
            this(path, localTxid, capturedTime, spoolBytes, capturing, lastCaptureError, failure, replicas, List.of());
        }
    }

    /** Transactions {@code firstTxid..lastTxid}, both included. */
    public record TxidRange(long firstTxid, long lastTxid) {
        /** As messages name a range: {@code 12..40}. */
        @Override
        public String toString() {
            return firstTxid + ".." + lastTxid;
        }
    }

    /**
     * One replica of a database.
     *
     * @param name the replica's name, unique within its database
     * @param url where it is, with credentials removed
     * @param replicatedTxid the highest txid the replica holds, as far as the daemon knows
     * @param lagSeconds how far the replica is behind capture, in capture time; 0 when it holds everything captured
     * @param lastShipped when the last object reached the replica during this run, or null
     * @param lastError the shipping problem being retried, or null
     * @param failure why this replica stopped for good, or null while it works
     */
    public record ReplicaStatus(String name, String url, long replicatedTxid, double lagSeconds, Instant lastShipped,
                                String lastError, String failure) {
    }

    /** Credentials that could appear in a URL: user info, and query options whose name suggests a secret. */
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@?#\\s]+@");
    private static final Pattern SECRET_OPTION = Pattern.compile("(?i)([?&][^=&#]*(?:key|secret|token|password)[^=&#]*=)[^&#]*");

    public DaemonStatus {
        databases = List.copyOf(databases);
    }

    /** The picture before the daemon runs: not ready, because walship is doing {@code what} (e.g. restoring). */
    public static DaemonStatus starting(Instant now, String what) {
        return new DaemonStatus(now, false, what, List.of());
    }

    /** Takes the picture of a running daemon. */
    public static DaemonStatus of(Daemon daemon, Instant now) {
        List<DatabaseStatus> dbs = new ArrayList<>();
        for (DatabaseReplicator db : daemon.databases()) {
            List<ReplicaStatus> replicas = new ArrayList<>();
            for (DatabaseReplicator.ReplicaState r : db.replicas()) {
                replicas.add(new ReplicaStatus(r.name(), withoutSecrets(r.replica()), r.shippedTxid(), seconds(r.lag()),
                        r.lastShipped(), r.lastError(), r.failure()));
            }
            List<TxidRange> dropped = db.dropped().stream().map(r -> new TxidRange(r.fromTxid(), r.toTxid())).toList();
            dbs.add(new DatabaseStatus(db.database().toString(), db.capturedTxid(), db.capturedTime(), db.spoolBytes(),
                    db.capturing(), db.lastCaptureError(), db.failure(), replicas, dropped));
        }
        String reason = daemon.notReadyReason();
        return new DaemonStatus(now, reason == null, reason, dbs);
    }

    /**
     * Removes anything that looks like a credential from a replica location. Storage descriptions carry none today;
     * this keeps {@code /status}, which anyone who reaches the port can read, safe should one ever do.
     */
    static String withoutSecrets(String url) {
        if (url == null) {
            return null;
        }
        String s = USER_INFO.matcher(url).replaceAll("****@");
        return SECRET_OPTION.matcher(s).replaceAll("$1****");
    }

    /** Seconds with millisecond precision, the unit Prometheus and people read durations in. */
    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /** The JSON document {@code GET /status} answers, indented for people who curl it. */
    public String toJson() {
        JsonWriter w = JsonWriter.indented().beginObject()
                .name("time").value(text(time))
                .name("ready").value(ready)
                .name("notReadyReason").value(notReadyReason)
                .name("databases").beginArray();
        for (DatabaseStatus d : databases) {
            w.beginObject()
                    .name("path").value(d.path())
                    .name("localTxid").value(d.localTxid())
                    .name("capturedTime").value(text(d.capturedTime()))
                    .name("spoolBytes").value(d.spoolBytes())
                    .name("capturing").value(d.capturing())
                    .name("lastCaptureError").value(d.lastCaptureError())
                    .name("failure").value(d.failure())
                    .name("spoolDropped").beginArray(JsonWriter.Layout.INLINE);
            for (TxidRange r : d.spoolDropped()) {
                w.beginObject(JsonWriter.Layout.INLINE)
                        .name("firstTxid").value(r.firstTxid()).name("lastTxid").value(r.lastTxid()).endObject();
            }
            w.endArray().name("replicas").beginArray();
            for (ReplicaStatus r : d.replicas()) {
                w.beginObject(JsonWriter.Layout.INLINE)
                        .name("name").value(r.name())
                        .name("url").value(r.url())
                        .name("replicatedTxid").value(r.replicatedTxid())
                        .name("lagSeconds").value(r.lagSeconds())
                        .name("lastShipped").value(text(r.lastShipped()))
                        .name("lastError").value(r.lastError())
                        .name("failure").value(r.failure())
                        .endObject();
            }
            w.endArray().endObject();
        }
        return w.endArray().endObject().toJson() + "\n";
    }

    /**
     * Reads what {@link #toJson()} wrote. Unknown fields are ignored and missing ones read as empty, so that a
     * {@code walship status} of another version still understands the daemon.
     *
     * @throws IllegalArgumentException when the text is not such a JSON document
     */
    public static DaemonStatus fromJson(String text) {
        if (!(Json.parse(text) instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException("the status document is not a JSON object");
        }
        List<DatabaseStatus> dbs = new ArrayList<>();
        for (Object o : list(top.get("databases"))) {
            Map<?, ?> d = map(o);
            List<ReplicaStatus> replicas = new ArrayList<>();
            for (Object ro : list(d.get("replicas"))) {
                Map<?, ?> r = map(ro);
                replicas.add(new ReplicaStatus(str(r.get("name")), str(r.get("url")), num(r.get("replicatedTxid")).longValue(),
                        num(r.get("lagSeconds")).doubleValue(), instant(r.get("lastShipped")), str(r.get("lastError")),
                        str(r.get("failure"))));
            }
            List<TxidRange> dropped = new ArrayList<>();
            for (Object ro : list(d.get("spoolDropped"))) {
                Map<?, ?> r = map(ro);
                dropped.add(new TxidRange(num(r.get("firstTxid")).longValue(), num(r.get("lastTxid")).longValue()));
            }
            dbs.add(new DatabaseStatus(str(d.get("path")), num(d.get("localTxid")).longValue(), instant(d.get("capturedTime")),
                    num(d.get("spoolBytes")).longValue(), Boolean.TRUE.equals(d.get("capturing")),
                    str(d.get("lastCaptureError")), str(d.get("failure")), replicas, dropped));
        }
        return new DaemonStatus(instant(top.get("time")), Boolean.TRUE.equals(top.get("ready")), str(top.get("notReadyReason")),
                dbs);
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static BigDecimal num(Object o) {
        return o instanceof BigDecimal n ? n : BigDecimal.ZERO;
    }

    private static Instant instant(Object o) {
        if (!(o instanceof String s)) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
