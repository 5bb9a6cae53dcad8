package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import io.walship.replicator.metrics.Json;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walship verify}, the {@code ls} summary and the restore fallback, through the real jar on a replica the
 * real daemon wrote (several snapshots, from a config file with a short {@code snapshot-interval}): damage that
 * {@code ls} cannot see is found and named by {@code verify}; a corrupt newest snapshot is restored around with a WARN;
 * a missing segment is a gap with exit code 3.
 */
@Timeout(180)
class VerifyTest {
    private static final int ROWS = 600;

    @TempDir
    Path dir;

    private Path replica;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Walship.Result r) {
        return (Map<String, Object>) Json.parse(r.stdout().trim());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        return (List<Map<String, Object>>) m.get(key);
    }

    private static long num(Map<String, Object> m, String key) {
        return ((BigDecimal) m.get(key)).longValueExact();
    }

    private Walship.Result run(String... args) {
        return Walship.run(Duration.ofSeconds(90), args);
    }

    private List<Path> objects(String folder) throws Exception {
        // Format 2 keeps segments in one folder per level (segments/00/...).
        try (Stream<Path> files = Files.walk(replica.resolve(folder))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Flips one byte in the middle of the object's payload, past its 64-byte header; returns the original bytes. */
    private static byte[] damagePayload(Path object) throws Exception {
        byte[] original = Files.readAllBytes(object);
        byte[] bytes = original.clone();
        bytes[64 + (bytes.length - 64) / 2] ^= 0x5a;
        Files.write(object, bytes);
        return original;
    }

    private String key(Path object) {
        return replica.relativize(object).toString();
    }

    /**
     * {@code verify --restore -config FILE DB} compares the live database with the replica: the daemon checksums the
     * database at the txid it captured last, under its read transaction, and the drill of that txid must match. Then
     * a page of the database file is written behind SQLite's back (the replica cannot know): the replica still passes
     * every check of its own, but the comparison finds the divergence (exit 4). With no daemon running, exit 13.
     */
    @Test
    void verifyWithConfigComparesTheLiveDatabaseAndFindsAPageWrittenBehindSqlitesBack() throws Exception {
        Path db = dir.resolve("live.db");
        replica = dir.resolve("live-replica");
        // Rows of 3,000 bytes, one per page, all in the database file (TRUNCATE) before walship starts: the middle
        // pages of the big table are then in the file only, and later transactions touch another table.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, v BLOB)");
            s.execute("CREATE TABLE small(id INTEGER PRIMARY KEY, n INTEGER)");
            s.execute("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 300)"
                    + " INSERT INTO big(v) SELECT randomblob(3000) FROM r");
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("live.yml"), "addr: 127.0.0.1:" + port + "\n"
                + "dbs:\n"
                + "  - path: " + db + "\n"
                + "    replicas:\n"
                + "      - url: file://" + replica + "\n"
                + "        sync-interval: 100ms\n");
        DaemonRun daemon = DaemonRun.start(dir.resolve("live.log"), "replicate", "-config", config.toString());
        try {
            daemon.awaitLog("snapshot at txid 1 written", 60);
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                 java.sql.Statement s = c.createStatement()) {
                for (int i = 0; i < 20; i++) {
                    s.execute("INSERT INTO small(n) VALUES (" + i + ")");
                }
            }
            Walship.Result same = run("verify", "--restore", "--json", "-config", config.toString(), db.toString());
            assertEquals(0, same.exitCode(), same.describe() + "\n" + daemon.log());
            Map<String, Object> live = map(json(same), "live");
            assertEquals(Boolean.TRUE, live.get("compared"), same.describe());
            assertEquals(Boolean.TRUE, live.get("matches"), same.describe());
            assertTrue(num(live, "txid") > 1, "the daemon's txid after the app's transactions: " + same.describe());

            // Behind SQLite's back: 16 bytes of a big-table page in the middle of the file change.
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(db,
                    java.nio.file.StandardOpenOption.WRITE)) {
                byte[] junk = new byte[16];
                java.util.Arrays.fill(junk, (byte) 0x5a);
                ch.write(java.nio.ByteBuffer.wrap(junk), 150L * 4096 - 64);
                ch.force(true);
            }
            Walship.Result differs = run("verify", "--restore", "-config", config.toString(), db.toString());
            assertEquals(4, differs.exitCode(), differs.describe());
            assertTrue(differs.stdout().contains("live database: DIFFERS at txid "), differs.describe());
            assertTrue(differs.stdout().contains("integrity ok"), "the replica itself passes: " + differs.describe());
            assertTrue(differs.stderr().lines().anyMatch(l -> l.startsWith("walship: ")
                    && l.contains("diverged from the live database")), differs.describe());
        } finally {
            daemon.signal("TERM");
            daemon.waitFor(60);
        }
        Walship.Result none = run("verify", "--restore", "-config", config.toString(), db.toString());
        assertEquals(13, none.exitCode(), none.describe());
        assertTrue(none.stdout().contains("live database: not compared: no walship daemon answers at"), none.describe());
    }

    @Test
    void verifyFindsWhatLsCannotAndRestoreFallsBackFromACorruptNewestSnapshot() throws Exception {
        Path db = dir.resolve("app.db");
        replica = dir.resolve("replica");
        Path config = Files.writeString(dir.resolve("walship.yml"), "dbs:\n"
                + "  - path: " + db + "\n"
                + "    replicas:\n"
                + "      - url: file://" + replica + "\n"
                + "        sync-interval: 100ms\n"
                + "        snapshot-interval: 1s\n");
        Path app = DaemonRun.script(dir, "counting_app.py");
        DaemonRun daemon = DaemonRun.start(dir.resolve("daemon.log"), "replicate", "-config", config.toString(),
                "-exec", "python3 " + app + " " + db + " " + ROWS + " 0");
        assertEquals(0, daemon.waitFor(120), daemon.log());
        List<Path> snapshots = objects("snapshots");
        List<Path> segments = objects("segments");
        assertTrue(snapshots.size() >= 2, "the test needs two snapshots at least; got " + snapshots + "\n" + daemon.log());

        // An intact replica: ls summarises one window to the latest txid, verify agrees and exits 0.
        Walship.Result ls = run("ls", "--json", replica.toString());
        assertEquals(0, ls.exitCode(), ls.describe());
        long latest = num(json(ls), "latestTxid");
        Map<String, Object> lsSummary = map(json(ls), "summary");
        assertEquals(1, list(lsSummary, "windows").size(), ls.describe());
        assertEquals(latest, num(list(lsSummary, "windows").get(0), "lastTxid"), ls.describe());
        assertEquals(List.of(), list(lsSummary, "gaps"), ls.describe());
        assertEquals(snapshots.size(), num(map(lsSummary, "snapshots"), "count"));
        assertEquals(segments.size(), num(map(lsSummary, "segments"), "count"));

        Walship.Result ok = run("verify", "--json", replica.toString());
        assertEquals(0, ok.exitCode(), ok.describe());
        assertEquals("ok", json(ok).get("verdict"));
        assertEquals(lsSummary, map(json(ok), "summary"), "verify and ls agree on an intact replica");

        Path temp = Files.createDirectory(dir.resolve("temp"));
        Walship.Result drill = run("verify", "--restore", "--temp-dir", temp.toString(), replica.toString());
        assertEquals(0, drill.exitCode(), drill.describe());
        assertTrue(drill.stdout().contains("restored to txid " + latest + " ") && drill.stdout().contains("integrity ok"),
                drill.describe());
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList(), "the drill leaves nothing in its temporary folder");
        }

        // A damaged segment payload: its header is intact, so ls exits 0; verify reads it and exits 4 naming it.
        Path segment = segments.get(segments.size() / 2);
        byte[] original = damagePayload(segment);
        Walship.Result lsDamaged = run("ls", replica.toString());
        assertEquals(0, lsDamaged.exitCode(), lsDamaged.describe());
        Walship.Result corrupt = run("verify", replica.toString());
        assertEquals(4, corrupt.exitCode(), corrupt.describe());
        assertTrue(corrupt.stderr().lines().anyMatch(l -> l.startsWith("walship: ") && l.contains(key(segment))),
                corrupt.describe());
        assertFalse(corrupt.stderr().contains("\tat "), corrupt.describe());
        assertTrue(corrupt.stdout().contains("CORRUPT " + key(segment)), corrupt.describe());
        Files.write(segment, original);

        // A corrupt newest snapshot: restore starts from the older one, says so in a WARN, and restores every row.
        Path newest = snapshots.get(snapshots.size() - 1);
        original = damagePayload(newest);
        Path out = dir.resolve("restored.db");
        Walship.Result restored = Walship.restore(replica, out, null, null, false);
        assertEquals(0, restored.exitCode(), restored.describe());
        assertTrue(restored.stderr().lines().anyMatch(l -> l.contains("WARN") && l.contains(key(newest))
                && l.contains("older snapshot")), restored.describe());
        assertTrue(restored.stdout().contains("because " + key(newest) + " cannot be used"), restored.describe());
        assertEquals(LongStream.range(0, ROWS).boxed().toList(), RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"));
        assertEquals("ok", DaemonRun.integrity(out));
        Walship.Result snapshotCorrupt = run("verify", "--json", replica.toString());
        assertEquals(4, snapshotCorrupt.exitCode(), snapshotCorrupt.describe());
        assertEquals(key(newest), list(map(json(snapshotCorrupt), "objects"), "corrupt").get(0).get("key"));
        Files.write(newest, original);

        // A missing segment: a gap in the history, exit code 3, and the gap covers its txids.
        Path missing = segments.get(segments.size() / 2);
        String[] txids = missing.getFileName().toString().replace(".segment", "").split("-");
        long first = Long.parseLong(txids[0], 16);
        long last = Long.parseLong(txids[1], 16);
        Files.delete(missing);
        Walship.Result gap = run("verify", "--json", replica.toString());
        assertEquals(3, gap.exitCode(), gap.describe());
        assertEquals("gap", json(gap).get("verdict"));
        List<Map<String, Object>> gaps = list(map(json(gap), "summary"), "gaps");
        assertTrue(gaps.stream().anyMatch(g -> num(g, "firstTxid") <= last && num(g, "lastTxid") >= first),
                "a gap covers txids " + first + ".." + last + ": " + gaps);
        assertTrue(gap.stderr().contains("cannot be restored"), gap.describe());
    }
}
