package io.walship.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Litestream configuration file taken as it is, through the real jar: {@code meta-path} puts the spool in that folder
 * (a spool on another volume) instead of beside the database; the database's own {@code restore-if-db-not-exists}
 * restores a missing database before the app starts, as the command-line flag does; a key that changes no data
 * ({@code sign-payload}) is a WARN line naming the file, line and key, and replication runs.
 */
@Timeout(120)
class LitestreamConfigTest {
    @TempDir
    Path dir;

    @Test
    void metaPathRestoreIfDbNotExistsAndIgnoredKeys() throws Exception {
        Path db = dir.resolve("data/app.db");
        Files.createDirectories(db.getParent());
        Path replica = dir.resolve("replica");
        Path spool = dir.resolve("spool-volume/app");
        Path config = dir.resolve("litestream.yml");
        Files.writeString(config, """
                logging:
                  stderr: true
                dbs:
                  - path: %s
                    meta-path: %s
                    restore-if-db-not-exists: true
                    replicas:
                      - url: file://%s
                        sync-interval: 100ms
                        sign-payload: true
                """.formatted(db, spool, replica));
        Path app = DaemonRun.script(dir, "counting_app.py");

        DaemonRun first = DaemonRun.start(dir.resolve("first.log"), "replicate", "-config", config.toString(),
                "-exec", "python3 " + app + " " + db + " 80 0");
        assertEquals(0, first.waitFor(90), first.log());
        assertTrue(first.log().contains("WARN") && first.log().contains(config + ":10: key "
                + "'dbs[0].replicas[0].sign-payload': ignored: "), first.log());
        assertTrue(first.log().contains(db + " does not exist and no replica holds a snapshot"), first.log());
        assertTrue(Files.isDirectory(spool), "the spool is in meta-path");
        assertFalse(Files.exists(db.resolveSibling(".app.db-walship")), "and not beside the database");

        // The container is recreated: the database and the spool volume are gone, only the replica is left.
        try (Stream<Path> files = Files.list(db.getParent())) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        deleteRecursively(spool);
        Path check = dir.resolve("check.py");
        Files.writeString(check, """
                import sqlite3, sys
                n = sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM counter").fetchone()[0]
                print(f"app saw {n} rows", flush=True)
                sys.exit(0 if n == 80 else 9)
                """);
        DaemonRun second = DaemonRun.start(dir.resolve("second.log"), "replicate", "-config", config.toString(),
                "-exec", "python3 " + check + " " + db);
        assertEquals(0, second.waitFor(90), second.log());
        assertTrue(second.log().contains("app saw 80 rows"), second.log());
        assertTrue(second.log().contains(db + " does not exist; restoring it from"), second.log());

        Path out = dir.resolve("restored.db");
        var r = Walship.restore(replica, out, null, null, false);
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("ok", DaemonRun.integrity(out));
        assertEquals(LongStream.range(0, 80).boxed().toList(), RestoreCheck.column(out, "SELECT n FROM counter ORDER BY rowid"));
    }

    private static void deleteRecursively(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
