package io.walship.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The app's commit latency while walship does what needs its write barrier. The app commits one small row about
 * every millisecond (a busy app that leaves CPU to walship) on one connection with {@code wal_autocheckpoint=0}, so
 * the WAL keeps what it is given while no replicator runs. Three cases (400 MB scales with {@code --scale}):
 * <ul>
 *   <li>{@code resume}: walship replicated, was stopped, the app wrote a 400 MB WAL backlog; walship starts again.
 *   <li>{@code snapshot}: a database whose WAL holds 400 MB that walship has never seen; walship starts and takes
 *       its initial snapshot.
 *   <li>{@code truncate}: walship runs; a reader holds a read transaction; the app grows the WAL past the emergency
 *       size (500 MB by default), so walship runs its emergency TRUNCATE checkpoint while the reader blocks it; the
 *       reader goes away a third into the measured time.
 * </ul>
 * The figure is the worst commit latency from walship's start (resume, snapshot) or from the end of the growth
 * (truncate) to the end of the measured time; the worst before walship started is kept as the machine's noise. If
 * walship's /metrics has {@code walship_barrier_hold_seconds}, its quantiles are reported too.
 */
final class BarrierScenario {
    static final long BACKLOG = 400_000_000L;
    static final long EMERGENCY_DEFAULT = 500L << 20; // at least walship's default emergency size, however MB is read
    static final double SECONDS = 20;

    private BarrierScenario() {
    }

    static void run(Lab lab, AppWriter app, WalshipSubject walship, Results results) throws Exception {
        resume(lab, app, walship, results);
        snapshot(lab, app, walship, results);
        truncate(lab, app, walship, results);
    }

