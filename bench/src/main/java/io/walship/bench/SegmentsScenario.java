package io.walship.bench;

import io.walship.it.Listing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Restore from many small segments: walship with {@code sync-interval: 0s}, compaction off ({@code levels: []}) and an
 * app that commits one small row and waits until walship's {@code /status} shows it replicated before the next, so
 * every transaction becomes its own segment (1,242 of them at scale 1). Then {@code walship restore} of the latest
 * state, timed. Then the same replica after compaction: walship runs again on the database with one compaction level
 * of {@link #LEVEL} until every window of the run is merged, and the restore is timed again. walship only: the goal is
 * walship's own (at most 2 s, cost growing with bytes rather than objects).
 */
final class SegmentsScenario {
    static final long SEGMENTS = 1242;
    /** The compaction level of the second restore: windows of 30 s, Litestream 0.5's and walship's first level. */
    static final Duration LEVEL = Duration.ofSeconds(30);

    private SegmentsScenario() {
    }

    static void run(Lab lab, AppWriter app, WalshipSubject walship, Results results) throws Exception {
        long n = lab.options.scaled(SEGMENTS, 20);
        Runs.Fresh f = Runs.fresh(lab, app, "segments-walship");
        AppWriter.Result w;
        // Compaction off, so that every transaction stays its own segment for the first restore.
        try (Subject.Running r = Runs.startReady(walship, f, new Subject.Settings(Duration.ZERO, null, List.of()))) {
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
        compacted(lab, walship, f, w, results);
    }

    /**
     * The same replica compacted: walship runs again with one level of {@link #LEVEL} until every level-0 segment is
     * held by a level-1 one (the windows of the run have all ended by then), is stopped, and the latest state is
     * restored again, timed.
     */
    private static void compacted(Lab lab, WalshipSubject walship, Runs.Fresh f, AppWriter.Result w, Results results)
            throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        WalshipSubject.environment(env);
        Path ls = f.dir().resolve("ls-compacted.json");
        Listing listing;
        long t0 = System.nanoTime();
        try (Subject.Running r = Runs.startReady(walship, f, new Subject.Settings(Duration.ZERO, null, List.of(LEVEL)))) {
            long deadline = System.nanoTime() + LEVEL.multipliedBy(4).toNanos();
            while (true) {
                Lab.run(walship.command("ls", "--json", walship.url(f.bucket())), env, ls, 300);
                listing = Listing.parse(Files.readString(ls, StandardCharsets.UTF_8));
                if (allCompacted(listing) || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(2_000);
            }
            results.put("segments-compacted", "walship", "stopExitCode", r.stop());
        }
        long compacted = listing.segments().stream().filter(s -> !s.key().startsWith("segments/00/")).count();
        results.put("segments-compacted", "walship", "compactionSeconds", (System.nanoTime() - t0) / 1e9);
        results.put("segments-compacted", "walship", "segments", compacted);
        results.put("segments-compacted", "walship", "allCompacted", allCompacted(listing));
        Runs.Restore restore = Runs.restore(lab, walship, f, f.dir().resolve("restored-compacted.db"));
        restore.asMap().forEach((k, v) -> results.put("segments-compacted", "walship", k, v));
        results.put("segments-compacted", "walship", "complete", restore.maxId() == w.num("max_id"));
        System.out.printf("bench: segments: after compaction into %d level-1 segments, walship restored in %.2f s (%s)%n",
                compacted, restore.seconds(), restore.maxId() == w.num("max_id") ? "every row there" : "ROWS MISSING");
    }

    /** Whether a level-1 segment holds every level-0 segment's txids. */
    private static boolean allCompacted(Listing listing) {
        List<Listing.Segment> merged = listing.segments().stream().filter(s -> s.key().startsWith("segments/01/")).toList();
        return !merged.isEmpty() && listing.segments().stream().filter(s -> s.key().startsWith("segments/00/"))
                .allMatch(s -> merged.stream().anyMatch(m -> m.firstTxid() <= s.firstTxid() && s.lastTxid() <= m.lastTxid()));
    }
}
