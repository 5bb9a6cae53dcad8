package io.walship.config;

import static io.walship.config.ConfigFiles.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad file. Each test asserts the exact {@code FILE:LINE: key 'PATH':} prefix, so an operator is sent
 * to the right line, and a fragment of the advice.
 */
class BadConfigTest {
    @TempDir
    Path dir;

    private static final String REPLICA = """
            dbs:
              - path: /data/app.db
                replicas:
                  - %s
            """;

    // ---- keys ------------------------------------------------------------------------------------------------

    @Test
    void unknownTopLevelKeySuggestsTheRightOne() {
        assertError(dir, "adr: \":9090\"\ndbs: []\n", 1, "adr", "unknown key; did you mean 'addr'?");
    }

    @Test
    void unknownReplicaKeyWithUnderscores() {
        assertError(dir, REPLICA.formatted("path: /backup\n        sync_interval: 1s"), 5,
                "dbs[0].replicas[0].sync_interval", "did you mean 'sync-interval'?");
    }

    @Test
    void unknownKeyWithoutSuggestionListsTheKnownOnes() {
        assertError(dir, "dbs:\n  - path: /a.db\n    colour: blue\n", 3, "dbs[0].colour",
                "the keys allowed here are busy-timeout, checkpoint-interval,");
    }

    @Test
    void keyGivenTwice() {
        assertError(dir, "dbs:\n  - path: /a.db\n    path: /b.db\n", 3, "dbs[0].path", "given twice (first on line 2)");
    }

    @Test
    void keyThatIsNotAWord() {
        assertError(dir, "dbs:\n  - path: /a.db\n    ? [a, b]\n    : 1\n", 3, "dbs[0]", "a key must be a plain word");
    }

    @Test
    void mergeKeyReferringToItself() {
        assertError(dir, "dbs:\n  - &db\n    path: /a.db\n    <<: *db\n", 2, "dbs[0].<<", "refers back to the mapping");
    }

    // ---- Litestream keys walship does not support ---------------------------------------------------------------

