package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one grammar of replica locations: which text is a folder, which is refused, and how a location prints. */
class ReplicaLocationTest {
    private static final Map<String, String> ENV = Map.of("HOME", "/home/op");

    private static ReplicaLocation parse(String text) {
        return ReplicaLocation.parse(text, ENV);
    }

    private static Path cwd(String relative) {
        return Path.of("").toAbsolutePath().resolve(relative).normalize();
    }

    @Test
    void pathsThatSayTheyArePathsAreFolders() {
        assertEquals(FolderLocation.of(Path.of("/backup/app")), parse("/backup/app"));
        assertEquals(FolderLocation.of(cwd("backup")), parse("./backup"));
        assertEquals(FolderLocation.of(cwd("../backup")), parse("../backup"));
        assertEquals(FolderLocation.of(cwd("")), parse("."));
        assertEquals(FolderLocation.of(Path.of("/home/op/backup")), parse("~/backup"));
        assertEquals(FolderLocation.of(Path.of("/home/op")), parse("~"));
        assertEquals(FolderLocation.of(Path.of("/backup/app")), parse("  /backup//app/  "), "stripped and normalised");
    }

    @Test
    void fileUrls() {
        assertEquals(FolderLocation.of(Path.of("/backup/app")), parse("file:///backup/app"));
        assertEquals(FolderLocation.of(Path.of("/backup/app")), parse("file:/backup/app"));
        assertEquals(FolderLocation.of(Path.of("/with space/x")), parse("file:///with space/x"), "nothing decoded");
        assertEquals(FolderLocation.of(cwd("backup")), parse("file://./backup"));
        assertEquals(FolderLocation.of(cwd("backup")), parse("file://backup"));
        assertEquals(FolderLocation.of(cwd("../up")), parse("file://../up"));
        assertEquals(FolderLocation.of(Path.of("/b")), parse("FILE:///b"), "schemes are case-insensitive");
    }

    /** Text that is neither a path nor a URL of ours is refused (exit 2 on the command line), never a folder. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "s3:/bkt/app | an s3 URL starts with s3:// (two slashes)",
        "S3:bkt/app | an s3 URL starts with s3://",
        "bkt/app | neither a path nor a URL; write ./bkt/app for a folder here, /PATH for an absolute one, or s3://bkt/app",
        "backup | neither a path nor a URL",
        "~backup/x | neither a path nor a URL",
        "gs://bucket/app | scheme 'gs' is not supported; use a folder path, file:///PATH or s3://BUCKET/PATH",
        "https://example.com/x | scheme 'https' is not supported",
        "ftp://host/backup | scheme 'ftp' is not supported",
        "localhost:9000/bkt | neither a path nor a URL",
        "file:backup | not a file URL walship reads",
        "file:///backup?x=1 | has a query",
        "file:// | names no folder",
    })
    void refused(String text, String problem) {
        InvalidReplicaLocationException e = assertThrows(InvalidReplicaLocationException.class, () -> parse(text));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("'" + text + "'"), "names the input: " + e.getMessage());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "\t"})
    void emptyIsRefused(String text) {
        assertTrue(assertThrows(InvalidReplicaLocationException.class, () -> parse(text)).getMessage()
                .contains("the replica is empty"));
        assertThrows(InvalidReplicaLocationException.class, () -> parse(null));
    }

    @Test
    void tildeWithoutHomeIsRefused() {
        InvalidReplicaLocationException e = assertThrows(InvalidReplicaLocationException.class,
                () -> ReplicaLocation.parse("~/backup", Map.of()));
        assertTrue(e.getMessage().contains("HOME is not set"), e.getMessage());
    }

    /** Provider host names mean the same everywhere: DigitalOcean here, not an AWS bucket named after the host. */
    @Test
    void providerHostNames() {
        S3Location s = (S3Location) parse("s3://mybkt.nyc3.digitaloceanspaces.com/app");
        assertEquals("mybkt", s.bucket());
        assertEquals(URI.create("https://nyc3.digitaloceanspaces.com"), s.endpoint());
        assertEquals("nyc3", s.region());
        assertTrue(s.forcePathStyle());
        assertEquals("s3://mybkt/app at https://nyc3.digitaloceanspaces.com", s.describe());
    }

