package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon's own exit codes for its spool, through the real jar. 14: a second walship on a database whose spool
 * another one holds exits at once, names the holder's PID and host, and touches neither the spool nor the replica.
 * 16: when the replica cannot be written at shutdown, the final sync gives up after its timeout, exits 16 with an
 * ERROR naming how many transactions stay in the spool, and the next start ships exactly that many.
 */
class SpoolGuardsTest extends ScenarioSupport {
    private static final Pattern LEFT = Pattern.compile("the final sync could not ship everything: (\\d+) transaction\\(s\\) stay"
            + " in the spool");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSecondDaemonOnTheSameDatabaseExits14AndTouchesNothing() throws Exception {
        WalshipProcess first = startDaemon();
        writer("w1").seed(81).txs(30).sleep(0.002).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(first, Duration.ofSeconds(30));
        Path spool = appDir.resolve(".app.db-walship");
        Map<String, String> spoolBefore = fingerprint(spool);
        Map<String, String> replicaBefore = fingerprint(replica);

        WalshipProcess second = reap(WalshipProcess.start(db, replica, work.resolve("second.log")));
        assertEquals(14, second.awaitExit(Duration.ofSeconds(30)), Logs.tail(work.resolve("second.log"), 30));
        String said = String.join("\n", second.ownLogLines());
        String host = InetAddress.getLocalHost().getHostName();
        String line = said.lines().filter(l -> l.startsWith("walship: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no 'walship: ' line\n" + said));
        assertTrue(line.contains("another walship (pid " + first.pid() + " on " + host), "names the holder: " + line);
        assertTrue(line.contains(spool.toString()) && line.contains("one walship per database"), line);
        step("second daemon: " + line);
        assertEquals(spoolBefore, fingerprint(spool), "the spool is untouched");
        assertEquals(replicaBefore, fingerprint(replica), "the replica is untouched");

        // The first one goes on.
        writer("w2").seed(82).txs(10).sleep(0.002).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(first, Duration.ofSeconds(30));
        first.stopCleanly();
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aFinalSyncThatCannotShipExits16AndNamesWhatStays() throws Exception {
        WalshipProcess d = startDaemon("--final-sync-timeout", "3s");
        writer("w1").seed(91).txs(30).sleep(0.002).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        long shipped = awaitSynced(d, Duration.ofSeconds(30));

        // The replica becomes unwritable: its folder is replaced by a regular file.
        Path away = tmp.resolve("replica.away");
        Files.move(replica, away, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(replica, "not a folder");
        writer("w2").seed(92).txs(25).sleep(0.002).maxOps(6).start().awaitSuccess(Duration.ofSeconds(60));
        d.waitForLogLine(l -> l.contains("WARN") && l.contains("upload of"), Duration.ofSeconds(30), "a failing upload");
        assertEquals(16, d.stop(), "the final sync could not ship: exit 16\n" + Logs.tail(daemonLog, 30));
        String said = String.join("\n", d.ownLogLines());
        assertTrue(said.lines().anyMatch(l -> l.contains("ERROR") && l.contains("the final sync could not ship everything")),
                "an ERROR line\n" + said);
        Matcher m = LEFT.matcher(said);
        assertTrue(m.find(), "the 'walship: ' line names how many transactions stay\n" + said);
        long left = Long.parseLong(m.group(1));
        step("exit 16: " + left + " transaction(s) stay in the spool");

        // The replica is back: the next start ships exactly what stayed.
        Files.delete(replica);
        Files.move(away, replica, StandardCopyOption.ATOMIC_MOVE);
        WalshipProcess again = startDaemon();
        long latest = awaitSynced(again, Duration.ofSeconds(30));
        again.stopCleanly();
        assertEquals(shipped + left, latest, "the spool kept exactly the transactions the exit named");
        restoreCheck().randomTxids(10).extraTxids(shipped, shipped + 1, latest).run();
    }

    /** Every file under {@code root}: its SHA-256 and modification time, by relative path. */
    static Map<String, String> fingerprint(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                String what = Files.isDirectory(p) ? "dir" : Digest.hex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(p))) + " " + Files.getLastModifiedTime(p);
                out.put(root.relativize(p).toString(), what);
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
