package io.walship.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Bulk shipping: the app writes 256 MiB in 1 MiB transactions as fast as it can. Throughput is the database bytes
 * written divided by the time from the app's first commit until the replica held the last transaction (the answer to
 * the replicator's last upload); CPU seconds are the replicator's over that time; peak RSS is the process's VmHWM.
 * Then (scenario {@code restore}) each replicator restores the latest state of its replica, timed by the wall clock.
 * References: the same writer with no replicator, {@code lz4 -1} on the written database, and {@code cp} of it.
 */
final class BulkScenario {
    static final long TOTAL = 256L << 20;
    static final long TXN = 1L << 20;

    private BulkScenario() {
    }

    static void run(Lab lab, AppWriter app, List<Subject> subjects, Results results) throws Exception {
        long total = lab.options.scaled(TOTAL, 4L << 20);
        // The writer alone: the ceiling of what any replicator can show.
        Runs.Fresh alone = Runs.fresh(lab, app, "bulk-alone");
        AppWriter.Result w = app.run(alone.dir().resolve("app.log"), 600, "bulk", alone.db().toString(), Long.toString(total),
                Long.toString(TXN));
        double aloneSeconds = (w.num("last_commit_ns") - w.num("first_commit_ns")) / 1e9;
        results.put("bulk", "writerAlone", "dbBytesWritten", w.num("db_bytes_written"));
        results.put("bulk", "writerAlone", "seconds", aloneSeconds);
        results.put("bulk", "writerAlone", "mibPerSecond", Lab.mib(w.num("db_bytes_written")) / aloneSeconds);
        System.out.printf("bench: bulk: the writer alone wrote %.1f MiB in %.2f s%n", Lab.mib(w.num("db_bytes_written")), aloneSeconds);

        Path written = null;
        for (Subject s : subjects) {
            Path db = one(lab, app, s, total, results);
            if (written == null) {
                written = db;
            }
        }
        if (written != null) {
            compressionReference(lab, written, results);
        }
    }

    private static Path one(Lab lab, AppWriter app, Subject s, long total, Results results) throws Exception {
        String who = s.name();
        Runs.Fresh f = Runs.fresh(lab, app, "bulk-" + who);
        AppWriter.Result w;
        long end;
        try (Subject.Running r = Runs.startReady(s, f, Subject.Settings.DEFAULTS)) {
            int mark = lab.proxy.mark();
            long spawn = System.nanoTime();
            long local0 = r instanceof WalshipSubject.WalshipRunning wr ? wr.position().local() : -1;
            try (Sampler sampler = new Sampler(r.pid(), f.wal())) {
                w = app.run(f.dir().resolve("app.log"), 600, "bulk", f.db().toString(), Long.toString(total), Long.toString(TXN));
                if (r instanceof WalshipSubject.WalshipRunning wr) {
                    wr.awaitReplicated(local0 + w.num("commits"), Runs.CATCH_UP_TIMEOUT);
                }
                end = r.awaitCaughtUp(mark, Runs.CATCH_UP_TIMEOUT);
                double seconds = (end - w.num("first_commit_ns")) / 1e9;
                long bytes = w.num("db_bytes_written");
                results.put("bulk", who, "dbBytesWritten", bytes);
                results.put("bulk", who, "transactions", w.num("commits"));
                results.put("bulk", who, "seconds", seconds);
                results.put("bulk", who, "mibPerSecond", Lab.mib(bytes) / seconds);
                results.put("bulk", who, "appSeconds", (w.num("last_commit_ns") - w.num("first_commit_ns")) / 1e9);
                results.put("bulk", who, "cpuSeconds", sampler.cpuAt(end) - sampler.cpuAt(spawn));
                results.put("bulk", who, "peakRssBytes", ProcStat.peakRssBytes(r.pid()));
                results.put("bulk", who, "maxWalBytes", sampler.maxWalBytes());
                results.put("bulk", who, "requests", Runs.requests(lab.proxy.since(mark), s.client()));
                // For auditing the end time: what was uploaded after the app's last commit, and when it was answered.
                List<String> late = new java.util.ArrayList<>();
                for (CountingProxy.Exchange e : lab.proxy.since(mark)) {
                    if (e.client.equals(s.client()) && e.doneNanos() > w.num("last_commit_ns")) {
                        late.add(String.format(java.util.Locale.ROOT, "%s %s (%d bytes) answered %.3f s after the last commit", e.op,
                                e.target, e.bodyBytes, (e.doneNanos() - w.num("last_commit_ns")) / 1e9));
                    }
                }
                results.put("bulk", who, "requestsAfterLastCommit", late);
            }
            results.put("bulk", who, "exitCode", r.stop());
        }
        Lab.BucketSize size = lab.bucketSize(f.bucket());
        results.put("bulk", who, "replicaObjects", size.objects());
        results.put("bulk", who, "replicaBytes", size.bytes());
        System.out.printf("bench: bulk: %s shipped %.1f MiB at %.1f MiB/s%n", who, Lab.mib(results.num("bulk", who, "dbBytesWritten")),
                results.num("bulk", who, "mibPerSecond"));

        if (lab.options.runs("restore")) {
            Runs.Restore restore = Runs.restore(lab, s, f, f.dir().resolve("restored.db"));
            for (Map.Entry<String, Object> e : restore.asMap().entrySet()) {
                results.put("restore", who, e.getKey(), e.getValue());
            }
            results.put("restore", who, "databaseBytes", w.num("db_bytes"));
            results.put("restore", who, "complete", restore.maxId() == w.num("max_id"));
            results.put("bulk", who, "verifiedByRestore", restore.maxId() == w.num("max_id"));
            System.out.printf("bench: restore: %s took %.2f s (exit %d, %s)%n", who, restore.seconds(), restore.exitCode(),
                    restore.maxId() == w.num("max_id") ? "every row there" : "ROWS MISSING: max id " + restore.maxId()
                            + " instead of " + w.num("max_id"));
            if (s instanceof WalshipSubject) {
                Path copy = f.dir().resolve("copy.db");
                long t0 = System.nanoTime();
                Lab.run(List.of("cp", f.db().toString(), copy.toString()), Map.of(), f.dir().resolve("cp.log"), 600);
                results.put("restore", "cp", "seconds", (System.nanoTime() - t0) / 1e9);
                results.put("restore", "cp", "bytes", Files.size(copy));
                Files.delete(copy);
            }
        }
        return f.db();
    }

