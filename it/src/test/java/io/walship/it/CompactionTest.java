package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Compaction through the jar: the daemon runs from a config file with short levels (2 s and 6 s, Litestream 0.5's
 * {@code levels} key) and a 1 s {@code l0-retention} while the app commits for about 15 s. Afterwards the replica holds
 * far fewer objects than the level-0 segments the daemon shipped (each seen in the replica folder while the test
 * watched it), {@code ls} lists level-2 segments, a restore of the latest state reads a handful of objects, and the
 * latest txid and 100 random ones restore exactly the app's state with {@code integrity_check} ok.
 */
class CompactionTest extends ScenarioSupport {
    private static final Pattern APPLIED = Pattern.compile("applied from (\\d+) segment");

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void compactedReplicaHoldsFewerObjectsAndRestoresEveryTxid() throws Exception {
        long seed = Long.getLong("walship.it.seed", System.nanoTime());
        step("seed " + seed + " (rerun with -Dwalship.it.seed=" + seed + ")");
        Path config = work.resolve("walship.yml");
        Files.writeString(config, """
                levels:
                  - interval: 2s
                  - interval: 6s
                l0-retention: 1s
                dbs:
                  - path: %s
                    replicas:
                      - path: %s
                        sync-interval: 100ms
                """.formatted(db, replica));

        // Every level-0 segment the daemon ships stays in the replica for at least a window, its settling and the
        // input retention (over 2 s), so watching the folder every 50 ms sees each of them.
        Set<String> levelZero = new ConcurrentSkipListSet<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                for (ReplicaDir.Key k : ReplicaDir.keys(replica)) {
                    ObjectKeys.parse(k.key()).filter(n -> n.kind() == ObjectKind.SEGMENT && n.level() == 0)
                            .ifPresent(n -> levelZero.add(n.key()));
                }
                WalshipProcess.sleep(50);
            }
        }, "replica-watcher");
        watcher.start();

        WalshipProcess d = WalshipProcess.startWithConfig(config, daemonLog);
        try {
            writer("app").seed(seed).txs(2500).sleep(0.004).start().awaitSuccess(Duration.ofSeconds(120));
            awaitSynced(d, Duration.ofSeconds(60));
            Map<String, Long> settled = awaitSettled(Duration.ofSeconds(4), Duration.ofSeconds(60), d);
            watching.set(false);
            watcher.join();
            d.stopCleanly();

            long snapshots = settled.keySet().stream().filter(k -> k.startsWith(ObjectKeys.SNAPSHOTS)).count();
            Map<Integer, Long> byLevel = new TreeMap<>();
            for (String key : settled.keySet()) {
                ObjectKeys.parse(key).filter(n -> n.kind() == ObjectKind.SEGMENT)
                        .ifPresent(n -> byLevel.merge(n.level(), 1L, Long::sum));
            }
            step("the daemon shipped " + levelZero.size() + " level-0 segments; the replica now holds " + snapshots
                    + " snapshot(s) and segments by level " + byLevel);
            assertTrue(levelZero.size() >= 40, "the app's transactions went out in many small segments: "
                    + levelZero.size() + "\n" + diagnostics());
            long objects = settled.size();
            assertTrue(objects * 4 < snapshots + levelZero.size(), "with compaction the replica holds " + objects
                    + " objects; without it, " + (snapshots + levelZero.size()) + "\n" + diagnostics());
            assertTrue(byLevel.getOrDefault(2, 0L) >= 1, "level-2 segments: " + byLevel);
            String json = Walship.lsRaw(replica).stdout();
            assertTrue(json.contains("\"level\":2"), "ls --json lists the levels: " + json);
            assertTrue(Walship.run(Duration.ofSeconds(60), "ls", replica.toString()).stdout().contains("LEVEL"));
            assertEquals(List.of(), Logs.lines(daemonLog).stream()
                    .filter(l -> l.contains("Compactor") && (l.contains("WARN") || l.contains("ERROR"))).toList());

            Path latest = work.resolve("latest.db");
            Walship.Result r = Walship.restore(replica, latest, null, null, false);
            assertEquals(0, r.exitCode(), r.toString());
            Matcher m = APPLIED.matcher(r.stdout() + r.stderr());
            assertTrue(m.find(), "the restore says how many segments it applied: " + r.stdout() + r.stderr());
            int applied = Integer.parseInt(m.group(1));
            step("restoring the latest state applied " + applied + " segment(s)");
            assertTrue(applied * 4 < levelZero.size(), "a restore of the latest state reads " + applied
                    + " segments, not the " + levelZero.size() + " shipped");

            RestoreCheck.Report report = restoreCheck().seed(seed).randomTxids(100).parallelism(2).run();
            step("restored and checked " + report.byTxid().size() + " txids");
        } finally {
            watching.set(false);
            watcher.join();
        }
    }

    /** Waits until the replica's objects (keys and sizes) stay the same for {@code quiet}; returns them. */
    private Map<String, Long> awaitSettled(Duration quiet, Duration timeout, WalshipProcess daemon) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> last = Map.of();
        long since = System.nanoTime();
        while (true) {
            Map<String, Long> now = new TreeMap<>();
            for (ReplicaDir.Key k : ReplicaDir.keys(replica)) {
                try {
                    now.put(k.key(), Files.size(replica.resolve(k.key())));
                } catch (java.nio.file.NoSuchFileException e) {
                    // Deleted while we looked: the replica is not settled yet.
                    since = System.nanoTime();
                }
            }
            if (!now.equals(last)) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= quiet.toNanos()) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the replica did not settle within " + timeout + "\n" + diagnostics());
            }
            daemon.assertAlive();
            WalshipProcess.sleep(200);
        }
    }
}
