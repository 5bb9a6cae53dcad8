package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The spool's size limit, through the real jar with a config file ({@code max-spool-size}): while the replica cannot
 * be written, the app writes far more than the limit; walship drops the oldest transactions the replica lacks, says
 * so at ERROR, counts them in {@code walship_spool_dropped_transactions_total} and lists them in {@code /status}; the
 * spool stays near its limit. When the replica is back it gets a new snapshot, and {@code walship ls} shows the gap
 * in its summary; every txid outside the gap still restores the app's state, one inside it exits 3.
 */
class SpoolLimitGapTest extends ScenarioSupport {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern DROPPED = Pattern.compile("\\{\"firstTxid\": (\\d+), \"lastTxid\": (\\d+)}");
    private static final long LIMIT = 2L << 20;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void droppedTransactionsAreAGapThatEveryViewShows() throws Exception {
        int port = Ports.freePort();
        Path config = work.resolve("walship.yml");
        Files.writeString(config, """
                addr: 127.0.0.1:%d
                final-sync-timeout: 3s
                dbs:
                  - path: %s
                    max-spool-size: 2MiB
                    replicas:
                      - url: file://%s
                        sync-interval: 100ms
                """.formatted(port, db, replica));
        Process d = new ProcessBuilder(Walship.command(false, List.of("replicate", "-config", config.toString())))
                .redirectErrorStream(true).redirectOutput(daemonLog.toFile()).start();
        reap((AutoCloseable) d::destroyForcibly);
        String base = "http://127.0.0.1:" + port;
        writer("w1").seed(101).txs(20).sleep(0.002).maxOps(4).start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(null, Duration.ofSeconds(30));
        assertTrue(get(base + "/status").contains("\"spoolDropped\": []"), "nothing dropped yet");

        Path away = tmp.resolve("replica.away");
        Files.move(replica, away, StandardCopyOption.ATOMIC_MOVE);
        long shippedBefore = ReplicaDir.latestTxid(away);
        Files.writeString(replica, "not a folder: every upload fails");
        writer("w2").seed(102).txs(400).sleep(0).maxOps(4).every(50, "vacuum").start().awaitSuccess(Duration.ofSeconds(90));
        Path spool = appDir.resolve(".app.db-walship");
        long spoolBytes = size(spool);
        String log = Files.readString(daemonLog);
        assertTrue(log.lines().anyMatch(l -> l.contains("ERROR") && l.contains("the spool reached its limit of " + LIMIT
                + " bytes while replicas [file] lack txids")), "an ERROR says what was dropped\n" + Logs.tail(daemonLog, 30));
        String status = get(base + "/status");
        List<long[]> ranges = new ArrayList<>();
        Matcher m = DROPPED.matcher(status);
        long droppedCount = 0;
        while (m.find()) {
            ranges.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            droppedCount += Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)) + 1;
        }
        assertTrue(!ranges.isEmpty(), "/status lists the dropped txids\n" + status);
        assertTrue(ranges.get(0)[0] > shippedBefore, "only what the replica lacked was dropped: " + status);
        String metrics = get(base + "/metrics");
        String counter = "walship_spool_dropped_transactions_total{db=\"" + db + "\"} " + droppedCount;
        assertTrue(metrics.lines().anyMatch(l -> l.equals(counter) || l.equals(counter + ".0")),
                "the counter equals the dropped txids (" + droppedCount + ")\n" + metrics.lines()
                        .filter(l -> l.contains("dropped")).toList());
        step("spool " + spoolBytes + " bytes (limit " + LIMIT + "), database " + Files.size(db) + " bytes; dropped "
                + droppedCount + " txids in " + ranges.size() + " range(s), first " + ranges.get(0)[0] + ".." + ranges.get(0)[1]);
        assertTrue(spoolBytes < 3 * LIMIT, "the spool stays near its limit: " + spoolBytes);

        // The replica is back: a new snapshot continues it, after a gap.
        Files.delete(replica);
        Files.move(away, replica, StandardCopyOption.ATOMIC_MOVE);
        long latest = awaitSynced(null, Duration.ofSeconds(60));
        assertTrue(d.isAlive(), Logs.tail(daemonLog, 30));
        d.destroy();
        assertTrue(d.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, d.exitValue(), Logs.tail(daemonLog, 30));

        long resumedAt = ReplicaDir.snapshotTxids(replica).stream().filter(t -> t > shippedBefore).findFirst().orElseThrow();
        Walship.Result ls = Walship.run(Duration.ofSeconds(60), "ls", replica.toString());
        assertEquals(0, ls.exitCode(), ls.describe());
        Matcher g = Pattern.compile("(?m)^gap: txids (\\d+)\\.\\.(\\d+) cannot be restored$").matcher(ls.stdout());
        assertTrue(g.find(), "ls shows the gap in its summary\n" + ls.describe());
        long gapFrom = Long.parseLong(g.group(1));
        long gapTo = Long.parseLong(g.group(2));
        step("ls: " + ls.stdout().lines().filter(l -> l.startsWith("gap") || l.startsWith("restorable")).toList());
        // The gap starts at the first dropped txid that did not reach the replica (a batch already in the outbox still
        // did) and ends right before the new snapshot; it covers every txid the spool dropped after that.
        assertTrue(gapFrom >= ranges.get(0)[0] && gapFrom <= ranges.get(0)[1], "the gap starts inside the first dropped range");
        assertEquals(resumedAt - 1, gapTo, "the gap ends right before the new snapshot");
        assertTrue(ranges.get(ranges.size() - 1)[1] <= gapTo, "every dropped txid is in the gap");
        Walship.Result inGap = Walship.restore(replica, work.resolve("in-gap.db"), gapFrom, null, false);
        assertEquals(3, inGap.exitCode(), "a txid in the gap cannot be restored\n" + inGap.describe());
        java.util.TreeMap<Long, String> digests = Digest.readFile(digestFile());
        // The new snapshot may be the latest txid too: each txid is restored once.
        for (long t : new java.util.TreeSet<>(java.util.List.of(gapFrom - 1, resumedAt, latest))) {
            Path out = work.resolve("at-" + t + ".db");
            Walship.Result r = Walship.restore(replica, out, t);
            assertEquals(0, r.exitCode(), r.describe());
            Digest.State st = LineageJarTest.state(out);
            assertEquals(digests.get(st.i()), st.digest(), "txid " + t + " restores the app's state i=" + st.i());
            if (t == latest) {
                assertEquals(digests.lastKey(), st.i(), "the latest txid is the app's last state");
            }
        }
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static long size(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (java.io.UncheckedIOException e) {
            // walship deleted a spool file while the walk ran: measure again.
            return size(dir);
        }
    }
}
