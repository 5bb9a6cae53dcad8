package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Litestream's keys that walship does not take as they are, as docs/CONFIG.md lists them: a key that changes no data is
 * a warning naming the file, line and key and the file loads; a key whose loss would change what is replicated or how
 * it is protected fails loading at its line. The lists here are the documented table, written out, so a change to
 * walship's table must change this test and the documentation with it.
 */
class LitestreamKeysTest {
    @TempDir
    Path dir;

    /** Places one key at the given level of an otherwise valid file; returns the file and the key's line and path. */
    private record Placed(String yaml, int line, String keyPath) {
    }

    private static Placed place(String level, String key) {
        String top = level.equals("top") ? key + ": 1\n" : "";
        String logging = level.equals("logging") ? "logging:\n  " + key + ": 1\n" : "";
        String db = level.equals("db") ? "    " + key + ": 1\n" : "";
        String replica = level.equals("replica") ? "        " + key + ": 1\n" : "";
        String yaml = top + logging + "dbs:\n  - path: /data/app.db\n" + db + "    replicas:\n      - url: s3://bucket1/app\n"
                + replica;
        int line = switch (level) {
            case "top" -> 1;
            case "logging" -> 2;
            case "db" -> 3;
            default -> 5;
        };
        String path = switch (level) {
            case "top" -> key;
            case "logging" -> "logging." + key;
            case "db" -> "dbs[0]." + key;
            default -> "dbs[0].replicas[0]." + key;
        };
        return new Placed(yaml, line, path);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "top, shutdown-sync-interval",
        "top, l0-retention-check-interval",
        "top, verify-compaction",
        "top, socket",
        "top, mcp-addr",
        "top, heartbeat-url",
        "top, heartbeat-interval",
        "top, sign-payload",
        "top, require-content-md5",
        "top, max-sync-ltx-files",
        "top, auto-recover",
        "logging, source",
        "db, truncate-page-n",
        "db, max-sync-wal-bytes",
        "replica, sign-payload",
        "replica, require-content-md5",
        "replica, max-sync-ltx-files",
        "replica, auto-recover",
    })
    void keysThatChangeNoDataAreWarnings(String level, String key) {
        Placed p = place(level, key);
        WalshipConfig c = ConfigFiles.load(dir, p.yaml());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        ConfigWarning w = c.warnings().get(0);
        assertEquals(new ConfigWarning(dir.resolve("walship.yml").toString(), p.line(), p.keyPath(), w.reason()), w);
        assertTrue(w.toString().startsWith(dir.resolve("walship.yml") + ":" + p.line() + ": key '" + p.keyPath()
                + "': ignored: "), w.toString());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "top, shutdown-sync-timeout",
        "top, retention",
        "top, sync-interval",
        "top, region",
        "top, bucket",
        "top, endpoint",
        "top, force-path-style",
        "top, skip-verify",
        "top, storage-class",
        "top, part-size",
        "top, concurrency",
        "top, checksum",
        "top, age",
        "top, sse-customer-key",
        "top, sse-kms-key-id",
        "db, meta-dir",
        "db, dir",
        "db, pattern",
        "db, recursive",
        "db, watch",
        "db, snapshot",
        "replica, age",
        "replica, account-name",
        "replica, account-key",
        "replica, sas-token",
        "replica, host",
        "replica, user",
        "replica, password",
        "replica, key-path",
        "replica, host-key",
        "replica, concurrent-writes",
        "replica, webdav-url",
        "replica, webdav-username",
        "replica, webdav-password",
        "replica, jwt",
        "replica, nkey",
        "replica, token",
        "replica, tls",
        "replica, sse-customer-algorithm",
        "replica, sse-customer-key",
        "replica, sse-customer-key-path",
        "replica, sse-kms-key-id",
    })
    void keysThatWouldChangeWhatIsProtectedAreErrors(String level, String key) {
        Placed p = place(level, key);
        ConfigFiles.assertError(dir, p.yaml(), p.line(), p.keyPath(), "not supported by walship: ");
    }

    @Test
    void everyIgnoredKeyOfAFileIsReportedInFileOrder() {
        WalshipConfig c = ConfigFiles.load(dir, """
                mcp-addr: ":3001"
                dbs:
                  - path: /data/app.db
                    truncate-page-n: 121359
                    replica:
                      url: s3://bucket1/app
                      sign-payload: true
                """);
        assertEquals(List.of("mcp-addr", "dbs[0].truncate-page-n", "dbs[0].replica.sign-payload"),
                c.warnings().stream().map(ConfigWarning::key).toList());
        assertEquals(List.of(1, 4, 7), c.warnings().stream().map(ConfigWarning::line).toList());
    }
}
