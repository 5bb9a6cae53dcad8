package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.walship.config.ReplicationSettings;
import io.walship.replica.FileReplicaStorage;
import io.walship.replicator.Daemon;
import io.walship.replicator.DatabaseReplicator;
import io.walship.replicator.metrics.DaemonStatus;
import io.walship.replicator.metrics.MetricsServer;
import io.walship.replicator.metrics.PrometheusMetrics;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship status} against a real metrics server, a foreign server and nothing at all. */
class StatusCommandTest {
    @TempDir
    Path dir;
    private FileReplicaStorage storage;
    private DatabaseReplicator replicator;
    private MetricsServer server;

    @BeforeEach
    void setUp() throws Exception {
        storage = new FileReplicaStorage(dir.resolve("replica"));
        replicator = new DatabaseReplicator(dir.resolve("app.db"), storage, ReplicationSettings.defaults(), Clock.systemUTC());
        server = MetricsServer.start("127.0.0.1:0", new Daemon(List.of(replicator), Duration.ofSeconds(10)),
                new PrometheusMetrics());
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        storage.close();
    }

    private String addr() {
        return "127.0.0.1:" + server.port();
    }

    @Test
    void printsEachDatabaseOfTheDaemonAtAddr() {
        String out = CliRun.of("status", "--addr", addr()).succeeds().out();
        assertTrue(out.startsWith("walship daemon at " + addr() + ": NOT READY: "), out);
        assertTrue(out.contains("not capturing yet"), out);
        assertTrue(out.contains(replicator.database().toString()), out);
        assertTrue(out.contains("local txid 0, nothing captured yet, spool 0 B, not capturing"), out);
    }

    @Test
    void jsonIsTheDaemonsDocument() {
        String out = CliRun.of("status", "--json", "--addr", addr()).succeeds().out();
        DaemonStatus s = DaemonStatus.fromJson(out);
        assertEquals(replicator.database().toString(), s.databases().get(0).path());
        assertTrue(out.contains("\"localTxid\": 0"), out);
    }

    @Test
    void theAddressComesFromTheConfigFile() throws Exception {
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, "addr: " + addr() + "\ndbs:\n  - path: " + dir.resolve("app.db") + "\n    replica:\n      path: "
                + dir.resolve("replica") + "\n");
        assertTrue(CliRun.of("status", "-config", config.toString()).succeeds().out().contains(replicator.database().toString()));

