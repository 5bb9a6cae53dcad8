package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real-world {@code litestream.yml} (src/test/resources/litestream.yml) loads unchanged. That file was checked with
 * the Litestream 0.3.13 binary itself: {@code litestream databases -config litestream.yml} accepts it and lists
 * {@code /var/lib/app/app.db} with replicas {@code minio,file} and {@code ~/data/jobs.db} with {@code s3}.
 */
class LitestreamSampleTest {
    @Test
    void loadsTheSampleUnchanged() throws ConfigException, URISyntaxException {
        Path file = Path.of(getClass().getResource("/litestream.yml").toURI());
        Map<String, String> env = Map.of("HOME", "/home/op",
                "LITESTREAM_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE",
                "LITESTREAM_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        WalshipConfig c = WalshipConfig.load(file, env, true);

        assertEquals(":9090", c.addr());
        assertEquals(new LoggingConfig("warn", true, true), c.logging());
        assertEquals(2, c.dbs().size());

        DatabaseConfig app = c.dbs().get(0);
        assertEquals(Path.of("/var/lib/app/app.db"), app.path());
        assertEquals(Duration.ofSeconds(1), app.settings().monitorInterval());
        assertEquals(Duration.ofMinutes(1), app.checkpointInterval());
        assertEquals(1000, app.settings().checkpointPages());
        assertEquals(32 + 10_000L * (24 + 4096), app.settings().emergencyWalSize().bytes());
        assertEquals(Duration.ofSeconds(1), app.settings().syncInterval());
        assertEquals(new ReplicaConfig("minio", ValidConfigTest.loc("s3://app-backups/prod/app?endpoint=http://127.0.0.1:9000"
                        + "&region=us-east-1&force-path-style=true&access-key-id=AKIAIOSFODNN7EXAMPLE"
                        + "&secret-access-key=wJalrXUtnFEMI/K7MDENG%2BbPxRfiCYEXAMPLEKEY"),
                        Duration.ofSeconds(10), Duration.ofHours(6), Duration.ofHours(72), Duration.ofMinutes(30),
                        Duration.ZERO),
                app.replicas().get(0));
        assertEquals(ReplicaConfig.of("file", ValidConfigTest.loc("file:///var/backups/app"), Duration.ofSeconds(1)),
                app.replicas().get(1));

        DatabaseConfig jobs = c.dbs().get(1);
        assertEquals(Path.of("/home/op/data/jobs.db"), jobs.path());
        assertEquals(ReplicaConfig.of("s3", ValidConfigTest.loc("s3://jobs-bucket/jobs?region=eu-west-1"), Duration.ofSeconds(1)),
                jobs.replicas().get(0));
    }
}