    @Test
    void ageEncryptionIsNotSupported() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/app\n        age:\n          recipients: [age1xyz]"), 5,
                "dbs[0].replicas[0].age", "not supported by walship: age encryption is not supported");
    }

    @Test
    void validationIntervalMustBeADuration() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/app\n        validation-interval: often"), 5,
                "dbs[0].replicas[0].validation-interval", "'often' is not a duration");
    }

    @Test
    void azureKeysAreNotSupported() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/app\n        account-name: acct"), 5,
                "dbs[0].replicas[0].account-name", "Litestream's abs (Azure Blob Storage) replicas");
    }

    @Test
    void metaPathOfTwoDatabasesIsOneFolder() {
        assertError(dir, """
                dbs:
                  - path: /data/a.db
                    meta-path: /var/lib/walship/shared
                    replica: {path: /backup/a}
                  - path: /data/b.db
                    meta-path: /var/lib/walship/./shared/
                    replica: {path: /backup/b}
                """, 6, "dbs[1].meta-path", "the same folder as the meta-path of dbs[0] (line 3); give each database "
                + "its own");
    }

    @Test
    void metaPathIsTheDatabaseOrItsFolder() {
        assertError(dir, "dbs:\n  - path: /data/a.db\n    meta-path: /data\n    replica: {path: /backup}\n", 3,
                "dbs[0].meta-path", "is the database file or its folder");
    }

    @Test
    void metaDirNeedsADirectoryOfDatabases() {
        assertError(dir, "dbs:\n  - path: /data/a.db\n    meta-dir: /var/lib/ls\n", 3, "dbs[0].meta-dir",
                "not supported by walship: it names Litestream's metadata folder for a directory of databases");
    }

    @Test
    void aLagBudgetMustBeAPositiveDuration() {
        String dbs = "dbs:\n  - path: /data/a.db\n    replicas:\n      - path: /backup/a\n";
        assertError(dir, "lag-budget: 0s\n" + dbs, 1, "lag-budget", "must be more than 0");
        assertError(dir, "lag-budget: 60\n" + dbs, 1, "lag-budget", "write e.g. 60s");
    }

    @Test
    void litestreamFiveShutdownTimeoutPointsToWalshipsName() {
        assertError(dir, "shutdown-sync-timeout: 10s\n", 1, "shutdown-sync-timeout", "walship's key is final-sync-timeout");
    }

    @Test
    void otherReplicaTypesAreNotSupported() {
        assertError(dir, REPLICA.formatted("type: gcs\n        bucket: b"), 4, "dbs[0].replicas[0].type",
                "replica type 'gcs' is not supported by walship; use s3");
        assertError(dir, REPLICA.formatted("url: abs://account@container/db"), 4, "dbs[0].replicas[0].url",
                "replica type 'abs' is not supported by walship");
        assertError(dir, REPLICA.formatted("url: sftp://user:pw@host/db"), 4, "dbs[0].replicas[0].url",
                "'sftp://****@host/db': replica type 'sftp' is not supported");
        assertError(dir, REPLICA.formatted("type: webdav"), 4, "dbs[0].replicas[0].type",
                "replica type 'webdav' is not supported");
    }

    @Test
    void unknownReplicaType() {
        assertError(dir, REPLICA.formatted("type: ftp"), 4, "dbs[0].replicas[0].type", "unknown replica type 'ftp'; "
                + "write s3 or file");
    }

    // ---- shapes and types ----------------------------------------------------------------------------------------

    @Test
    void listWhereAStringIsExpected() {
        assertError(dir, "exec: [a, b]\n", 1, "exec", "expected a string, found a list");
    }

    @Test
    void dbsMustBeAList() {
        assertError(dir, "dbs:\n  path: /a.db\n", 2, "dbs", "expected a list (items starting with '- '), found a mapping");
    }

    @Test
    void replicaGivenAsAPlainUrl() {
        assertError(dir, "dbs:\n  - path: /a.db\n    replicas:\n      - s3://bucket1/app\n", 4,
                "dbs[0].replicas[0]", "found a single value; write each replica as a mapping, e.g. '- url:");
    }

    @Test
    void singleReplicaGivenAsAList() {
        assertError(dir, "dbs:\n  - path: /a.db\n    replica:\n      - url: s3://bucket1/app\n", 4,
                "dbs[0].replica", "expected a mapping of keys, found a list");
    }

    @Test
    void notADuration() {
        assertError(dir, REPLICA.formatted("path: /backup\n        sync-interval: abc"), 5,
                "dbs[0].replicas[0].sync-interval", "'abc' is not a duration; write e.g. 1s, 250ms, 10m or 24h");
    }

    @Test
    void secondReplicaBadDurationNamesItsIndex() {
        assertError(dir, REPLICA.formatted("path: /backup\n      - path: /backup2\n        sync-interval: 1x"), 6,
                "dbs[0].replicas[1].sync-interval", "'1x' is not a duration");
    }

    @Test
    void bareNumberDurationAsksForAUnit() {
        assertError(dir, "dbs:\n  - path: /a.db\n    monitor-interval: 10\n", 3, "dbs[0].monitor-interval",
                "a bare number has no unit, write e.g. 10s");
    }

    @Test
    void negativeDuration() {
        assertError(dir, REPLICA.formatted("path: /backup\n        retention: -1h"), 5, "dbs[0].replicas[0].retention",
                "'-1h' is negative");
    }

    @Test
    void zeroWhereMoreIsNeeded() {
        assertError(dir, "dbs:\n  - path: /a.db\n    monitor-interval: 0\n", 3, "dbs[0].monitor-interval",
                "must be more than 0");
        assertError(dir, REPLICA.formatted("path: /backup\n        retention-check-interval: 0s"), 5,
                "dbs[0].replicas[0].retention-check-interval", "must be more than 0");
    }

    @Test
    void notASize() {
        assertError(dir, "dbs:\n  - path: /a.db\n    emergency-wal-size: 12XB\n", 3, "dbs[0].emergency-wal-size",
                "'12XB' is not a size; write e.g. 4096, 64KiB, 500MB or 1GiB");
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a\n        part-size: 12XB"), 5,
                "dbs[0].replicas[0].part-size", "'12XB' is not a size");
        assertError(dir, "dbs:\n  - path: /a.db\n    max-spool-size: 12XB\n", 3, "dbs[0].max-spool-size",
                "'12XB' is not a size");
    }

    @Test
    void aSpoolWithNoRoom() {
        assertError(dir, "dbs:\n  - path: /a.db\n    max-spool-size: 0\n", 3, "dbs[0].max-spool-size",
                "must be more than 0");
    }

    @Test
    void partSizeBelowS3Minimum() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a\n        part-size: 1MB"), 5,
                "dbs[0].replicas[0].part-size", "outside S3's part size limits; write a size from 5MiB to 5GiB");
    }

    @Test
    void notAWholeNumber() {
        assertError(dir, "dbs:\n  - path: /a.db\n    min-checkpoint-page-count: lots\n", 3,
                "dbs[0].min-checkpoint-page-count", "'lots' is not a whole number");
        assertError(dir, "dbs:\n  - path: /a.db\n    min-checkpoint-page-count: 0\n", 3,
                "dbs[0].min-checkpoint-page-count", "0 is out of range; write a number from 1");
    }

    @Test
    void notABoolean() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a\n        force-path-style: maybe"), 5,
                "dbs[0].replicas[0].force-path-style", "'maybe' is not true or false");
    }

    @Test
    void badS3Options() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a\n        concurrency: 0"), 5,
                "dbs[0].replicas[0].concurrency", "0 is out of range; write a number from 1 to 64");
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a\n        checksum: md5"), 5,
                "dbs[0].replicas[0].checksum", "write when-required (S3-compatible services) or when-supported");
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a\n        endpoint: ftp://host"), 5,
                "dbs[0].replicas[0].endpoint", "not an http or https endpoint");
        assertError(dir, REPLICA.formatted("url: s3://bucket1/a?colour=blue"), 4, "dbs[0].replicas[0].url",
                "unknown option 'colour' in the URL's query");
        assertError(dir, REPLICA.formatted("url: s3://127.0.0.1:9000/bucket1"), 4, "dbs[0].replicas[0].url",
                "is a host and port, not a bucket; write s3://BUCKET/PATH and give the server as endpoint=");
    }

    @Test
    void badBucketName() {
        assertError(dir, REPLICA.formatted("type: s3\n        bucket: My_Bucket"), 5, "dbs[0].replicas[0].bucket",
                "'My_Bucket' is not a valid bucket name");
    }

    // ---- values that do not fit together ----------------------------------------------------------------------

    @Test
    void emptyDatabasePath() {
        assertError(dir, "dbs:\n  - path: \"\"\n    replica: {path: /backup}\n", 2, "dbs[0].path", "the path is empty");
    }

    @Test
    void missingDatabasePathPointsAtTheItem() {
        assertError(dir, "dbs:\n  - path: /a.db\n    replica: {path: /backup}\n  - replica: {path: /backup2}\n", 4,
                "dbs[1].path", "every database needs its path");
    }

    @Test
    void tildeWithoutHome() {
        assertError(dir, "dbs:\n  - path: ~/app.db\n", Map.of(), 2, "dbs[0].path", "HOME is not set");
    }

    @Test
    void duplicateDatabasePaths() {
        assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica: {path: /backup/1}
                  - path: /data/./x/../app.db
                    replica: {path: /backup/2}
                """, 4, "dbs[1].path", "/data/app.db is already listed as dbs[0] (line 2)");
    }

    @Test
    void duplicateReplicaNames() {
        assertError(dir, REPLICA.formatted("name: backup\n        path: /b1\n      - name: backup\n        path: /b2"),
                6, "dbs[0].replicas[1].name", "another replica of this database is already named 'backup' (line 4)");
    }

    @Test
    void defaultNameTakenByAnExplicitOne() {
        assertError(dir, REPLICA.formatted("path: /b1\n      - path: /b2\n      - name: replica-1\n        path: /b3"), 4,
                "dbs[0].replicas[0].name", "its default name 'replica-1' is already used");
    }

    @Test
    void invalidReplicaName() {
        assertError(dir, REPLICA.formatted("name: my backup\n        path: /b1"), 4, "dbs[0].replicas[0].name",
                "'my backup' is not a valid replica name");
    }

    @Test
    void fileReplicaWithABucket() {
        assertError(dir, REPLICA.formatted("type: file\n        path: /backup\n        bucket: b1"), 6,
                "dbs[0].replicas[0].bucket", "is an s3 setting, but this is a file replica (type: file)");
        assertError(dir, REPLICA.formatted("url: file:///backup\n        region: eu-west-1"), 5,
                "dbs[0].replicas[0].region", "is an s3 setting, but this is a file replica (its url is a file URL)");
    }

    @Test
    void bucketWithoutTypeOrUrl() {
        assertError(dir, REPLICA.formatted("bucket: b1\n        path: app"), 4, "dbs[0].replicas[0].bucket",
                "this replica has no type or url, so it is a file replica; add type: s3");
    }

    @Test
    void replicaWithoutLocation() {
        assertError(dir, REPLICA.formatted("sync-interval: 1s"), 4, "dbs[0].replicas[0].url",
                "a replica needs a location");
        assertError(dir, REPLICA.formatted("type: s3"), 4, "dbs[0].replicas[0].bucket", "an s3 replica needs a bucket");
    }

    @Test
    void urlAndBucketTogether() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/app\n        bucket: bucket2"), 5,
                "dbs[0].replicas[0].bucket", "either in url or as bucket, not both");
        assertError(dir, REPLICA.formatted("url: file:///backup\n        path: /backup2"), 5,
                "dbs[0].replicas[0].path", "either as url or as path, not both");
    }

    @Test
    void urlWithoutScheme() {
        assertError(dir, REPLICA.formatted("url: /backup"), 4, "dbs[0].replicas[0].url",
                "'/backup' has no scheme; write file:///PATH or s3://BUCKET/PATH");
    }

    @Test
    void pathHoldingAUrl() {
        assertError(dir, REPLICA.formatted("path: s3://bucket1/app"), 4, "dbs[0].replicas[0].path",
                "is a URL; write it under url: instead");
    }

    @Test
    void typeContradictsUrl() {
        assertError(dir, REPLICA.formatted("type: file\n        url: s3://bucket1/app"), 4, "dbs[0].replicas[0].type",
                "type is 'file' but url is a s3 URL");
    }

    @Test
    void replicaAndReplicasTogether() {
        assertError(dir, """
                dbs:
                  - path: /a.db
                    replicas:
                      - path: /b1
                    replica:
                      path: /b2
                """, 5, "dbs[0].replica", "give either replica: (one replica) or replicas: (a list), not both");
    }

    @Test
    void databaseWithoutReplicas() {
        assertError(dir, "dbs:\n  - path: /a.db\n", 2, "dbs[0].replicas", "a database needs somewhere to go");
        assertError(dir, "dbs:\n  - path: /a.db\n    replicas: []\n", 3, "dbs[0].replicas", "the list is empty");
    }

    @Test
    void credentialsHalfGiven() {
        assertError(dir, REPLICA.formatted("url: s3://bucket1/app\n        access-key-id: AKID\n        secret-access-key:"),
                4, "dbs[0].replicas[0].secret-access-key", "access-key-id is set but secret-access-key is missing");
    }

    @Test
    void twoReplicasAtTheSamePlace() {
        assertError(dir, """
                dbs:
                  - path: /data/a.db
                    replica: {url: "s3://bucket1/app?region=x"}
                  - path: /data/b.db
                    replica:
                      bucket: bucket1
                      type: s3
                      path: /app/
                """, 6, "dbs[1].replica.bucket", "the same place as dbs[0].replica");
    }

    @Test
    void checkpointThresholdsOutOfOrder() {
        assertError(dir, "dbs:\n  - path: /a.db\n    min-checkpoint-page-count: 5000\n    max-checkpoint-page-count: 4000\n",
                4, "dbs[0].max-checkpoint-page-count", "4000 is below min-checkpoint-page-count (5000)");
        assertError(dir, "dbs:\n  - path: /a.db\n    max-checkpoint-page-count: 4000\n    emergency-wal-size: 1GB\n",
                4, "dbs[0].emergency-wal-size", "set the same threshold; keep one");
    }

    // ---- top level ------------------------------------------------------------------------------------------------

    @Test
    void badSnapshotAndValidationDefaults() {
        assertError(dir, "snapshot:\n  interval: soon\n", 2, "snapshot.interval", "'soon' is not a duration");
        assertError(dir, "snapshot:\n  count: 3\n", 2, "snapshot.count", "unknown key");
        assertError(dir, "validation-interval: 1h\nvalidation:\n  interval: 2h\n", 2, "validation",
                "validation-interval and validation.interval set the same default; keep one");
    }

    @Test
    void restoreIfDbNotExistsIsABoolean() {
        assertError(dir, "dbs:\n  - path: /a.db\n    restore-if-db-not-exists: maybe\n", 3,
                "dbs[0].restore-if-db-not-exists", "'maybe' is not true or false");
    }

    @Test
    void badAddr() {
        assertError(dir, "addr: \"9090\"\n", 1, "addr", "'9090' is not host:port; write e.g. :9090");
    }

    @Test
    void badLogging() {
        assertError(dir, "logging:\n  level: verbose\n", 2, "logging.level", "write debug, info, warn or error");
        assertError(dir, "logging:\n  type: xml\n", 2, "logging.type", "write text or json");
        assertError(dir, "logging:\n  colour: red\n", 2, "logging.colour", "unknown key");
    }

    @Test
    void noDatabases() {
        assertError(dir, "addr: \":9090\"\n", 1, "dbs", "no database to replicate; add dbs:");
        assertError(dir, "addr: \":9090\"\ndbs:\n", 2, "dbs", "no database to replicate; add at least one item");
    }

    @Test
    void emptyFile() {
        assertError(dir, "# nothing yet\n", 1, "dbs", "the file has no settings");
    }

    @Test
    void topLevelIsNotAMapping() {
        assertError(dir, "- path: /a.db\n", 1, null, "the file must be a mapping of keys such as dbs:, found a list");
    }

    @Test
    void yamlSyntaxErrorsHaveALine() {
        assertError(dir, "dbs:\n  - path: /a.db\n\treplicas: []\n", 3, null, "not valid YAML");
        assertError(dir, "dbs:\n  - path: /a.db\n    replicas: [\n", 4, null, "not valid YAML");
        assertError(dir, "addr: a: b\n", 1, null, "not valid YAML: mapping values are not allowed here");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.yml");
        ConfigException e = assertThrows(ConfigException.class, () -> WalshipConfig.load(file, Map.of(), true));
        assertEquals(file + ": config file not found; check the path given to -config", e.getMessage());
        assertEquals(0, e.line());
    }

    @Test
    void exceptionCarriesItsParts() {
        ConfigException e = assertError(dir, REPLICA.formatted("path: /backup\n        sync-interval: abc"), 5,
                "dbs[0].replicas[0].sync-interval", "abc");
        assertEquals(dir.resolve("walship.yml").toString(), e.source());
        assertEquals(5, e.line());
        assertEquals("dbs[0].replicas[0].sync-interval", e.key().orElseThrow());
        assertEquals("'abc' is not a duration; write e.g. 1s, 250ms, 10m or 24h", e.problem());
    }

    @Test
    void compactionLevelsAscend() {
        String dbs = "dbs:\n  - path: /a.db\n    replica: {path: /backup}\n";
        assertError(dir, "levels:\n  - interval: 1h\n  - interval: 5m\n" + dbs, 3, "levels[1].interval",
                "is not longer than the level before (1h)");
        assertError(dir, "levels:\n  - interval: 500ms\n" + dbs, 2, "levels[0].interval", "is too short");
        assertError(dir, "levels:\n  - 5m\n" + dbs, 2, "levels[0]", "write each level as a mapping, e.g. '- interval: 5m'");
        assertError(dir, "levels:\n  - every: 5m\n" + dbs, 2, "levels[0].every", "unknown key");
        assertError(dir, "l0-retention: soon\n" + dbs, 1, "l0-retention", "not a duration");
    }
}
