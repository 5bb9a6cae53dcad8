package io.walship.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parsed output of {@code walship ls --json REPLICA}. {@code databasePages} and {@code pageSize} are -1 where ls
 * read no header (format-version-2 objects are listed from their keys alone).
 */
public record Listing(String replica, List<Snapshot> snapshots, List<Segment> segments, long latestTxid, String json) {

    public record Snapshot(String key, long txid, String time, long databasePages, long pageSize, long size) {
    }

    public record Segment(String key, long firstTxid, long lastTxid, String firstTime, String lastTime,
                          long transactions, long databasePages, long size) {
    }

    @SuppressWarnings("unchecked")
    public static Listing parse(String json) {
        Object root = io.walship.replicator.metrics.Json.parse(json.trim());
        if (!(root instanceof Map)) {
            throw new IllegalArgumentException("ls --json did not print an object: " + json);
        }
        Map<String, Object> m = (Map<String, Object>) root;
        List<Snapshot> snapshots = new ArrayList<>();
        for (Object o : list(m, "snapshots")) {
            Map<String, Object> s = (Map<String, Object>) o;
            snapshots.add(new Snapshot(str(s, "key"), num(s, "txid"), str(s, "time"), numOrNull(s, "databasePages"),
                    numOrNull(s, "pageSize"), num(s, "size")));
        }
        List<Segment> segments = new ArrayList<>();
        for (Object o : list(m, "segments")) {
            Map<String, Object> s = (Map<String, Object>) o;
            segments.add(new Segment(str(s, "key"), num(s, "firstTxid"), num(s, "lastTxid"), str(s, "firstTime"),
                    str(s, "lastTime"), num(s, "transactions"), numOrNull(s, "databasePages"), num(s, "size")));
        }
        return new Listing(str(m, "replica"), snapshots, segments, num(m, "latestTxid"), json);
    }

    public long firstSnapshotTxid() {
        return snapshots.stream().mapToLong(Snapshot::txid).min()
                .orElseThrow(() -> new AssertionError("the replica has no snapshot: " + json));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("ls --json: \"" + k + "\" is not an array");
        }
        return (List<Object>) v;
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof String)) {
            throw new IllegalArgumentException("ls --json: \"" + k + "\" is not a string in " + m);
        }
        return (String) v;
    }

    /** A number, or -1 for an explicit null. */
    private static long numOrNull(Map<String, Object> m, String k) {
        if (m.containsKey(k) && m.get(k) == null) {
            return -1;
        }
        return num(m, k);
    }

    private static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof java.math.BigDecimal d) || d.scale() > 0) {
            throw new IllegalArgumentException("ls --json: \"" + k + "\" is not an integer in " + m);
        }
        return d.longValueExact();
    }
}
