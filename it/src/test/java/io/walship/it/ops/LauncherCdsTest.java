package io.walship.it.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Walship;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing archive built beside the jar ({@code cli/target/walship.jsa}, see cli/pom.xml): it matches the
 * jar and the JVM that built it (the JVM refuses to start with {@code -Xshare:on} otherwise), and the launcher
 * {@code ./walship} runs silently without it when it cannot be used (another jar, a damaged file).
 */
class LauncherCdsTest {
    @TempDir
    Path dir;

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("walship"))) {
            p = p.getParent();
        }
        return p;
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + cmd);
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void theArchiveMatchesTheJarAndTheJvmThatBuiltIt() throws Exception {
        Path jsa = Walship.jar().resolveSibling("walship.jsa");
        assertTrue(Files.isRegularFile(jsa), "the package phase builds " + jsa);
        // -Xshare:on makes the JVM fail instead of running without an archive it cannot use.
        Run r = run(List.of(Walship.java(), "-Xshare:on", "-XX:SharedArchiveFile=" + jsa, "-jar", Walship.jar().toString(),
                "--version"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("walship "), r.out());
    }

    @Test
    void theLauncherRunsSilentlyWithoutAnArchiveItCannotUse() throws Exception {
        // A copy of the checkout's layout: the jar is another file now, so the archive no longer matches it.
        Path copy = dir.resolve("checkout");
        Files.createDirectories(copy.resolve("cli/target"));
        Files.copy(root().resolve("walship"), copy.resolve("walship"));
        Files.copy(Walship.jar(), copy.resolve("cli/target/walship.jar"));
        Path jsa = copy.resolve("cli/target/walship.jsa");
        List<String> cmd = new ArrayList<>(List.of("sh", copy.resolve("walship").toString(), "--version"));
        for (String archive : List.of("real archive of another jar", "garbage")) {
            if (archive.equals("garbage")) {
                Files.delete(jsa);
                Files.writeString(jsa, "not an archive");
            } else {
                Files.copy(Walship.jar().resolveSibling("walship.jsa"), jsa, StandardCopyOption.REPLACE_EXISTING);
            }
            Run r = run(cmd);
            assertEquals(0, r.code(), archive + ": " + r.err());
            assertTrue(r.out().startsWith("walship "), archive + ": " + r.out());
            assertEquals("", r.err(), archive + ": nothing on stderr");
        }
    }
}
