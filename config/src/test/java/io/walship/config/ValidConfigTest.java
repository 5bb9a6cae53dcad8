package io.walship.config;

import static io.walship.config.ConfigFiles.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files walship must accept, and what each key turns into. */
class ValidConfigTest {
    @TempDir
    Path dir;

    /** The smallest useful file gets Litestream's and walship's defaults everywhere. */
    @Test
    void minimalFileGetsDefaults() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/app.db
                    replicas:
                      - path: /backup/app
                """);
        assertEquals(dir.resolve("walship.yml"), c.source());
        assertNull(c.addr());
        assertNull(c.exec());
        assertEquals(LoggingConfig.defaults(), c.logging());
        assertEquals(Duration.ofSeconds(30), c.finalSyncTimeout());
        assertEquals(Duration.ofSeconds(60), c.lagBudget());
        assertEquals(CompactionSettings.defaults(), c.compaction());
        assertEquals(List.of(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(1)),
                c.compaction().levels(), "Litestream 0.5's default ladder");
        DatabaseConfig db = c.dbs().get(0);
        assertEquals(Path.of("/data/app.db"), db.path());
        assertEquals(ReplicationSettings.defaults(), db.settings());
        assertEquals(Duration.ofMinutes(1), db.checkpointInterval());
        ReplicaConfig r = db.replicas().get(0);
        assertEquals(new ReplicaConfig("file", loc("file:///backup/app"), Duration.ofSeconds(1), Duration.ofHours(24),
                Duration.ofHours(24), Duration.ofHours(1), Duration.ZERO), r);
        assertEquals("file", r.type());
    }

    /** Litestream 0.5's single replica: form is one replica; the key path in errors is dbs[0].replica. */
    @Test
    void singleReplicaForm() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      url: s3://my-bucket/app
                      sync-interval: 250ms
                """);
        ReplicaConfig r = c.dbs().get(0).replicas().get(0);
        assertEquals("s3", r.name());
        assertEquals(loc("s3://my-bucket/app"), r.location());
        assertEquals(Duration.ofMillis(250), r.syncInterval());
        assertEquals(Duration.ofMillis(250), c.dbs().get(0).settings().syncInterval());
    }

    /** Every walship and Litestream key in one file, each landing where DatabaseConfig's Javadoc says. */
    @Test
    void everyKeyMaps() {
        WalshipConfig c = load(dir, """
                addr: 127.0.0.1:9090
                exec: ./app serve --port 8080
                final-sync-timeout: 1m
                lag-budget: 5m
                logging:
                  level: WARNING
                  type: json
                  stderr: yes
                dbs:
                  - path: ~/app.db
                    monitor-interval: 100ms
                    checkpoint-interval: 0
                    min-checkpoint-page-count: 2000
                    emergency-wal-size: 1GiB
                    busy-timeout: 10s
                    replicas:
                      - name: primary
                        type: s3
                        bucket: my-bucket
                        path: /a//b/./c/
                        endpoint: https://s3.us-west-000.backblazeb2.com
                        region: us-west-000
                        force-path-style: off
                        skip-verify: on
                        storage-class: STANDARD_IA
                        part-size: 64MiB
                        concurrency: 8
                        checksum: when-supported
                        sync-interval: 5s
                        snapshot-interval: 1h30m
                        retention: 0
                        retention-check-interval: 10m
                      - type: file
                        path: backup
                        sync-interval: 2s
                """);
        assertEquals("127.0.0.1:9090", c.addr());
        assertEquals("./app serve --port 8080", c.exec());
        assertEquals(Duration.ofMinutes(1), c.finalSyncTimeout());
        assertEquals(Duration.ofMinutes(5), c.lagBudget());
        assertEquals(Duration.ofSeconds(90), c.withLagBudget(Duration.ofSeconds(90)).lagBudget());
        assertEquals(new LoggingConfig("warn", true, true), c.logging());
        DatabaseConfig db = c.dbs().get(0);
        assertEquals(Path.of("/home/op/app.db"), db.path());
        assertEquals(Duration.ZERO, db.checkpointInterval());
        ReplicationSettings s = db.settings();
        assertEquals(Duration.ofMillis(100), s.monitorInterval());
        assertEquals(2000, s.checkpointPages());
        assertEquals(ByteSize.parse("1GiB"), s.emergencyWalSize());
        assertEquals(Duration.ofSeconds(10), s.busyTimeout());
        assertEquals(Duration.ofSeconds(2), s.syncInterval(), "capture keeps up with the most eager replica");
        ReplicaConfig s3 = db.replicas().get(0);
        assertEquals(new ReplicaConfig("primary", loc("s3://my-bucket/a/b/c?endpoint=https://s3.us-west-000.backblazeb2.com"
                + "&region=us-west-000&force-path-style=false&skip-verify=true&storage-class=STANDARD_IA"
                + "&part-size=67108864&concurrency=8&checksum=when-supported"),
                Duration.ofSeconds(5), Duration.ofMinutes(90), Duration.ZERO, Duration.ofMinutes(10), Duration.ZERO), s3);
        ReplicaConfig file = db.replicas().get(1);
        assertEquals("file", file.name());
        assertEquals(loc("file://" + Path.of("backup").toAbsolutePath()), file.location(), "relative to the working directory");
    }

    /** ${VAR} and $VAR both expand from the given environment; an unset variable expands to nothing. */
    @Test
    void environmentExpansionBothForms() {
        WalshipConfig c = load(dir, """
                exec: run $APP_NAME --flag=${APP_FLAG}x$UNSET_VAR.
                dbs:
                  - path: ${DATA_DIR}/app.db
                    replicas:
                      - url: s3://$BUCKET/${PREFIX}
                        access-key-id: ${KEY_ID}
                        secret-access-key: ${SECRET}
                """, Map.of("APP_NAME", "web", "APP_FLAG", "on", "DATA_DIR", "/srv", "BUCKET", "bk1", "PREFIX", "p/q",
                "KEY_ID", "AKID", "SECRET", "s3cr3t"));
        assertEquals("run web --flag=onx.", c.exec());
        assertEquals(Path.of("/srv/app.db"), c.dbs().get(0).path());
        assertEquals(loc("s3://bk1/p/q?access-key-id=AKID&secret-access-key=s3cr3t"), c.dbs().get(0).replicas().get(0).location());
    }

    /** An unset credential variable leaves the key empty, so the replica falls back to the environment's credentials. */
    @Test
    void unsetCredentialVariablesMeanNoCredentials() {
        WalshipConfig c = load(dir, """
                access-key-id: ${AWS_KEY}
                secret-access-key: ${AWS_SECRET}
                dbs:
                  - path: /data/app.db
                    replicas:
                      - url: s3://bucket1/app
                """, Map.of());
        assertEquals(loc("s3://bucket1/app"), c.dbs().get(0).replicas().get(0).location());
    }

    /** With -no-expand-env the text is taken literally, dollar signs included. */
    @Test
    void noExpandEnvTakesTheFileLiterally() throws ConfigException {
        Path file = ConfigFiles.write(dir, """
                exec: echo $HOME ${HOME}
                dbs:
                  - path: /data/app.db
                    replicas:
                      - path: /backup/$x
                """);
        WalshipConfig c = WalshipConfig.load(file, Map.of("HOME", "/root", "x", "y"), false);
        assertEquals("echo $HOME ${HOME}", c.exec());
        assertEquals(loc("file:///backup/$x"), c.dbs().get(0).replicas().get(0).location());
        WalshipConfig expanded = WalshipConfig.load(file, Map.of("HOME", "/root", "x", "y"), true);
        assertEquals("echo /root /root", expanded.exec());
        assertEquals(loc("file:///backup/y"), expanded.dbs().get(0).replicas().get(0).location());
    }

    /** Top-level credentials apply to S3 replicas that set none, field by field as in Litestream, never to folders. */
    @Test
    void globalCredentialsApplyToS3ReplicasWithoutTheirOwn() {
        WalshipConfig c = load(dir, """
                access-key-id: GLOBALID
                secret-access-key: GLOBALSECRET
                dbs:
                  - path: /data/app.db
                    replicas:
                      - url: s3://bucket1/a
                      - url: s3://bucket2/b
                        access-key-id: OWNID
                        secret-access-key: OWNSECRET
                      - url: file:///backup
                """);
        List<ReplicaConfig> r = c.dbs().get(0).replicas();
        assertEquals(loc("s3://bucket1/a?access-key-id=GLOBALID&secret-access-key=GLOBALSECRET"), r.get(0).location());
        assertEquals(loc("s3://bucket2/b?access-key-id=OWNID&secret-access-key=OWNSECRET"), r.get(1).location());
        assertEquals(loc("file:///backup"), r.get(2).location());
    }

    /** Separate keys override and extend the URL's query, as Litestream lets fields override the URL. */
    @Test
    void separateKeysOverrideTheUrlsQuery() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/app.db
                    replicas:
                      - url: s3://bucket1/app?region=us-east-1&part-size=16MiB&Concurrency=2
                        region: eu-central-1
                        endpoint: http://127.0.0.1:9000
                        concurrency: 6
                """);
        assertEquals(loc("s3://bucket1/app?endpoint=http://127.0.0.1:9000&region=eu-central-1&part-size=16777216"
                + "&concurrency=6"), c.dbs().get(0).replicas().get(0).location());
    }

    /** Litestream's provider host names become bucket, region and endpoint, so such URLs keep working. */
    @Test
    void providerHostNamesAsInLitestream() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    replica:
                      url: s3://mybkt.nyc3.digitaloceanspaces.com/db
                  - path: /data/b.db
                    replica:
                      url: s3://mybkt.localhost:9000/db
                  - path: /data/c.db
                    replica:
                      url: s3://mybkt.s3.us-west-000.backblazeb2.com/db?region=override
                """);
        assertEquals(loc("s3://mybkt/db?endpoint=https://nyc3.digitaloceanspaces.com&region=nyc3"),
                c.dbs().get(0).replicas().get(0).location());
        assertEquals(loc("s3://mybkt/db?endpoint=http://localhost:9000&region=us-east-1"),
                c.dbs().get(1).replicas().get(0).location());
        assertEquals(loc("s3://mybkt/db?endpoint=https://s3.us-west-000.backblazeb2.com&region=override"),
                c.dbs().get(2).replicas().get(0).location());
    }

    /** Unnamed replicas are named after their type, or replica-N (1-based) when that would clash. */
    @Test
    void defaultReplicaNames() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    replicas:
                      - url: s3://bucket1/a
                      - path: /backup/a
                  - path: /data/b.db
                    replicas:
                      - path: /backup/b1
                      - path: /backup/b2
                      - url: s3://bucket1/b
                  - path: /data/c.db
                    replicas:
                      - path: /backup/c1
                        name: file
                      - path: /backup/c2
                """);
        assertEquals(List.of("s3", "file"), names(c.dbs().get(0)));
        assertEquals(List.of("replica-1", "replica-2", "s3"), names(c.dbs().get(1)));
        assertEquals(List.of("file", "replica-2"), names(c.dbs().get(2)));
    }

    /** YAML anchors and merge keys work as in Litestream's YAML library, for settings shared between replicas. */
    @Test
    void anchorsAndMergeKeys() {
        // The anchor is set on the first replica (every top-level key must be a known one).
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    replicas:
                      - &s3
                        url: s3://bucket1/a
                        endpoint: http://127.0.0.1:9000
                        sync-interval: 3s
                  - path: /data/b.db
                    replicas:
                      - <<: *s3
                        url: s3://bucket1/b
                        sync-interval: 4s
                """);
        ReplicaConfig b = c.dbs().get(1).replicas().get(0);
        assertEquals(loc("s3://bucket1/b?endpoint=http://127.0.0.1:9000"), b.location());
        assertEquals(Duration.ofSeconds(4), b.syncInterval());
    }

    /** A secret with URL-special characters survives the trip into the URL, encoded where the URL reader needs it. */
    @Test
    void secretsAreEncodedForTheUrl() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    replica:
                      url: s3://bucket1/a
                      access-key-id: AKID
                      secret-access-key: "a/b+c&d=e%f"
                """);
        assertEquals(loc("s3://bucket1/a?access-key-id=AKID&secret-access-key=a/b%2Bc%26d%3De%25f"),
                c.dbs().get(0).replicas().get(0).location());
        S3Location s3 = (S3Location) c.dbs().get(0).replicas().get(0).location();
        assertEquals("a/b+c&d=e%f", s3.credentials().secretAccessKey().reveal());
    }

    /** Litestream's max-checkpoint-page-count becomes a WAL size: 32 + N * (24 + 4096) bytes; 0 means 500000 pages. */
    @Test
    void maxCheckpointPageCountBecomesEmergencyWalSize() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    max-checkpoint-page-count: 10000
                    replica: {path: /backup/a}
                  - path: /data/b.db
                    max-checkpoint-page-count: 0
                    replica: {path: /backup/b}
                """);
        assertEquals(32 + 10_000L * 4120, c.dbs().get(0).settings().emergencyWalSize().bytes());
        assertEquals(32 + 500_000L * 4120, c.dbs().get(1).settings().emergencyWalSize().bytes());
    }

    /** Booleans in YAML 1.1 spelling (yes/no/on/off), which Litestream's YAML library reads as booleans. */
    @Test
    void yamlOneOneBooleans() {
        WalshipConfig c = load(dir, """
                logging: {stderr: Yes}
                dbs:
                  - path: /data/a.db
                    replica: {url: "s3://bucket1/a", force-path-style: no, skip-verify: TRUE}
                """);
        assertTrue(c.logging().stderr());
        assertEquals(loc("s3://bucket1/a?force-path-style=false&skip-verify=true"), c.dbs().get(0).replicas().get(0).location());
        assertFalse(c.logging().json());
    }

    /** Litestream 0.5's global snapshot: {interval, retention} applies to every replica that does not set its own. */
    @Test
    void litestreamFiveSnapshotDefaults() {
        WalshipConfig c = load(dir, """
                snapshot:
                  interval: 1h
                  retention: 72h
                dbs:
                  - path: /data/app.db
                    replicas:
                      - path: /backup/a
                      - path: /backup/b
                        snapshot-interval: 6h
                        retention: 0
                """);
        List<ReplicaConfig> r = c.dbs().get(0).replicas();
        assertEquals(Duration.ofHours(1), r.get(0).snapshotInterval());
        assertEquals(Duration.ofHours(72), r.get(0).retention());
        assertEquals(Duration.ofHours(6), r.get(1).snapshotInterval(), "the replica's own key wins");
        assertEquals(Duration.ZERO, r.get(1).retention());
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
    }

    /** validation-interval is read into the model: per replica, or as a default from the top of the file. */
    @Test
    void validationIntervalIsReadIntoTheModel() {
        WalshipConfig c = load(dir, """
                validation-interval: 12h
                dbs:
                  - path: /data/app.db
                    replicas:
                      - url: s3://bucket1/app
                        validation-interval: 6h
                      - path: /backup/app
                  - path: /data/other.db
                    replica: {path: /backup/other, validation-interval: 0}
                """);
        assertEquals(Duration.ofHours(6), c.dbs().get(0).replicas().get(0).validationInterval());
        assertEquals(Duration.ofHours(12), c.dbs().get(0).replicas().get(1).validationInterval());
        assertEquals(Duration.ZERO, c.dbs().get(1).replicas().get(0).validationInterval(), "0 turns it off");
        WalshipConfig section = load(dir, """
                validation:
                  interval: 30m
                dbs:
                  - path: /data/app.db
                    replica: {path: /backup/app}
                """);
        assertEquals(Duration.ofMinutes(30), section.dbs().get(0).replicas().get(0).validationInterval());
        assertEquals(Duration.ZERO, load(dir, "dbs:\n  - path: /a.db\n    replica: {path: /b}\n").dbs().get(0)
                .replicas().get(0).validationInterval(), "none by default");
    }

    /** meta-path names the database's spool folder (Litestream: its metadata folder), ~ and relative paths resolved. */
    @Test
    void metaPathIsTheSpoolFolder() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    meta-path: ~/spool/a
                    replica: {path: /backup/a}
                  - path: /data/b.db
                    meta-path: /mnt/fast/b-meta/
                    replica: {path: /backup/b}
                  - path: /data/c.db
                    replica: {path: /backup/c}
                """);
        assertEquals(Optional.of(Path.of("/home/op/spool/a")), c.dbs().get(0).spoolDir());
        assertEquals(Optional.of(Path.of("/mnt/fast/b-meta")), c.dbs().get(1).spoolDir());
        assertEquals(Optional.empty(), c.dbs().get(2).spoolDir(), "the default: .c.db-walship beside the database");
    }

    /** max-spool-size bounds the spool of one database; without it, the daemon's default applies (empty here). */
    @Test
    void maxSpoolSizePerDatabase() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    max-spool-size: 2GiB
                    replica: {path: /backup/a}
                  - path: /data/b.db
                    replica: {path: /backup/b}
                """);
        assertEquals(Optional.of(ByteSize.parse("2GiB")), c.dbs().get(0).maxSpoolSize());
        assertEquals(Optional.empty(), c.dbs().get(1).maxSpoolSize());
    }

    /** Litestream 0.5's per-database restore-if-db-not-exists, in YAML 1.1 spelling too. */
    @Test
    void restoreIfDbNotExistsPerDatabase() {
        WalshipConfig c = load(dir, """
                dbs:
                  - path: /data/a.db
                    restore-if-db-not-exists: true
                    replica: {path: /backup/a}
                  - path: /data/b.db
                    restore-if-db-not-exists: no
                    replica: {path: /backup/b}
                  - path: /data/c.db
                    replica: {path: /backup/c}
                """);
        assertEquals(List.of(true, false, false), c.dbs().stream().map(DatabaseConfig::restoreIfMissing).toList());
    }

    /** A location as the one grammar reads it: what each replica's keys must come to. */
    static ReplicaLocation loc(String url) {
        return ReplicaLocation.parse(url, ConfigFiles.ENV);
    }

    private static List<String> names(DatabaseConfig db) {
        return db.replicas().stream().map(ReplicaConfig::name).toList();
    }

    /** Litestream 0.5's compaction keys mean the same to walship: one window per level, and how long inputs stay. */
    @Test
    void litestreamCompactionLevelsAndInputRetention() {
        WalshipConfig c = load(dir, """
                levels:
                  - interval: 2m
                  - interval: 1h
                l0-retention: 10m
                dbs:
                  - path: /data/app.db
                    replica: {path: /backup/app}
                """);
        assertEquals(new CompactionSettings(List.of(Duration.ofMinutes(2), Duration.ofHours(1)), Duration.ofMinutes(10)),
                c.compaction());
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
    }

    /** An empty list of levels turns compaction off. */
    @Test
    void noLevelsTurnsCompactionOff() {
        WalshipConfig c = load(dir, "levels: []\ndbs:\n  - path: /data/app.db\n    replica: {path: /backup/app}\n");
        assertFalse(c.compaction().enabled());
        assertEquals(CompactionSettings.DEFAULT_INPUT_RETENTION, c.compaction().inputRetention());
    }
}
