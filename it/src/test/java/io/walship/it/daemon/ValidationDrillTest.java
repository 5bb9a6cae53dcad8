package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Litestream's {@code validation-interval} runs a restore drill in the daemon, through the real jar: while the replica
 * is intact, drills pass and {@code walship_last_verify_success} is 1; once an object the latest state needs is
 * damaged, the next drill logs an ERROR naming the replica and the metric turns 0. The drill leaves no file behind.
 */
@Timeout(150)
class ValidationDrillTest {
    @TempDir
    Path dir;

    @Test
    void theDaemonDrillsTheReplicaAndReportsAFailure() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        int port = Ports.freePort();
        Path config = Files.writeString(dir.resolve("walship.yml"), "addr: 127.0.0.1:" + port + "\n"
                + "dbs:\n"
                + "  - path: " + db + "\n"
                + "    replicas:\n"
                + "      - name: main\n"
                + "        url: file://" + replica + "\n"
                + "        sync-interval: 100ms\n"
                + "        validation-interval: 1s\n");
        Path app = DaemonRun.script(dir, "counting_app.py");
        Process writer = new ProcessBuilder("python3", app.toString(), db.toString(), "50", "0").redirectErrorStream(true)
                .redirectOutput(dir.resolve("app.log").toFile()).start();
        assertEquals(0, writer.waitFor());
        DaemonRun daemon = DaemonRun.start(dir.resolve("daemon.log"), "replicate", "-config", config.toString());
        try {
            daemon.awaitLog("main: validation drill passed", 60);
            String metric = "walship_last_verify_success{db=\"" + db + "\",replica=\"main\"}";
            assertTrue(awaitMetric(port, metric + " 1.0"), daemon.log());

            // Damage every snapshot's payload: the latest state no longer restores.
            try (Stream<Path> s = Files.list(replica.resolve("snapshots"))) {
                for (Path snapshot : s.toList()) {
                    byte[] bytes = Files.readAllBytes(snapshot);
                    bytes[bytes.length - 10] ^= 0x5a;
                    Files.write(snapshot, bytes);
                }
            }
            daemon.awaitLog("main: validation drill FAILED", 60);
            assertTrue(awaitMetric(port, metric + " 0.0"), daemon.log());
            assertTrue(daemon.log().lines().anyMatch(l -> l.contains("ERROR") && l.contains("validation drill FAILED")),
                    daemon.log());
        } finally {
            daemon.signal("TERM");
            daemon.waitFor(60);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> left = s.filter(p -> p.getFileName().toString().startsWith("walship-drill-")).toList();
            assertEquals(List.of(), left, "drills remove their temporary folders");
        }
    }

    private static boolean awaitMetric(int port, String line) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            String body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (body.lines().anyMatch(l -> l.equals(line) || l.startsWith(line.replace(".0", "")))) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
