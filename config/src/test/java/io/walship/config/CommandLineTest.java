package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command-line form, {@code walship replicate DB REPLICA...}, gives the same model as a file. */
class CommandLineTest {
    private static final ReplicationSettings SETTINGS = ReplicationSettings.defaults().withSyncInterval(Duration.ofMillis(500));

    @Test
    void oneDatabaseWithItsReplicas() throws ConfigException {
        WalshipConfig c = WalshipConfig.fromCommandLine(Path.of("app.db"),
                List.of("./backup", "s3://mybkt.nyc3.digitaloceanspaces.com/db?part-size=16MiB"), SETTINGS);
        assertNull(c.source());
        assertEquals(LoggingConfig.defaults(), c.logging());
        DatabaseConfig db = c.dbs().get(0);
        assertEquals(Path.of("app.db").toAbsolutePath(), db.path());
        assertEquals(SETTINGS, db.settings());
        assertEquals(List.of(
                ReplicaConfig.of("file", ValidConfigTest.loc("./backup"), Duration.ofMillis(500)),
                ReplicaConfig.of("s3", ValidConfigTest.loc("s3://mybkt/db?endpoint=https://nyc3.digitaloceanspaces.com"
                        + "&region=nyc3&part-size=16777216"), Duration.ofMillis(500))), db.replicas());
    }

    @Test
    void sameTypeTwiceGetsNumberedNames() throws ConfigException {
        WalshipConfig c = WalshipConfig.fromCommandLine(Path.of("/a.db"), List.of("/b1", "file:///b2"), SETTINGS);
        assertEquals(List.of("replica-1", "replica-2"), c.dbs().get(0).replicas().stream().map(ReplicaConfig::name).toList());
    }

    @Test
    void badArguments() {
        assertEquals("command line: give at least one REPLICA: a folder path, file:///PATH or s3://BUCKET/PATH",
                assertThrows(ConfigException.class,
                        () -> WalshipConfig.fromCommandLine(Path.of("/a.db"), List.of(), SETTINGS)).getMessage());
        assertEquals("command line: replica URL 'gs://bucket/db': scheme 'gs' is not supported; use a folder path, "
                + "file:///PATH or s3://BUCKET/PATH", assertThrows(ConfigException.class,
                () -> WalshipConfig.fromCommandLine(Path.of("/a.db"), List.of("gs://bucket/db"), SETTINGS)).getMessage());
        assertEquals("command line: replica '/b' is given twice", assertThrows(ConfigException.class,
                () -> WalshipConfig.fromCommandLine(Path.of("/a.db"), List.of("/b", "/b"), SETTINGS)).getMessage());
    }
}