        Path noAddr = dir.resolve("no-addr.yml");
        Files.writeString(noAddr, "dbs:\n  - path: /data/app.db\n    replica:\n      path: /backup\n");
        CliRun.of("status", "-config", noAddr.toString()).fails(ExitCodes.USAGE, "sets no addr");
        CliRun.of("status", "-config", dir.resolve("missing.yml").toString()).fails(ExitCodes.USAGE, "config file not found");
        CliRun.of("status", "--addr", "9090").fails(ExitCodes.USAGE, "--addr '9090' is not host:port");
    }

    @Test
    void nothingListeningIsItsOwnExitCode() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CliRun.of("status", "--addr", "127.0.0.1:" + port).fails(ExitCodes.DAEMON_UNREACHABLE,
                "walship: no walship daemon answers at 127.0.0.1:" + port
                        + "; start 'walship replicate' with addr set, or pass --addr");
        CliRun.of("status", "--addr", ":" + port).fails(ExitCodes.DAEMON_UNREACHABLE, "127.0.0.1:" + port);
    }

    @Test
    void anotherProgramOnThePortIsNotTakenForADaemon() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        other.createContext("/status", ex -> {
            byte[] body = "<html>fine</html>".getBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        other.start();
        try {
            String a = "127.0.0.1:" + other.getAddress().getPort();
            CliRun.of("status", "--addr", a).fails(ExitCodes.DAEMON_UNREACHABLE, "not walship's status");
        } finally {
            other.stop(0);
        }
    }

    @Test
    void renderShowsReplicasLagAndErrors() {
        DaemonStatus s = new DaemonStatus(Instant.parse("2026-11-26T04:00:02Z"), true, null, List.of(
                new DaemonStatus.DatabaseStatus("/data/app.db", 42, Instant.parse("2026-11-26T04:00:01Z"), 3 * 1024 * 1024 / 2,
                        true, null, null, List.of(
                        new DaemonStatus.ReplicaStatus("s3", "s3://bucket/app", 40, 1.25, Instant.parse("2026-11-26T04:00:00Z"),
                                "connection refused", null),
                        new DaemonStatus.ReplicaStatus("file", "/backup/app", 42, 0, null, null, "another writer")))));
        String out = StatusCommand.render("127.0.0.1:9090", s, 120);
        assertTrue(out.contains("local txid 42, captured 2026-11-26T04:00:01Z, spool 1.5 MiB, capturing"), out);
        assertTrue(out.contains("  REPLICA  TXID  LAG   LAST SHIPPED          URL              LAST ERROR\n"), out);
        assertTrue(out.contains("  s3       40    1.3s  2026-11-26T04:00:00Z  s3://bucket/app  connection refused\n"), out);
        assertTrue(out.contains("FAILED: another writer"), out);
        assertFalse(out.contains("cut to fit"), out);
        assertFalse(out.contains("SPOOL FULL"), "nothing dropped, nothing said\n" + out);
        assertEquals("1023 B", StatusCommand.bytes(1023));
        assertEquals("1.0 KiB", StatusCommand.bytes(1024));
    }

    /** Transactions the spool dropped (max-spool-size) are named, since the replicas that lacked them have a gap. */
    @Test
    void renderNamesWhatTheSpoolDropped() {
        DaemonStatus s = new DaemonStatus(Instant.parse("2026-11-26T04:00:02Z"), true, null, List.of(
                new DaemonStatus.DatabaseStatus("/data/app.db", 420, null, 0, true, null, null, List.of(),
                        List.of(new DaemonStatus.TxidRange(12, 40), new DaemonStatus.TxidRange(41, 97)))));
        String out = StatusCommand.render("127.0.0.1:9090", s, 120);
        assertTrue(out.contains("  SPOOL FULL: dropped txids 12..40, 41..97 before every replica had them"), out);
    }

    /** A long error is cut to the terminal's width in the table; the JSON document keeps every character. */
    @Test
    void aLongLastErrorIsCutToFitAndKeptWholeInJson() {
        String error = "upload of segments/00000000000000a1-00000000000000b2.segment to s3://bucket/app failed: "
                + "software.amazon.awssdk.services.s3.model.S3Exception: We encountered an internal error. Please try again."
                + " (Service: S3, Status Code: 500, Request ID: 4442587FB7D0A2F9)";
        DaemonStatus s = new DaemonStatus(Instant.parse("2026-11-26T04:00:02Z"), true, null, List.of(
                new DaemonStatus.DatabaseStatus("/data/app.db", 42, null, 0, true, null, null, List.of(
                        new DaemonStatus.ReplicaStatus("s3", "s3://bucket/app", 40, 1.25, null, error, null)))));
        for (int width : new int[] {80, 120, 200}) {
            String out = StatusCommand.render("127.0.0.1:9090", s, width);
            String row = out.lines().filter(l -> l.startsWith("  s3 ")).findFirst().orElseThrow();
            assertTrue(row.length() <= width, width + ": " + row.length() + " columns: " + row);
            assertTrue(row.endsWith("..."), row);
            assertTrue(row.contains("upload of segments/"), row);
            assertTrue(out.contains("(errors cut to fit; 'walship status --json' has their full text)"), out);
        }
        assertEquals(error, DaemonStatus.fromJson(s.toJson()).databases().get(0).replicas().get(0).lastError());
    }
}
