package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walship databases}: the configuration file's databases and replicas, never a credential. */
class DatabasesCommandTest {
    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path file = dir.resolve("walship.yml");
        Files.writeString(file, """
                addr: 127.0.0.1:9090
                access-key-id: AKIAEXAMPLEKEY
                secret-access-key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE
                dbs:
                  - path: /data/app.db
                    replicas:
                      - url: s3://my-bucket/app
                        retention: 72h
                      - path: /backup/app
                  - path: /data/other.db
                    replica:
                      name: local
                      path: $BACKUP_ROOT/other
                """);
        return file;
    }

    @Test
    void listsEveryDatabaseAndReplicaWithoutSecrets() throws Exception {
        CliRun run = CliRun.of("databases", "-config", config().toString()).succeeds();
        String out = run.out();
        assertTrue(out.startsWith("PATH"), out);
        assertTrue(out.contains("/data/app.db    s3       s3    s3://my-bucket/app?access-key-id=****&secret-access-key=****"), out);
        assertTrue(out.contains("file     file  file:///backup/app"), out);
        assertTrue(out.contains("/data/other.db  local"), out);
        assertFalse(out.contains("AKIAEXAMPLEKEY") || out.contains("wJalrXUtnFEMI"), out);
        assertEquals(4, out.lines().count(), out);
    }

    @Test
    void jsonHasTheSameContent() throws Exception {
        String out = CliRun.of("databases", "--json", "--config=" + config()).succeeds().out();
        assertTrue(out.startsWith("{\"config\":\"" + dir.resolve("walship.yml") + "\",\"addr\":\"127.0.0.1:9090\""), out);
        assertTrue(out.contains("{\"name\":\"s3\",\"type\":\"s3\",\"url\":\"s3://my-bucket/app?access-key-id=****&secret-access-key=****\","
                + "\"syncInterval\":\"1s\","
                + "\"snapshotInterval\":\"24h\",\"retention\":\"72h\"}"), out);
        assertFalse(out.contains("AKIAEXAMPLEKEY") || out.contains("wJalrXUtnFEMI"), out);
        assertEquals(1, out.lines().count());
    }

    @Test
    void noExpandEnvTakesTheFileLiterally() throws Exception {
        String out = CliRun.of("databases", "-config", config().toString(), "-no-expand-env").succeeds().out();
        assertTrue(out.contains("$BACKUP_ROOT/other"), out);
        String expanded = CliRun.of("databases", "-config", config().toString()).succeeds().out();
        assertFalse(expanded.contains("$BACKUP_ROOT"), expanded);
    }

    @Test
    void aMissingOrInvalidConfigIsAUsageErrorOnOneLine() throws Exception {
        CliRun.of("databases", "-config", dir.resolve("nope.yml").toString()).fails(ExitCodes.USAGE, "config file not found");
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "dbs:\n  - path: /data/app.db\n    replicas:\n      - url: s3://my-bucket/app\n        sync-interval: soon\n");
        CliRun.of("databases", "-config", bad.toString()).fails(ExitCodes.USAGE, "bad.yml:5");
    }

    @Test
    void theConfigFileComesFromTheOptionTheEnvironmentOrTheDefault() {
        Path given = Path.of("/given.yml");
        assertEquals(given, DatabasesCommand.ConfigFile.resolve(given, Map.of("WALSHIP_CONFIG", "/env.yml")));
        assertEquals(Path.of("/env.yml"), DatabasesCommand.ConfigFile.resolve(null, Map.of("WALSHIP_CONFIG", "/env.yml")));
        assertEquals(Path.of("/etc/walship.yml"), DatabasesCommand.ConfigFile.resolve(null, Map.of("WALSHIP_CONFIG", " ")));
        assertEquals(Path.of("/etc/walship.yml"), DatabasesCommand.ConfigFile.resolve(null, Map.of()));
    }

    @Test
    void helpListsTheCommandAndItsExitCodes() {
        assertTrue(CliRun.of("--help").succeeds().out().contains("databases"));
        String help = CliRun.of("databases", "--help").succeeds().out();
        assertTrue(help.contains("-config=FILE") && help.contains("WALSHIP_CONFIG") && help.contains("Exit codes:"), help);
    }
}
