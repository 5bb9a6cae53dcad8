package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -restore-if-db-not-exists}: a fresh container (no database, no spool) starts with the replica's data before
 * replication and before the app, then keeps replicating on top of it.
 */
@Timeout(120)
class RestoreIfMissingTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDatabaseIsRestoredBeforeTheAppStarts() throws Exception {
        Path db = dir.resolve("app.db");
        Path replica = dir.resolve("replica");
        Path app = DaemonRun.script(dir, "counting_app.py");
        // First life: the app writes 120 rows and exits; walship ships them.
        DaemonRun first = DaemonRun.start(dir.resolve("first.log"), "replicate", "--sync-interval", "100ms",
                "-exec", "python3 " + app + " " + db + " 120 0", db.toString(), replica.toString());
        assertEquals(0, first.waitFor(60), first.log());

        List<String> snapshotsBefore = snapshotKeys(replica);
        // The container is recreated: database, WAL and spool are gone.
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (p.getFileName().toString().startsWith("app.db") || p.getFileName().toString().startsWith(".app.db")) {
                    deleteRecursively(p);
                }
            }
        }
        assertTrue(Files.notExists(db));

        // Second life: the checking app only reads; it proves the data was there before it started.
        Path check = dir.resolve("check.py");
        Files.writeString(check, """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                n = c.execute("SELECT count(*) FROM counter").fetchone()[0]
                print(f"app saw {n} rows", flush=True)
                c.execute("INSERT INTO counter(n) VALUES (1000)")
                c.commit()
                sys.exit(0 if n == 120 else 9)
                """);
        DaemonRun second = DaemonRun.start(dir.resolve("second.log"), "replicate", "--sync-interval", "100ms",
                "-restore-if-db-not-exists", "-exec", "python3 " + check + " " + db, db.toString(), replica.toString());
        assertEquals(0, second.waitFor(60), second.log());
        assertTrue(second.log().contains("app saw 120 rows"), second.log());
        assertTrue(second.log().contains("does not exist; restoring it from"), second.log());

        // The replica continues: it now holds the restored rows plus the second app's row.
        Path out = dir.resolve("restored.db");
        var r = Walship.restore(replica, out, null, null, false);
        assertEquals(0, r.exitCode(), r.toString());
        var expected = new java.util.ArrayList<>(LongStream.range(0, 120).boxed().toList());
        expected.add(1000L);
        assertEquals(expected, RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"));
        // Replicating the restored database continues the replica's history: what was just downloaded is not
        // uploaded again as a new snapshot.
        assertEquals(snapshotsBefore, snapshotKeys(replica), "no new snapshot after the restore\n" + second.log());

        // With the database present the flag does nothing.
        DaemonRun third = DaemonRun.start(dir.resolve("third.log"), "replicate", "-restore-if-db-not-exists",
                "-exec", "true", db.toString(), replica.toString());
        assertEquals(0, third.waitFor(60), third.log());
        assertTrue(third.log().contains("exists; no restore needed"), third.log());
        TimeUnit.MILLISECONDS.sleep(1);
    }

    private static List<String> snapshotKeys(Path replica) throws Exception {
        try (Stream<Path> s = Files.list(replica.resolve("snapshots"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void deleteRecursively(Path p) throws Exception {
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }
}
