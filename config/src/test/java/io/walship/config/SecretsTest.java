package io.walship.config;

import static io.walship.config.ConfigFiles.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials reach the replica location and nothing else: no toString, describe() or error message shows them. */
class SecretsTest {
    private static final String KEY_ID = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final Map<String, String> ENV = Map.of("HOME", "/home/op", "KEY_ID", KEY_ID, "SECRET", SECRET);

    @TempDir
    Path dir;

    @Test
    void toStringAndDescribeMaskCredentials() {
        WalshipConfig c = load(dir, """
                access-key-id: ${KEY_ID}
                secret-access-key: ${SECRET}
                dbs:
                  - path: /data/app.db
                    replicas:
                      - url: s3://bucket1/app?region=eu-west-1
                      - path: /backup
                """, ENV);
        ReplicaConfig r = c.dbs().get(0).replicas().get(0);
        S3Credentials credentials = ((S3Location) r.location()).credentials();
        assertEquals(SECRET, credentials.secretAccessKey().reveal(), "the secret reaches the location intact");
        assertEquals(KEY_ID, credentials.accessKeyId().reveal());
        assertEquals("s3://bucket1/app?region=eu-west-1&access-key-id=****&secret-access-key=****", r.describe());
        for (String shown : List.of(r.toString(), r.describe(), c.toString(), c.dbs().toString())) {
            assertFalse(shown.contains("wJalr"), shown);
            assertFalse(shown.contains(KEY_ID), shown);
        }
    }

    @Test
    void errorsAboutASecretDoNotRepeatIt() {
        // A secret with a space is wrong; the message must say so without showing it.
        ConfigException e = ConfigFiles.assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      url: s3://bucket1/app
                      access-key-id: AKID
                      secret-access-key: "top secret"
                """, 6, "dbs[0].replica.secret-access-key", "the credential is empty or contains whitespace");
        assertFalse(e.getMessage().contains("top secret"), e.getMessage());
    }

    @Test
    void errorsAboutAUrlMaskItsCredentials() {
        ConfigException e = ConfigFiles.assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      url: s3://bucket1/app?access-key-id=${KEY_ID}&colour=blue&secret-access-key=${SECRET}
                """, ENV, 4, "dbs[0].replica.url", "unknown option 'colour'");
        assertFalse(e.getMessage().contains("wJalr"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY_ID), e.getMessage());
        assertTrue(e.getMessage().contains("secret-access-key=****"), e.getMessage());
    }

    @Test
    void aFileUrlWithACredentialIsRefusedWithoutShowingIt() {
        ConfigException e = ConfigFiles.assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      url: file://./backup?secret-access-key=${SECRET}
                """, ENV, 4, "dbs[0].replica.url", "names no folder, or has a query");
        assertFalse(e.getMessage().contains("wJalr"), e.getMessage());
        assertTrue(e.getMessage().contains("secret-access-key=****"), e.getMessage());
    }

    @Test
    void anEndpointWithAUserPartIsRefusedWithoutShowingIt() {
        // Accepted, the user part would print wherever the endpoint does (logs, status, walship databases).
        ConfigException url = ConfigFiles.assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      url: s3://bucket1/app?endpoint=http://${KEY_ID}:${SECRET}@127.0.0.1:9000
                """, ENV, 4, "dbs[0].replica.url", "the endpoint has a user part");
        ConfigException key = ConfigFiles.assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      type: s3
                      bucket: bucket1
                      endpoint: http://${KEY_ID}:${SECRET}@127.0.0.1:9000
                """, ENV, 6, "dbs[0].replica.endpoint", "the endpoint has a user part");
        for (ConfigException e : List.of(url, key)) {
            assertFalse(e.getMessage().contains("wJalr") || e.getMessage().contains(KEY_ID), e.getMessage());
        }
    }

    @Test
    void aPlusInAUrlCredentialGetsAHint() {
        ConfigException e = ConfigFiles.assertError(dir, """
                dbs:
                  - path: /data/app.db
                    replica:
                      url: s3://bucket1/app?access-key-id=${KEY_ID}&secret-access-key=${SECRET}
                """, ENV, 4, "dbs[0].replica.url", "write it as %2B, or give the credential as a separate key");
        assertFalse(e.getMessage().contains("wJalr"), e.getMessage());
    }

    @Test
    void syntaxErrorsDoNotQuoteTheLine() {
        // After expansion the secret sits on a line YAML cannot parse; SnakeYAML's snippet would show it.
        ConfigException e = ConfigFiles.assertError(dir, "secret-access-key: ${SECRET}: oops\n", ENV, 1, null,
                "not valid YAML");
        assertFalse(e.getMessage().contains("wJalr"), e.getMessage());
    }

    @Test
    void commandLineErrorsMaskCredentials() {
        ConfigException e = assertThrows(ConfigException.class, () -> WalshipConfig.fromCommandLine(Path.of("/a.db"),
                List.of("s3://Bad_Bucket/x?secret-access-key=" + SECRET), ReplicationSettings.defaults()));
        assertFalse(e.getMessage().contains("wJalr"), e.getMessage());
        assertTrue(e.getMessage().startsWith("command line: replica URL 's3://Bad_Bucket/x?secret-access-key=****'"),
                e.getMessage());
    }
}
