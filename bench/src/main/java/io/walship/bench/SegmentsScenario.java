package io.walship.bench;

import io.walship.it.Listing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Restore from many small segments: walship with {@code sync-interval: 0s} and an app that commits one small row and
 * waits until walship's {@code /status} shows it replicated before the next, so every transaction becomes its own
 * segment (1,242 of them at scale 1). Then {@code walship restore} of the latest state, timed. walship only: the
 * goal is walship's own (at most 2 s, cost growing with bytes rather than objects).
 */
final class SegmentsScenario {
    static final long SEGMENTS = 1242;

    private SegmentsScenario() {
    }

    static void run(Lab lab, AppWriter app, WalshipSubject walship, Results results) throws Exception {
        long n = lab.options.scaled(SEGMENTS, 20);
        Runs.Fresh f = Runs.fresh(lab, app, "segments-walship");
        AppWriter.Result w;
        try (Subject.Running r = Runs.startReady(walship, f, new Subject.Settings(Duration.ZERO, null))) {
            WalshipSubject.WalshipRunning running = (WalshipSubject.WalshipRunning) r;
            w = app.run(f.dir().resolve("app.log"), 1800, "paced", f.db().toString(), Long.toString(n),
                    running.statusUrl().toString());
            results.put("segments", "walship", "stopExitCode", r.stop());
        }
        Path ls = f.dir().resolve("ls.json");
        Map<String, String> env = new HashMap<>(System.getenv());
        WalshipSubject.environment(env);
        Lab.run(walship.command("ls", "--json", walship.url(f.bucket())), env, ls, 300);
        Listing listing = Listing.parse(Files.readString(ls, StandardCharsets.UTF_8));
        Lab.BucketSize size = lab.bucketSize(f.bucket());
        results.put("segments", "walship", "segments", listing.segments().size());
        results.put("segments", "walship", "snapshots", listing.snapshots().size());
        results.put("segments", "walship", "replicaBytes", size.bytes());
        Runs.Restore restore = Runs.restore(lab, walship, f, f.dir().resolve("restored.db"));
        restore.asMap().forEach((k, v) -> results.put("segments", "walship", k, v));
        results.put("segments", "walship", "complete", restore.maxId() == w.num("max_id"));
        System.out.printf("bench: segments: walship restored from %d segments in %.2f s (%s)%n", listing.segments().size(),
                restore.seconds(), restore.maxId() == w.num("max_id") ? "every row there" : "ROWS MISSING");
    }
}
