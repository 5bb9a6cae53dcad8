package io.walship.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sustained small writes: the app commits one ~200-byte row per transaction as fast as it can for 20 s and records
 * each commit's latency; first with no replicator (the reference for throughput), then beside each replicator. The
 * {@code -wal} file's size is sampled every 50 ms. Afterwards the replica's objects are counted and summed.
 *
 * <p>walship's capture lag: every 50 ms the bench reads walship's {@code /status}; at the moment the answer arrived,
 * the lag is the age of the oldest commit the app had finished that walship's {@code localTxid} did not yet cover
 * (0 when it covered all). The app's commit k is walship's txid {@code local0 + k}, where {@code local0} is walship's
 * txid before the app started; the bench checks that the final txid is {@code local0 + commits}.
 */
final class SustainedScenario {
    static final double SECONDS = 20;

    private SustainedScenario() {
    }

    static void run(Lab lab, AppWriter app, List<Subject> subjects, Results results) throws Exception {
        double seconds = lab.options.scaledSeconds(SECONDS, 2);
        Runs.Fresh alone = Runs.fresh(lab, app, "sustained-alone");
        try (Sampler sampler = new Sampler(0, alone.wal())) {
            AppWriter.Result w = app.run(alone.dir().resolve("app.log"), 600, "sustained", alone.db().toString(),
                    Double.toString(seconds), alone.dir().resolve("commits").toString());
            record(results, "writerAlone", w, Lab.readInt64(alone.dir().resolve("commits.lat")));
            results.put("sustained", "writerAlone", "maxWalBytes", sampler.maxWalBytes());
        }
        System.out.printf("bench: sustained: the writer alone: %.0f commits/s%n", results.num("sustained", "writerAlone", "commitsPerSecond"));
        for (Subject s : subjects) {
            one(lab, app, s, seconds, results);
        }
    }

    private static void record(Results results, String who, AppWriter.Result w, long[] latencies) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        results.put("sustained", who, "commits", w.num("commits"));
        results.put("sustained", who, "commitsPerSecond", w.dbl("commits_per_second"));
        results.put("sustained", who, "commitLatencyMaxMs", Runs.millis(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
        results.put("sustained", who, "commitLatencyP99Ms", Runs.millis(Runs.percentile(sorted, 99)));
        results.put("sustained", who, "commitLatencyP50Ms", Runs.millis(Runs.percentile(sorted, 50)));
        results.put("sustained", who, "dbBytes", w.num("db_bytes"));
    }

    private static void one(Lab lab, AppWriter app, Subject s, double seconds, Results results) throws Exception {
        String who = s.name();
        Runs.Fresh f = Runs.fresh(lab, app, "sustained-" + who);
        try (Subject.Running r = Runs.startReady(s, f, Subject.Settings.DEFAULTS)) {
            int mark = lab.proxy.mark();
            long spawn = System.nanoTime();
            WalshipSubject.WalshipRunning walship = r instanceof WalshipSubject.WalshipRunning wr ? wr : null;
            long local0 = walship != null ? walship.position().local() : -1;
            List<long[]> positions = new ArrayList<>();
            AppWriter.Result w;
            long end;
            try (Sampler sampler = new Sampler(r.pid(), f.wal())) {
                Path log = f.dir().resolve("app.log");
                Process writer = app.spawn(log, "sustained", f.db().toString(), Double.toString(seconds),
                        f.dir().resolve("commits").toString());
                while (writer.isAlive()) {
                    if (walship != null) {
                        WalshipSubject.Position p = walship.position();
                        if (p != null) {
                            positions.add(new long[] {System.nanoTime(), p.local()});
                        }
                    }
                    Thread.sleep(Sampler.INTERVAL_MILLIS);
                }
                w = AppWriter.finish(writer, log, 60);
                if (walship != null) {
                    walship.awaitReplicated(local0 + w.num("commits"), Runs.CATCH_UP_TIMEOUT);
                }
                end = r.awaitCaughtUp(mark, Runs.CATCH_UP_TIMEOUT);
                record(results, who, w, Lab.readInt64(f.dir().resolve("commits.lat")));
                results.put("sustained", who, "maxWalBytes", sampler.maxWalBytes());
                results.put("sustained", who, "largestTransactionWalBytes", 3L * (4096 + 24)); // one row: a leaf page, at a split its sibling and parent
                results.put("sustained", who, "peakRssBytes", ProcStat.peakRssBytes(r.pid()));
                results.put("sustained", who, "cpuSeconds", sampler.cpuAt(end) - sampler.cpuAt(spawn));
                results.put("sustained", who, "catchUpSecondsAfterLastCommit", (end - w.num("end_ns")) / 1e9);
                results.put("sustained", who, "requests", Runs.requests(lab.proxy.since(mark), s.client()));
            }
            if (walship != null) {
                captureLag(results, w, Lab.readInt64(f.dir().resolve("commits.times")), positions, local0,
                        walship.position().local());
            }
            results.put("sustained", who, "exitCode", r.stop());
        }
        Lab.BucketSize size = lab.bucketSize(f.bucket());
        results.put("sustained", who, "replicaObjects", size.objects());
        results.put("sustained", who, "replicaBytes", size.bytes());
        System.out.printf("bench: sustained: %s: %.0f commits/s, max commit %.1f ms, max WAL %.1f MiB, replica %.1f MiB in %d objects%n",
                who, results.num("sustained", who, "commitsPerSecond"), results.num("sustained", who, "commitLatencyMaxMs"),
                Lab.mib(results.num("sustained", who, "maxWalBytes")), Lab.mib(size.bytes()), size.objects());
    }

    private static void captureLag(Results results, AppWriter.Result w, long[] commitTimes, List<long[]> positions, long local0,
                                   long localEnd) {
        long commits = w.num("commits");
        results.put("sustained", "walship", "captureLagTxidCheck", localEnd == local0 + commits
                ? "ok" : "walship's txid went from " + local0 + " to " + localEnd + " for " + commits + " commits");
        if (localEnd != local0 + commits) {
            return;
        }
        List<Long> lags = new ArrayList<>();
        for (long[] p : positions) {
            long t = p[0];
            long captured = p[1] - local0; // commits 1..captured are in the spool
            int finished = upperBound(commitTimes, t); // commits 1..finished had returned by t
            if (finished == 0 || t > commitTimes[commitTimes.length - 1]) {
                continue; // before the first commit or after the last: not under load
            }
            lags.add(captured >= finished ? 0 : t - commitTimes[(int) Math.max(0, captured)]);
        }
        long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
        results.put("sustained", "walship", "captureLagSamples", sorted.length);
        results.put("sustained", "walship", "captureLagP50Ms", Runs.millis(Runs.percentile(sorted, 50)));
        results.put("sustained", "walship", "captureLagP99Ms", Runs.millis(Runs.percentile(sorted, 99)));
        results.put("sustained", "walship", "captureLagMaxMs", Runs.millis(sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]));
    }

    /** How many of the ascending {@code times} are at or before {@code t}. */
    private static int upperBound(long[] times, long t) {
        int lo = 0;
        int hi = times.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
