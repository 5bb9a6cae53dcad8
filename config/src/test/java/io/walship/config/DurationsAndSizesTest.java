package io.walship.config;

import static io.walship.config.ConfigFiles.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durations and sizes as operators write them, alone and inside a file. */
class DurationsAndSizesTest {
    @TempDir
    Path dir;

    @Test
    void durations() {
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofHours(24), Durations.parse("24h"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1s500ms"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("abc"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("10"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("1h 30m"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(""));
    }

    @Test
    void sizes() {
        assertEquals(0, ByteSize.parse("0").bytes());
        assertEquals(500_000_000L, ByteSize.parse("500MB").bytes());
        assertEquals(524_288_000L, ByteSize.parse("500MiB").bytes());
        assertEquals(64L << 20, ByteSize.parse("64mib").bytes());
        assertEquals(4096, ByteSize.parse("4096").bytes());
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("12XB"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("1.5GB"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("-1MB"));
    }

    /** In a file, 0 is a valid sync interval and retention (ship at once, keep everything); 500MB is not 500MiB. */
    @Test
    void inAFile() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    emergency-wal-size: 500MB
                    replica:
                      path: /backup/a
                      sync-interval: 0
                      retention: 0s
                      snapshot-interval: 1h30m
                  - path: /data/b.db
                    emergency-wal-size: 500MiB
                    replica:
                      path: /backup/b
                """);
        DatabaseConfig a = c.dbs().get(0);
        assertEquals(500_000_000L, a.settings().emergencyWalSize().bytes());
        assertEquals(Duration.ZERO, a.replicas().get(0).syncInterval());
        assertEquals(Duration.ZERO, a.settings().syncInterval());
        assertEquals(Duration.ZERO, a.replicas().get(0).retention());
        assertEquals(Duration.ofMinutes(90), a.replicas().get(0).snapshotInterval());
        assertEquals(524_288_000L, c.dbs().get(1).settings().emergencyWalSize().bytes());
    }

    @Test
    void hugeSizeIsAnErrorNotACrash() {
        ConfigFiles.assertError(dir, "dbs:\n  - path: /a.db\n    emergency-wal-size: 99999999999TB\n", 3,
                "dbs[0].emergency-wal-size", "too large");
    }
}
