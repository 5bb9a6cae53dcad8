package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplicaUrlTest {
    @TempDir
    Path dir;

    private static Path rootOf(String url) {
        ReplicaStorage s = ReplicaUrl.open(url);
        return assertInstanceOf(FileReplicaStorage.class, s).root();
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
        ReplicaStorage s = ReplicaUrl.open("file://" + abs);
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

    @Test
    void plainPaths() {
        Path abs = dir.resolve("plain").toAbsolutePath();
        assertEquals(abs, rootOf(abs.toString()));
        assertEquals(cwd("rel/dir"), rootOf("rel/dir"));
        assertEquals(cwd("rel"), rootOf("./rel"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ftp://host/backup", "gopher://x/y", "https://example.com/replica", "gs://bucket/path"})
    void unsupportedSchemeIsRefusedNamingTheUrl(String url) {
        ReplicaUrl.InvalidReplicaUrlException e = assertThrows(ReplicaUrl.InvalidReplicaUrlException.class,
                () -> ReplicaUrl.open(url));
        assertTrue(e.getMessage().contains(url), e.getMessage());
        assertTrue(e.getMessage().contains(url.substring(0, url.indexOf(':'))), e.getMessage());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "\t"})
    void emptyUrlIsRefused(String url) {
        assertThrows(ReplicaUrl.InvalidReplicaUrlException.class, () -> ReplicaUrl.open(url));
        assertThrows(ReplicaUrl.InvalidReplicaUrlException.class, () -> ReplicaUrl.open(null));
    }

    @Test
    void malformedFileUrlIsRefusedNamingTheUrl() {
        String url = "file:relative/without/slashes";
        ReplicaUrl.InvalidReplicaUrlException e = assertThrows(ReplicaUrl.InvalidReplicaUrlException.class,
                () -> ReplicaUrl.open(url));
        assertTrue(e.getMessage().contains(url), e.getMessage());
    }

    @Test
    void invalidUrlIsAnIllegalArgument() {
        assertInstanceOf(IllegalArgumentException.class, new ReplicaUrl.InvalidReplicaUrlException("x"));
    }
}