    private static void resume(Lab lab, AppWriter app, WalshipSubject walship, Results results) throws Exception {
        String key = "barrierResume";
        Runs.Fresh f = Runs.fresh(lab, app, "barrier-resume");
        try (AppWriter.Session session = app.session(f.db(), f.dir().resolve("app.err"))) {
            try (WalshipSubject.WalshipRunning r = (WalshipSubject.WalshipRunning) Runs.startReady(walship, f, Subject.Settings.DEFAULTS)) {
                long before = r.position().local();
                // A commit walship captures but does not checkpoint away, so the WAL is not restarted while it is stopped.
                session.send("small 0.2 " + f.dir().resolve("warmup"));
                long deadline = System.nanoTime() + 60_000_000_000L;
                WalshipSubject.Position p = r.position();
                while (p == null || p.local() <= before || p.replicated() != p.local()) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("walship did not ship the warm-up commits within 60 s");
                    }
                    Thread.sleep(50);
                    p = r.position();
                }
                results.put(key, "walship", "stopExitCode", r.stop());
            }
            AppWriter.Result grow = session.send("grow " + lab.options.scaled(BACKLOG, 8_000_000));
            results.put(key, "walship", "backlogWalBytes", grow.num("wal_bytes"));
            results.put(key, "walship", "backlogTransactions", grow.num("commits"));
            measure(lab, walship, f, session, key, results, null);
        }
    }

    private static void snapshot(Lab lab, AppWriter app, WalshipSubject walship, Results results) throws Exception {
        String key = "barrierSnapshot";
        Runs.Fresh f = Runs.fresh(lab, app, "barrier-snapshot");
        try (AppWriter.Session session = app.session(f.db(), f.dir().resolve("app.err"))) {
            AppWriter.Result grow = session.send("grow " + lab.options.scaled(BACKLOG, 8_000_000));
            results.put(key, "walship", "walBytesAtStart", grow.num("wal_bytes"));
            measure(lab, walship, f, session, key, results, null);
        }
    }

    private static void truncate(Lab lab, AppWriter app, WalshipSubject walship, Results results) throws Exception {
        String key = "barrierTruncate";
        Runs.Fresh f = Runs.fresh(lab, app, "barrier-truncate");
        Long emergency = lab.options.scale() == 1.0 ? null : lab.options.scaled(EMERGENCY_DEFAULT, 16L << 20);
        long emergencyBytes = emergency == null ? EMERGENCY_DEFAULT : emergency;
        results.put(key, "walship", "emergencyWalSize", emergency == null ? "walship's default" : emergency + "B");
        try (AppWriter.Session session = app.session(f.db(), f.dir().resolve("app.err"));
             WalshipSubject.WalshipRunning r = (WalshipSubject.WalshipRunning) Runs.startReady(walship, f,
                     new Subject.Settings(null, emergency));
             Sampler sampler = new Sampler(r.pid(), f.wal())) {
            Path readerLog = f.dir().resolve("reader.log");
            Process reader = app.spawn(readerLog, "reader", f.db().toString(), "3600");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.readString(readerLog, StandardCharsets.UTF_8).contains("holding")) {
                if (!reader.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("the blocking reader did not start: " + Files.readString(readerLog));
                }
                Thread.sleep(20);
            }
            AppWriter.Result grow = session.send("grow " + (emergencyBytes + (8L << 20)));
            results.put(key, "walship", "grownWalBytes", grow.num("wal_bytes"));
            results.put(key, "walship", "growCommitLatencyMaxMs", Runs.millis(grow.sub("latency").num("max_ns")));
            results.put(key, "walship", "growCommitLatencyP50Ms", Runs.millis(grow.sub("latency").num("p50_ns")));
            measure(lab, walship, f, session, key, results, new Measured(r, reader));
            results.put(key, "walship", "maxWalBytes", sampler.maxWalBytes());
            results.put(key, "walship", "walBytesAtEnd", Files.exists(f.wal()) ? Files.size(f.wal()) : 0);
        }
    }

    /** A walship that already runs (truncate) and the reader to send away a third into the measured time. */
    private record Measured(WalshipSubject.WalshipRunning walship, Process reader) {
    }

    /**
     * The small commits for the measured time. Without {@code running}, walship starts one second in; with it, the
     * reader is killed a third in. Then waits for walship to catch up and reads its metrics.
     */
    private static void measure(Lab lab, WalshipSubject walship, Runs.Fresh f, AppWriter.Session session, String key,
                                Results results, Measured running) throws Exception {
        double seconds = lab.options.scaledSeconds(SECONDS, 6);
        Path out = f.dir().resolve("commits");
        int mark = lab.proxy.mark();
        CompletableFuture<AppWriter.Result> small = CompletableFuture.supplyAsync(() -> {
            try {
                return session.send("small " + seconds + " " + out);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
        WalshipSubject.WalshipRunning r;
        long eventStart;
        if (running == null) {
            Thread.sleep(1000);
            eventStart = System.nanoTime();
            r = walship.start(f.db(), f.bucket(), Subject.Settings.DEFAULTS);
        } else {
            r = running.walship();
            eventStart = System.nanoTime();
            Thread.sleep((long) (seconds * 1000 / 3));
            running.reader().destroy();
            running.reader().waitFor();
            results.put(key, "walship", "readerReleasedAfterSeconds", (System.nanoTime() - eventStart) / 1e9);
        }
        try {
            AppWriter.Result done = small.join();
            long[] times = Lab.readInt64(out.resolveSibling("commits.times"));
            long[] lat = Lab.readInt64(out.resolveSibling("commits.lat"));
            List<Long> before = new ArrayList<>();
            List<Long> after = new ArrayList<>();
            for (int i = 0; i < times.length; i++) {
                (times[i] >= eventStart ? after : before).add(lat[i]);
            }
            results.put(key, "walship", "commits", done.num("commits"));
            results.put(key, "walship", "commitLatencyMaxMs", Runs.millis(max(after)));
            results.put(key, "walship", "commitLatencyP99Ms", Runs.millis(Runs.percentile(sorted(after), 99)));
            results.put(key, "walship", "commitLatencyMaxBeforeMs", before.isEmpty() ? null : Runs.millis(max(before)));
            long caughtUp = r.awaitCaughtUp(mark, Runs.CATCH_UP_TIMEOUT);
            results.put(key, "walship", "caughtUpSeconds", (Math.max(caughtUp, done.num("end_ns")) - eventStart) / 1e9);
            String metrics = r.metrics();
            results.put(key, "walship", "barrierHold", BarrierMetric.read(metrics));
            results.put(key, "walship", "metrics", metricLines(metrics, "walship_snapshots_total", "walship_checkpoints_total"));
            if (running == null) {
                results.put(key, "walship", "exitCode", r.stop());
            }
        } finally {
            if (running == null) {
                r.close();
            }
        }
        System.out.printf("bench: %s: worst app commit %.1f ms (before: %s ms)%n", key, results.num(key, "walship", "commitLatencyMaxMs"),
                results.get(key, "walship", "commitLatencyMaxBeforeMs"));
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static long[] sorted(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    /** The lines of the Prometheus text that start with one of {@code names}. */
    static List<String> metricLines(String text, String... names) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            for (String n : names) {
                if (line.startsWith(n)) {
                    out.add(line);
                }
            }
        }
        return out;
    }

    /** Reads {@code walship_barrier_hold_seconds} from /metrics, if walship has it. */
    static final class BarrierMetric {
        static final String NAME = "walship_barrier_hold_seconds";

        private BarrierMetric() {
        }

        /**
         * {@code null} when the metric is absent; else its count, sum, p50 and p99 (upper bounds of the histogram
         * buckets that hold them) and max (from {@code _max} when present, else the upper bound of the highest
         * bucket that gained).
         */
        static Map<String, Object> read(String text) {
            if (text == null || !text.contains(NAME)) {
                return null;
            }
            List<double[]> buckets = new ArrayList<>();
            Double count = null;
            Double sum = null;
            Double max = null;
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || !line.startsWith(NAME)) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+");
                double value = Double.parseDouble(parts[parts.length - 1]);
                if (line.startsWith(NAME + "_bucket")) {
                    int le = line.indexOf("le=\"");
                    String bound = line.substring(le + 4, line.indexOf('"', le + 4));
                    buckets.add(new double[] {bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound), value});
                } else if (line.startsWith(NAME + "_count")) {
                    count = (count == null ? 0 : count) + value;
                } else if (line.startsWith(NAME + "_sum")) {
                    sum = (sum == null ? 0 : sum) + value;
                } else if (line.startsWith(NAME + "_max")) {
                    max = Math.max(max == null ? 0 : max, value);
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", count);
            m.put("sum", sum);
            buckets.sort((a, b) -> Double.compare(a[0], b[0]));
            if (count != null && count > 0 && !buckets.isEmpty()) {
                m.put("p50UpperBoundSeconds", quantile(buckets, count * 0.5));
                m.put("p99UpperBoundSeconds", quantile(buckets, count * 0.99));
                if (max == null) {
                    double previous = 0;
                    for (double[] b : buckets) {
                        if (b[1] > previous) {
                            max = b[0];
                        }
                        previous = b[1];
                    }
                }
            }
            m.put("maxSeconds", max);
            return m;
        }

        private static Double quantile(List<double[]> buckets, double rank) {
            for (double[] b : buckets) {
                if (b[1] >= rank) {
                    return Double.isInfinite(b[0]) ? null : b[0];
                }
            }
            return null;
        }
    }
}
