package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.ObjectKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One history per replica path, through the real jar on a folder replica. A second database pointed at a path that
 * holds another database's history is refused with exit 15 and a message naming the lineages, and writes nothing
 * there; with {@code -new-lineage} it writes its history beside the other, and then {@code walship restore} without
 * {@code --lineage} exits 4 naming an object of each while {@code --lineage} restores exactly the one chosen. A lost
 * spool (its folder deleted) is refused by default with exit 15 and a message about {@code -adopt-lineage}; with
 * {@code -adopt-lineage} the history continues, and every txid before and after the restart restores the writer's
 * state.
 */
class LineageJarTest extends ScenarioSupport {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void anotherDatabasesPathIsRefusedUntilNewLineage() throws Exception {
        writer("a").seed(51).txs(40).sleep(0.002).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        WalshipProcess a = startDaemon();
        awaitSynced(a, Duration.ofSeconds(30));
        a.stopCleanly();
        String lineageA = onlyLineage(replica);

        // Database B, written by its own app, with a history of its own on its own path first.
        Path dirB = Files.createDirectories(tmp.resolve("b"));
        Path dbB = dirB.resolve("b.db");
        Path replicaB = tmp.resolve("replica-b");
        Path logB = work.resolve("daemon-b.log");
        Writer appB = Writer.python(dbB, dirB, "b").seed(52).txs(30).sleep(0.002).maxOps(6);
        appB.start().awaitSuccess(Duration.ofSeconds(60));
        try (WalshipProcess own = WalshipProcess.start(dbB, replicaB, logB)) {
            WalshipProcess.waitForQuiet(replicaB, quiet(), Duration.ofSeconds(30), own);
            own.stopCleanly();
        }
        String lineageB = onlyLineage(replicaB);

        // Pointed at A's path: refused, naming both histories, touching nothing there.
        Map<String, Long> before = files(replica);
        try (WalshipProcess refused = WalshipProcess.start(dbB, replica, logB)) {
            assertEquals(15, refused.awaitExit(Duration.ofSeconds(30)), Logs.tail(logB, 30));
            String said = String.join("\n", refused.ownLogLines());
            String error = said.lines().filter(l -> l.contains("ERROR") && l.contains("lineage")).findFirst()
                    .orElseThrow(() -> new AssertionError("no ERROR about lineages\n" + said));
            assertTrue(error.contains(lineageA) && error.contains(lineageB), "names both lineages: " + error);
            assertTrue(error.contains("-new-lineage"), "says how to write beside it: " + error);
            String last = said.lines().filter(l -> l.startsWith("walship: ")).reduce((x, y) -> y).orElse("(none)");
            assertTrue(last.contains(lineageA) && last.contains(lineageB), "the exit's 'walship: ' line names both: " + last);
            step("refused: " + error);
        }
        assertEquals(before, files(replica), "nothing was written to A's path");

        // With -new-lineage, B's history goes beside A's.
        Writer more = Writer.python(dbB, dirB, "b2").seed(53).txs(20).sleep(0.002).maxOps(6);
        try (WalshipProcess beside = WalshipProcess.start(dbB, replica, logB, "-new-lineage")) {
            more.start().awaitSuccess(Duration.ofSeconds(60));
            TreeMap<Long, String> digestsB = Digest.readFile(dirB.resolve("digests.txt"));
            awaitLineageState(lineageB, digestsB.lastKey(), digestsB.lastEntry().getValue(), beside, logB);
            beside.stopCleanly();
        }
        assertEquals(Set.of(lineageA, lineageB), lineages(replica));