    /** The masked URL reads back to an equal location (credentials aside), so what databases shows is what runs. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "s3://bucket1/a/b",
        "s3://bucket1?endpoint=http://127.0.0.1:9000&force-path-style=false&checksum=when-supported",
        "s3://bucket1/a?region=eu-west-1&skip-verify=true&storage-class=STANDARD_IA&part-size=64MiB&concurrency=8",
        "s3://bucket1/a?part-size=6000000",
        "s3://mybkt.s3.us-west-000.backblazeb2.com/db",
        "file:///backup/app",
    })
    void maskedUrlReadsBack(String url) {
        ReplicaLocation l = parse(url);
        assertEquals(l, parse(l.maskedUrl()), l.maskedUrl());
        assertEquals(l.maskedUrl(), l.toString());
    }

    @Test
    void maskedUrlShowsOnlyWhatDiffersFromTheDefaults() {
        assertEquals("s3://bucket1/a", parse("s3://bucket1/a?force-path-style=false&part-size=16MiB&concurrency=4"
                + "&checksum=when-supported&skip-verify=no").maskedUrl());
        assertEquals("s3://bucket1/a?endpoint=http://h:9&access-key-id=****&secret-access-key=****",
                parse("s3://bucket1/a?endpoint=http://h:9&access-key-id=AKIA1&secret-access-key=s3cr3t").maskedUrl());
    }

    @Test
    void identityIgnoresCredentialsAndTuning() {
        ReplicaLocation a = parse("s3://bucket1/app?endpoint=http://h:9&access-key-id=A1&secret-access-key=S1");
        ReplicaLocation b = parse("s3://bucket1/app/?endpoint=http://h:9&part-size=32MiB");
        assertNotEquals(a, b);
        assertEquals(a.identity(), b.identity());
        assertNotEquals(a.identity(), parse("s3://bucket1/app").identity(), "another endpoint is another place");
        assertEquals(parse("file:///b").identity(), parse("/b/").identity());
    }

    @Test
    void redactIsTheOneRuleForRawText() {
        assertEquals("s3://b/p?access-key-id=****&secret-access-key=****&region=x",
                ReplicaLocation.redact("s3://b/p?access-key-id=AKIA&secret-access-key=s3cr3t&region=x"));
        assertEquals("sftp://****@host/db", ReplicaLocation.redact("sftp://user:pw@host/db"));
        assertEquals("bkt/app?Access-Key-Id=****", ReplicaLocation.redact("bkt/app?Access-Key-Id=AKIA"));
        // A user part hides in an option too, not only at the start of the text.
        assertEquals("s3://b/p?endpoint=http://****@h:9000&region=x",
                ReplicaLocation.redact("s3://b/p?endpoint=http://AKIA:s3cr3t@h:9000&region=x"));
        assertEquals("s3://b/p?endpoint=http://****@h", ReplicaLocation.redact("s3://b/p?endpoint=http://A:s3/cr3t@h"));
        // Passwords holding '&', '@' or '/' are masked whole.
        assertEquals("sftp://****@host/x", ReplicaLocation.redact("sftp://user:pa&ss@host/x"));
        assertEquals("sftp://****@host/x", ReplicaLocation.redact("sftp://user:p@ss@host/x"));
        assertEquals("sftp://****@host/x", ReplicaLocation.redact("sftp://user:p/ss@host/x"));
        assertEquals("s3://bkt/p?endpoint=http://****@h:9000", ReplicaLocation.redact("s3://bkt/p?endpoint=http://u:pa&ss@h:9000"));
        assertEquals("s3://bkt/p?ENDPOINT=http://****@h", ReplicaLocation.redact("s3://bkt/p?ENDPOINT=http://u:p@ss@h"));
    }

    @Test
    void aRefusedLocationNeverEchoesItsCredentials() {
        for (String text : new String[] {"bkt/app?access-key-id=AKIA1&secret-access-key=s3cr3t",
            "s3:/bkt/app?secret-access-key=s3cr3t", "gs://b/p?access-key-id=AKIA1",
            "s3://bkt/p?access-key-id=AKIA1&secret-access-key=s3cr3t&colour=blue",
            "s3://bkt/p?endpoint=http://AKIA1:s3cr3t@127.0.0.1:9000", "file://./x?secret-access-key=s3cr3t",
            "sftp://AKIA1:s3cr3t&x@host/x", "sftp://AKIA1:s3@cr3t@host/x", "s3://bkt/p?endpoint=http://AKIA1:s3cr3t&x@h:9000"}) {
            String m = assertThrows(InvalidReplicaLocationException.class, () -> parse(text)).getMessage();
            assertFalse(m.contains("AKIA1") || m.contains("s3cr3t"), m);
        }
    }

    @Test
    void secretsNeverPrint() {
        Secret s = Secret.of("s3cr3t");
        assertEquals("****", s.toString());
        assertEquals("s3cr3t", s.reveal());
        assertEquals(Secret.of("s3cr3t"), s);
        assertEquals("S3Credentials[accessKeyId=****, secretAccessKey=****]",
                new S3Credentials(Secret.of("AKIA1"), s).toString());
        assertThrows(IllegalArgumentException.class, () -> Secret.of("a b"));
        assertFalse(assertThrows(IllegalArgumentException.class, () -> Secret.of("top secret")).getMessage()
                .contains("top"));
    }
}
