package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import io.walship.config.InvalidReplicaLocationException;
import io.walship.config.ReplicaLocation;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Opening what the one location grammar reads: folders (file URLs and paths) become file storages rooted there. */
class ReplicaStoragesTest {
    @TempDir
    Path dir;

    private static ReplicaStorage open(String url) {
        return ReplicaStorages.open(ReplicaLocation.parse(url, Map.of("HOME", "/home/op")), Map.of());
    }

    private static Path rootOf(String url) {
        return assertInstanceOf(FileReplicaStorage.class, open(url)).root();
    }

    private static Path cwd(String relative) {
        return Path.of("").toAbsolutePath().resolve(relative).normalize();
    }

    @Test
    void absoluteFileUrl() throws Exception {
        Path abs = dir.resolve("backup").toAbsolutePath();
        assertEquals(abs, rootOf("file://" + abs));
        assertEquals(abs, rootOf("file:" + abs));
        assertEquals(Path.of("/var/lib/walship/replica"), rootOf("file:///var/lib/walship/replica"));
        assertEquals(Path.of("/with space/x"), rootOf("file:///with space/x"));

        // The storage really works there, and opening created nothing.
        assertTrue(Files.notExists(abs));
        ReplicaStorage s = open("file://" + abs);
        Path src = dir.resolve("src");
        Files.write(src, new byte[] {1, 2, 3});
        s.put("k", src);
        assertEquals(3, Files.size(abs.resolve("k")));
    }

    @Test
    void relativeFileUrl() {
        assertEquals(cwd("backup"), rootOf("file://./backup"));
        assertEquals(cwd("a/b"), rootOf("file://./a/b"));
        assertEquals(cwd("backup"), rootOf("file://backup"));
        assertEquals(cwd("../up"), rootOf("file://../up"));
    }

    /** Paths that say they are paths; a bare relative one ({@code rel/dir}) is refused, see ReplicaLocationTest. */
    @Test
    void plainPaths() {
        Path abs = dir.resolve("plain").toAbsolutePath();
        assertEquals(abs, rootOf(abs.toString()));
        assertEquals(cwd("rel/dir"), rootOf("./rel/dir"));
        assertEquals(cwd("rel"), rootOf("./rel"));
        assertEquals(cwd("../up"), rootOf("../up"));
        assertEquals(Path.of("/home/op/backup"), rootOf("~/backup"));
        assertThrows(InvalidReplicaLocationException.class, () -> open("rel/dir"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ftp://host/backup", "gopher://x/y", "https://example.com/replica", "gs://bucket/path"})
    void unsupportedSchemeIsRefusedNamingTheUrl(String url) {
        InvalidReplicaLocationException e = assertThrows(InvalidReplicaLocationException.class,
                () -> open(url));
        assertTrue(e.getMessage().contains(url), e.getMessage());
        assertTrue(e.getMessage().contains(url.substring(0, url.indexOf(':'))), e.getMessage());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "\t"})
    void emptyUrlIsRefused(String url) {
        assertThrows(InvalidReplicaLocationException.class, () -> open(url));
        assertThrows(InvalidReplicaLocationException.class, () -> open(null));
    }

    @Test
    void malformedFileUrlIsRefusedNamingTheUrl() {
        String url = "file:relative/without/slashes";
        InvalidReplicaLocationException e = assertThrows(InvalidReplicaLocationException.class,
                () -> open(url));
        assertTrue(e.getMessage().contains(url), e.getMessage());
    }

    @Test
    void invalidUrlIsAnIllegalArgument() {
        assertInstanceOf(IllegalArgumentException.class, assertThrows(InvalidReplicaLocationException.class,
                () -> open("ftp://x/y")));
    }

    @Test
    void anS3LocationOpensS3StorageDescribedWithoutSecrets() {
        ReplicaStorage s = open("s3://bkt/p?endpoint=http://127.0.0.1:9&access-key-id=AKIAEXAMPLE&secret-access-key=shh");
        S3ReplicaStorage s3 = assertInstanceOf(S3ReplicaStorage.class, s);
        assertEquals("s3://bkt/p at http://127.0.0.1:9", s3.describe());
        assertEquals("bkt", s3.location().bucket());
        s3.close();
    }
}
