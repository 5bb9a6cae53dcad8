package io.walship.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The scenarios against a replica folder: {@link Scenario}'s temp folder with the replica in {@code replica/}, the
 * daemon started on it, and the diagnostics of the replica folder and the app folder.
 */
abstract class ScenarioSupport extends Scenario {
    Path appDir;
    Path replica;

    @Override
    protected String setUpReplica() {
        appDir = db.getParent();
        replica = tmp.resolve("replica");
        return "";
    }

    WalshipProcess startDaemon(String... extra) {
        return reap(WalshipProcess.start(db, replica, daemonLog, extra));
    }

    SqliteCliWriter cliWriter(int txs) {
        SqliteCliWriter w = new SqliteCliWriter(db, work, txs);
        showLog(w.log());
        return w;
    }

    RestoreCheck restoreCheck() {
        return RestoreCheck.of(replica, digestFile(), tmp.resolve("restores")).diagnostics(this::diagnostics);
    }

    /** What is in the replica folder and the app folder. */
    @Override
    protected String replicaDiagnostics() {
        StringBuilder b = new StringBuilder("replica keys: ");
        List<ReplicaDir.Key> keys = ReplicaDir.keys(replica);
        b.append(keys.size()).append(" objects, latest txid ").append(ReplicaDir.latestTxid(replica)).append(", snapshots at ")
                .append(ReplicaDir.snapshotTxids(replica)).append('\n');
        b.append("app folder: ");
        try (Stream<Path> s = Files.walk(appDir)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                try {
                    b.append(appDir.relativize(p)).append('=').append(Files.size(p)).append("B ");
                } catch (IOException e) {
                    b.append(appDir.relativize(p)).append("=? ");
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // A file deleted while the walk ran (the stream reports it unchecked).
            b.append(e);
        }
        return b.append('\n').toString();
    }

    /** How long the replica's latest txid must stay unchanged before we call the daemon idle. */
    static Duration quiet() {
        return Duration.ofMillis(1500);
    }

    /**
     * Waits until the running daemon has replicated the writer's final transaction: the replica settles, and its
     * latest txid restores the final i and digest of the digest file. Returns that txid.
     */
    long awaitSynced(WalshipProcess daemon, Duration timeout) throws IOException {
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        Map.Entry<Long, String> fin = digests.lastEntry();
        long deadline = System.nanoTime() + timeout.toNanos();
        long tried = -1;
        String lastSeen = "nothing";
        while (true) {
            long remaining = Math.max(1, deadline - System.nanoTime());
            long latest = WalshipProcess.waitForQuiet(replica, quiet(), Duration.ofNanos(remaining).plusSeconds(5), daemon);
            if (latest != tried) {
                tried = latest;
                RestoreCheck.Restored r = RestoreCheck.restoreOne(replica, latest, work.resolve("sync-probe-" + latest + ".db"));
                if (r.error() == null && r.i() == fin.getKey() && fin.getValue().equals(r.digest())) {
                    step("daemon synced: latest txid " + latest + " holds the writer's final i=" + fin.getKey());
                    return latest;
                }
                if (r.error() != null) {
                    throw new AssertionError("restoring the replica's latest txid " + latest + " failed while waiting for the daemon"
                            + " to replicate the writer's final i=" + fin.getKey() + ": " + r.error() + "\n" + diagnostics());
                }
                if (!"ok".equals(r.integrity()) || !r.digest().equals(digests.get(r.i()))) {
                    throw new AssertionError("the replica's latest txid " + latest + " restores progress i=" + r.i()
                            + " with digest " + RestoreCheck.shortDigest(r.digest()) + " and integrity_check '" + r.integrity()
                            + "', but the writer's digest for i=" + r.i() + " is " + RestoreCheck.shortDigest(digests.get(r.i()))
                            + RestoreCheck.matchingI(r.digest(), digests) + "\n" + diagnostics());
                }
                lastSeen = "i=" + r.i() + " (a correct but older state)";
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the daemon did not replicate the writer's final transaction i=" + fin.getKey()
                        + " within " + timeout + ": latest txid " + tried + " restores " + lastSeen + "\n" + diagnostics());
            }
            if (daemon != null) {
                daemon.assertAlive();
            }
            WalshipProcess.sleep(200);
        }
    }
}
