package io.walship.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Steps the scenarios share: a fresh database with a replicator on it, counting requests, timing a restore. */
final class Runs {
    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);

    private Runs() {
    }

    /** A fresh folder and database (the app's table and one row), a fresh bucket. */
    record Fresh(Path dir, Path db, String bucket) {
        Path wal() {
            return db.resolveSibling(db.getFileName() + "-wal");
        }
    }

    static Fresh fresh(Lab lab, AppWriter app, String name) throws IOException, InterruptedException {
        lab.buildLock.awaitFree();
        Path dir = lab.newDir(name);
        Path db = dir.resolve("app.db");
        app.run(dir.resolve("init.log"), 60, "init", db.toString());
        return new Fresh(dir, db, lab.newBucket());
    }

    /** Starts {@code subject} on the database and waits until its initial snapshot is in the replica. */
    static Subject.Running startReady(Subject subject, Fresh f, Subject.Settings settings) throws IOException, InterruptedException {
        Subject.Running r = subject.start(f.db(), f.bucket(), settings);
        try {
            r.awaitReady(READY_TIMEOUT);
        } catch (IOException | InterruptedException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /** Requests of {@code client} among {@code exchanges}, by operation, in a fixed order with zeros left out. */
    static Map<String, Object> requests(List<CountingProxy.Exchange> exchanges, String client) {
        Map<CountingProxy.Op, Long> counts = new EnumMap<>(CountingProxy.Op.class);
        for (CountingProxy.Exchange e : exchanges) {
            if (e.client.equals(client)) {
                counts.merge(e.op, 1L, Long::sum);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<CountingProxy.Op, Long> c : counts.entrySet()) {
            out.put(c.getKey().name(), c.getValue());
            total += c.getValue();
        }
        out.put("total", total);
        return out;
    }

    /** "2 LIST, 1 PUT" style, or "0". */
    static String describeRequests(Object requests) {
        if (!(requests instanceof Map<?, ?> m)) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (!"total".equals(k)) {
                b.append(b.length() == 0 ? "" : ", ").append(v).append(' ').append(k);
            }
        });
        return b.length() == 0 ? "0" : b.toString();
    }

    /** What a timed restore measured. */
    record Restore(double seconds, double firstRequestSeconds, Map<String, Object> requests, long maxId, long rows, int exitCode) {
        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", seconds);
            m.put("firstRequestSeconds", firstRequestSeconds);
            m.put("requests", requests);
            m.put("exitCode", exitCode);
            m.put("restoredMaxId", maxId);
            m.put("restoredRows", rows);
            return m;
        }
    }

    /** Runs {@code subject}'s restore of the latest state into {@code out}, timed by the wall clock. */
    static Restore restore(Lab lab, Subject subject, Fresh f, Path out) throws IOException, InterruptedException {
        List<String> cmd = subject.restoreCommand(f.db(), f.bucket(), out);
        Map<String, String> env = new HashMap<>(System.getenv());
        if (subject instanceof WalshipSubject) {
            WalshipSubject.environment(env);
        }
        int mark = lab.proxy.mark();
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(f.dir().resolve("restore-" + out.getFileName() + ".log").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new IOException(String.join(" ", cmd) + " did not finish within 10 minutes");
        }
        long t1 = System.nanoTime();
        List<CountingProxy.Exchange> seen = lab.proxy.since(mark);
        long first = seen.stream().filter(e -> e.client.equals(subject.client())).mapToLong(e -> e.startNanos).min().orElse(0);
        long[] check = p.exitValue() == 0 ? maxIdAndRows(out) : new long[] {-1, -1};
        return new Restore((t1 - t0) / 1e9, first == 0 ? -1 : (first - t0) / 1e9, requests(seen, subject.client()),
                check[0], check[1], p.exitValue());
    }

    /** {@code max(id)} and {@code count(*)} of the app's table. */
    static long[] maxIdAndRows(Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?open_mode=1");
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT max(id), count(*) FROM t")) {
            return new long[] {r.getLong(1), r.getLong(2)};
        } catch (SQLException e) {
            return new long[] {-1, -1};
        }
    }

    /** The n-th percentile (0..100) of sorted values. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.floor(sorted.length * p / 100.0));
        return sorted[i];
    }

    static double millis(double nanos) {
        return nanos / 1e6;
    }
}