    /** {@code lz4 -1} over the written database (the CLI when installed, else lz4-java's fast compressor in this JVM). */
    private static void compressionReference(Lab lab, Path db, Results results) throws IOException, InterruptedException {
        long bytes = Files.size(db);
        results.put("bulk", "lz4", "inputBytes", bytes);
        boolean cli = new ProcessBuilder("sh", "-c", "command -v lz4").start().waitFor() == 0;
        if (cli) {
            Path log = db.resolveSibling("lz4.log");
            Lab.run(List.of("cat", db.toString()), Map.of(), db.resolveSibling("warm.log"), 600); // into the page cache
            Files.delete(db.resolveSibling("warm.log"));
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder("lz4", "-1", "-c", "-q", db.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(log.toFile());
            Process p = pb.start();
            p.waitFor();
            double seconds = (System.nanoTime() - t0) / 1e9;
            Path out = db.resolveSibling("app.db.lz4");
            Lab.run(List.of("lz4", "-1", "-f", "-q", db.toString(), out.toString()), Map.of(), log, 600);
            results.put("bulk", "lz4", "tool", "lz4 -1 (CLI)");
            results.put("bulk", "lz4", "seconds", seconds);
            results.put("bulk", "lz4", "mibPerSecond", Lab.mib(bytes) / seconds);
            results.put("bulk", "lz4", "compressedBytes", Files.size(out));
            Files.delete(out);
        } else {
            byte[] data = Files.readAllBytes(db);
            LZ4Compressor c = LZ4Factory.fastestInstance().fastCompressor();
            byte[] block = new byte[c.maxCompressedLength(4 << 20)];
            long compressed = 0;
            long t0 = System.nanoTime();
            for (int off = 0; off < data.length; off += 4 << 20) {
                compressed += c.compress(data, off, Math.min(4 << 20, data.length - off), block, 0, block.length);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            results.put("bulk", "lz4", "tool", "lz4-java fast compressor (in-process; no lz4 CLI)");
            results.put("bulk", "lz4", "seconds", seconds);
            results.put("bulk", "lz4", "mibPerSecond", Lab.mib(bytes) / seconds);
            results.put("bulk", "lz4", "compressedBytes", compressed);
        }
        System.out.printf("bench: bulk: %s: %.0f MiB/s%n", results.get("bulk", "lz4", "tool"), results.num("bulk", "lz4", "mibPerSecond"));
    }
}
