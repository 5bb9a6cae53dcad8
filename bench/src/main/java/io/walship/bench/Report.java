package io.walship.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of figures: walship's number, Litestream's, their ratio, the goal and whether walship meets it. A goal
 * that compares with Litestream cannot be judged without Litestream's number ("n/a"); a figure not measured is "-".
 */
final class Report {
    /** One row; {@code met} is null when it cannot be judged. */
    record Row(String figure, String walship, String litestream, String ratio, String goal, Boolean met) {
        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("figure", figure);
            m.put("walship", walship);
            m.put("litestream", litestream);
            m.put("ratio", ratio);
            m.put("goal", goal);
            m.put("met", met);
            return m;
        }
    }

    private final Results r;
    private final List<Row> rows = new ArrayList<>();

    Report(Results results) {
        this.r = results;
        build();
    }

    List<Row> rows() {
        return rows;
    }

    private static final double MIB = 1024.0 * 1024.0;

    private void build() {
        // Bulk shipping.
        Double wBulk = r.num("bulk", "walship", "mibPerSecond");
        Double lBulk = r.num("bulk", "litestream", "mibPerSecond");
        Double lz4 = r.num("bulk", "lz4", "mibPerSecond");
        String bulkName = r.num("bulk", "walship", "dbBytesWritten") == null ? "bulk ship"
                : String.format(Locale.ROOT, "bulk ship, %.0f MiB in 1 MiB transactions (MiB/s)", r.num("bulk", "walship", "dbBytesWritten") / MIB);
        add(bulkName, wBulk, lBulk, "%.1f", ">= 2x Litestream's; >= 50% of lz4 -1 (" + fmt("%.0f", lz4) + " MiB/s)",
                wBulk == null ? null : and(lBulk == null ? null : wBulk >= 2 * lBulk, lz4 == null ? null : wBulk >= 0.5 * lz4));
        Double wCpu = r.num("bulk", "walship", "cpuSeconds");
        Double lCpu = r.num("bulk", "litestream", "cpuSeconds");
        add("bulk ship: replicator CPU s", wCpu, lCpu, "%.2f", "<= Litestream's", wCpu == null || lCpu == null ? null : wCpu <= lCpu);
        add("bulk ship: requests", requests("bulk", "walship"), requests("bulk", "litestream"), "", null);
        add("  reference: the writer alone (MiB/s)", r.num("bulk", "writerAlone", "mibPerSecond"), null, "%.1f",
                "the ceiling of the figure above", null);
        add("  reference: " + (r.get("bulk", "lz4", "tool") == null ? "lz4 -1" : r.get("bulk", "lz4", "tool")) + " on the db (MiB/s)", lz4,
                null, "%.0f", "", null);

        // Restore.
        Double wRes = r.num("restore", "walship", "seconds");
        Double lRes = r.num("restore", "litestream", "seconds");
        String resName = r.num("restore", "walship", "databaseBytes") == null ? "restore latest of the bulk replica (s)"
                : String.format(Locale.ROOT, "restore latest of the bulk replica, %.0f MiB db (s)", r.num("restore", "walship", "databaseBytes") / MIB);
        add(resName, wRes, lRes, "%.2f", "<= 0.5x Litestream's; cp took " + fmt("%.2f", r.num("restore", "cp", "seconds")) + " s",
                wRes == null || lRes == null ? null : wRes <= 0.5 * lRes);
        add("  restore: time to the first request (s)", r.num("restore", "walship", "firstRequestSeconds"),
                r.num("restore", "litestream", "firstRequestSeconds"), "%.2f", "", null);
        add("  restore: complete (every row back)", bool("restore", "walship", "complete"), bool("restore", "litestream", "complete"), "", null);
        Double segs = r.num("segments", "walship", "segments");
        Double wSeg = r.num("segments", "walship", "seconds");
        add("restore from " + (segs == null ? "~1,242" : String.format(Locale.ROOT, "%,.0f", segs)) + " small segments (s)", wSeg, null, "%.2f",
                "<= 2 s; cost grows with bytes, not objects", wSeg == null ? null : wSeg <= 2.0);
        Double compacted = r.num("segments-compacted", "walship", "segments");
        Double wCompacted = r.num("segments-compacted", "walship", "seconds");
        add("  the same, compacted into " + (compacted == null ? "?" : String.format(Locale.ROOT, "%,.0f", compacted))
                + " level-1 segments (s)", wCompacted, null, "%.2f", "", null);

        // Memory.
        rss("peak RSS, bulk (MiB)", "bulk");
        rss("peak RSS, sustained writes (MiB)", "sustained");

        // Idle.
        Double wIdleCpu = r.num("idle", "walship", "cpuSecondsPerMinute");
        add("idle: CPU s per minute", wIdleCpu, r.num("idle", "litestream", "cpuSecondsPerMinute"), "%.3f", "<= 0.05",
                wIdleCpu == null ? null : wIdleCpu <= 0.05);
        Double wIdleRss = mib(r.num("idle", "walship", "rssBytes"));
        add("idle: RSS (MiB)", wIdleRss, mib(r.num("idle", "litestream", "rssBytes")), "%.0f", "<= 64", wIdleRss == null ? null : wIdleRss <= 64);
        Object wIdleReq = r.get("idle", "walship", "requests");
        add(String.format(Locale.ROOT, "idle: requests in %.0f s", r.num("idle", "walship", "seconds") == null ? 60.0
                        : r.num("idle", "walship", "seconds")), requests("idle", "walship"), requests("idle", "litestream"), "0",
                wIdleReq instanceof Map<?, ?> m ? Long.valueOf(0).equals(m.get("total")) : null);

        // Sustained writes.
        Double wWal = mib(r.num("sustained", "walship", "maxWalBytes"));
        Double largest = r.num("sustained", "walship", "largestTransactionWalBytes");
        add(String.format(Locale.ROOT, "-wal size max, %.0f s of small commits (MiB)", seconds()), wWal,
                mib(r.num("sustained", "litestream", "maxWalBytes")), "%.1f", "<= 64 MiB + the largest transaction",
                wWal == null || largest == null ? null : wWal <= 64 + largest / MIB);
        add("  reference: -wal size max with no replicator (MiB)", mib(r.num("sustained", "writerAlone", "maxWalBytes")), null, "%.1f", "", null);
        Double wLat = r.num("sustained", "walship", "commitLatencyMaxMs");
        add("app commit latency max under that load (ms)", wLat, r.num("sustained", "litestream", "commitLatencyMaxMs"), "%.1f", "<= 20",
                wLat == null ? null : wLat <= 20);
        Double alone = r.num("sustained", "writerAlone", "commitsPerSecond");
        Double wTp = pct(r.num("sustained", "walship", "commitsPerSecond"), alone);
        add("app throughput vs no replicator (%; alone: " + fmt("%.0f", alone) + " commits/s)", wTp,
                pct(r.num("sustained", "litestream", "commitsPerSecond"), alone), "%.1f", ">= 95", wTp == null ? null : wTp >= 95);
        Double wBytes = mib(r.num("sustained", "walship", "replicaBytes"));
        Double lBytes = mib(r.num("sustained", "litestream", "replicaBytes"));
        add(String.format(Locale.ROOT, "replica bytes after that run (MiB; the db: %s)", dbSizes()), wBytes, lBytes, "%.1f",
                "<= Litestream's", wBytes == null || lBytes == null ? null : wBytes <= lBytes);
        Double wObj = r.num("sustained", "walship", "replicaObjects");
        Double lObj = r.num("sustained", "litestream", "replicaObjects");
        add("replica objects after that run", wObj, lObj, "%.0f", "<= Litestream's", wObj == null || lObj == null ? null : wObj <= lObj);
        Double lag = r.num("sustained", "walship", "captureLagP99Ms");
        add("capture lag p99 under that load (ms)", lag, null, "%.1f", "<= 50", lag == null ? null : lag <= 50);

        // Write barrier.
        barrier(String.format(Locale.ROOT, "app worst commit at resume, %.0f MB WAL backlog (ms)",
                orZero(r.num("barrierResume", "walship", "backlogWalBytes")) / 1e6), "barrierResume");
        barrier(String.format(Locale.ROOT, "app worst commit during snapshot of a %.0f MB WAL (ms)",
                orZero(r.num("barrierSnapshot", "walship", "walBytesAtStart")) / 1e6), "barrierSnapshot");
        barrier("app worst commit, emergency TRUNCATE + blocking reader (ms)", "barrierTruncate");
        boolean anyHold = false;
        boolean anyBarrier = false;
        for (String k : List.of("barrierResume", "barrierSnapshot", "barrierTruncate")) {
            anyBarrier |= r.get(k, "walship", "commits") != null;
            if (r.get(k, "walship", "barrierHold") instanceof Map<?, ?> m) {
                anyHold = true;
                rows.add(new Row("  " + k + ": walship's barrier hold (s)", "p50 <= " + m.get("p50UpperBoundSeconds") + ", p99 <= "
                        + m.get("p99UpperBoundSeconds") + ", max " + m.get("maxSeconds"), "", "", "", null));
            }
        }
        if (anyBarrier && !anyHold) {
            rows.add(new Row("  walship's barrier hold p50/p99/max", "not exposed", "", "", "no walship_barrier_hold_seconds in /metrics", null));
        }
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }

    private void barrier(String name, String key) {
        Double w = r.num(key, "walship", "commitLatencyMaxMs");
        add(name, w, null, "%.1f", "<= 100" + (r.num(key, "walship", "commitLatencyMaxBeforeMs") == null ? ""
                : "; before walship started: " + fmt("%.1f", r.num(key, "walship", "commitLatencyMaxBeforeMs"))), w == null ? null : w <= 100);
    }

    private double seconds() {
        Double c = r.num("sustained", "writerAlone", "commits");
        Double cps = r.num("sustained", "writerAlone", "commitsPerSecond");
        return c == null || cps == null ? 20 : Math.round(c / cps);
    }

    /** The databases' sizes after the sustained run: they differ, since each app commits as fast as it can. */
    private String dbSizes() {
        Double w = r.num("sustained", "walship", "dbBytes");
        Double l = r.num("sustained", "litestream", "dbBytes");
        return (w == null ? "" : String.format(Locale.ROOT, "%.0f MiB with walship", w / MIB))
                + (l == null ? "" : String.format(Locale.ROOT, "%s%.0f MiB with Litestream", w == null ? "" : ", ", l / MIB));
    }

    private void rss(String name, String scenario) {
        Double w = mib(r.num(scenario, "walship", "peakRssBytes"));
        Double l = mib(r.num(scenario, "litestream", "peakRssBytes"));
        add(name, w, l, "%.0f", "<= 1.25x Litestream's", w == null || l == null ? null : w <= 1.25 * l);
    }

    private String requests(String scenario, String subject) {
        Object req = r.get(scenario, subject, "requests");
        return req == null ? null : Runs.describeRequests(req);
    }

    private String bool(String scenario, String subject, String name) {
        Object v = r.get(scenario, subject, name);
        return v == null ? null : ((Boolean) v ? "yes" : "NO");
    }

    private static Double mib(Double bytes) {
        return bytes == null ? null : bytes / MIB;
    }

    private static Double pct(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : 100 * a / b;
    }

    private static Boolean and(Boolean a, Boolean b) {
        if (Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)) {
            return false;
        }
        return a == null || b == null ? null : true;
    }

    private void add(String figure, Double w, Double l, String format, String goal, Boolean met) {
        String ratio = w == null || l == null || l == 0 ? "" : String.format(Locale.ROOT, "%.2fx", w / l);
        rows.add(new Row(figure, w == null ? "-" : fmt(format, w), l == null ? "-" : fmt(format, l), ratio, goal, met));
    }

    private void add(String figure, String w, String l, String goal, Boolean met) {
        rows.add(new Row(figure, w == null ? "-" : w, l == null ? "-" : l, "", goal == null ? "" : goal, met));
    }

    private static String fmt(String format, Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, format, v);
    }

    /** The table as Markdown, for stdout and docs/PERFORMANCE.md. */
    String markdown() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"figure", "walship", "Litestream 0.3.13", "ratio", "goal", "met?"});
        for (Row row : rows) {
            if (row.walship().equals("-") && row.litestream().equals("-")) {
                continue; // not measured in this run
            }
            lines.add(new String[] {row.figure(), row.walship(), row.litestream(), row.ratio(), row.goal(),
                row.met() == null ? "" : row.met() ? "yes" : "NO"});
        }
        int[] width = new int[6];
        for (String[] l : lines) {
            for (int i = 0; i < 6; i++) {
                width[i] = Math.max(width[i], l[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (int n = 0; n < lines.size(); n++) {
            String[] l = lines.get(n);
            b.append('|');
            for (int i = 0; i < 6; i++) {
                b.append(' ').append(l[i]).append(" ".repeat(width[i] - l[i].length())).append(" |");
            }
            b.append('\n');
            if (n == 0) {
                b.append('|');
                for (int i = 0; i < 6; i++) {
                    b.append(i == 1 || i == 2 || i == 3 ? " " + "-".repeat(Math.max(1, width[i] - 1)) + ": |" : " " + "-".repeat(width[i]) + " |");
                }
                b.append('\n');
            }
        }
        return b.toString();
    }
}