        Path out = work.resolve("restored.db");
        Walship.Result mixed = Walship.restore(replica, out, null, null, false);
        assertEquals(4, mixed.exitCode(), mixed.describe());
        assertTrue(mixed.stderr().contains(lineageA) && mixed.stderr().contains(lineageB) && mixed.stderr().contains("--lineage")
                && mixed.stderr().contains(".snapshot"), "names an object of each lineage and --lineage\n" + mixed.describe());
        assertTrue(Files.notExists(out), "nothing restored");
        for (String[] pick : new String[][] {{lineageA, digestFile().toString()}, {lineageB, dirB.resolve("digests.txt").toString()}}) {
            Files.deleteIfExists(out);
            Walship.Result r = Walship.run(Duration.ofSeconds(60), "restore", "-o", out.toString(), "--lineage", pick[0],
                    replica.toString());
            assertEquals(0, r.exitCode(), r.describe());
            TreeMap<Long, String> digests = Digest.readFile(Path.of(pick[1]));
            Digest.State s = state(out);
            assertEquals(digests.lastKey(), s.i(), "lineage " + pick[0] + " restores its database's last state");
            assertEquals(digests.lastEntry().getValue(), s.digest());
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLostSpoolIsRefusedUntilAdoptLineage() throws Exception {
        WalshipProcess d = startDaemon();
        writer("w1").seed(61).txs(40).sleep(0.005).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        long beforeRestart = awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        String lineage = onlyLineage(replica);
        deleteRecursively(appDir.resolve(".app.db-walship"));

        Map<String, Long> before = files(replica);
        WalshipProcess refused = startDaemon();
        assertEquals(15, refused.awaitExit(Duration.ofSeconds(30)), Logs.tail(daemonLog, 30));
        String said = String.join("\n", refused.ownLogLines());
        assertTrue(said.lines().anyMatch(l -> l.contains("ERROR") && l.contains(lineage) && l.contains("-adopt-lineage")),
                "the ERROR names the replica's lineage and -adopt-lineage\n" + said);
        assertTrue(said.lines().anyMatch(l -> l.startsWith("walship: ") && l.contains("-adopt-lineage")), said);
        assertEquals(List.of(), spoolRecords(), "the refused start captured nothing into the new spool");
        assertEquals(before, files(replica), "nothing was written to the replica");

        WalshipProcess adopted = startDaemon("-adopt-lineage");
        adopted.waitForLogLine(l -> l.contains("continuing the replicas' history (lineage) " + lineage), Duration.ofSeconds(30),
                "that it continues the lineage");
        writer("w2").seed(62).txs(30).sleep(0.005).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(adopted, Duration.ofSeconds(30));
        adopted.stopCleanly();
        assertEquals(Set.of(lineage), lineages(replica), "one history");
        RestoreCheck.Report r = restoreCheck().extraTxids(beforeRestart, beforeRestart + 1, beforeRestart + 2).run();
        step("restored " + r.byTxid().size() + " txids, before and after the restart at txid " + beforeRestart);
    }

    /** The spool files (records) beside the database; a spool that captured nothing has none. */
    private List<String> spoolRecords() throws IOException {
        Path spool = appDir.resolve(".app.db-walship");
        if (!Files.isDirectory(spool)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(spool)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wspool")).sorted().toList();
        }
    }

    private void awaitLineageState(String lineage, long i, String digest, WalshipProcess d, Path log) throws Exception {
        Path probe = work.resolve("probe.db");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Files.deleteIfExists(probe);
            Walship.Result r = Walship.run(Duration.ofSeconds(60), "restore", "-o", probe.toString(), "--lineage", lineage,
                    replica.toString());
            if (r.ok()) {
                Digest.State s = state(probe);
                if (s.i() == i && s.digest().equals(digest)) {
                    return;
                }
            }
            d.assertAlive();
            Thread.sleep(300);
        }
        throw new AssertionError("lineage " + lineage + " never reached i=" + i + "\n" + Logs.tail(log, 40));
    }

    static String onlyLineage(Path replica) {
        Set<String> l = lineages(replica);
        assertEquals(1, l.size(), "one lineage on " + replica + ": " + l);
        return l.iterator().next();
    }

    static Set<String> lineages(Path replica) {
        Set<String> out = new TreeSet<>();
        files(replica).keySet().forEach(k -> ObjectKeys.parse(k).ifPresent(n -> out.add(n.lineage().hex())));
        return out;
    }

    /** Every file under {@code root} with its size, by relative path. */
    static Map<String, Long> files(Path root) {
        Map<String, Long> out = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.size(p));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    /** What a database holds: the writer's progress i and digest. */
    static Digest.State state(Path db) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db)) {
            return Digest.read(c);
        }
    }
}
