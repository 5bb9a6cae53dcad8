package io.walship.it.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start on a fresh clone: {@code ./walship} builds its jar with the Maven wrapper on first use and
 * runs it. Every other test runs after the reactor built the jar, so none of them meets that first build (which once
 * skipped compiling the tests, and so the test-jars other modules' tests depend on, and failed).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class FreshCloneTest {
    private static final Path ROOT = repositoryRoot();
    /** The project's version, as Maven builds it (the it pom passes it). */
    private static final String VERSION = System.getProperty("walship.version", "missing");

    @TempDir
    Path dir;

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.exists(p.resolve("walship")) && Files.exists(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        assertNotNull(p, "no ./walship above " + Path.of("").toAbsolutePath());
        return p;
    }

    @Test
    void walshipBuildsItsJarOnFirstUseAndRuns() throws Exception {
        Path clone = dir.resolve("w");
        assertEquals(0, run(dir, List.of("git", "clone", "--quiet", ROOT.toString(), clone.toString())).exit(),
                "git clone of " + ROOT);
        Run version = run(clone, List.of("./walship", "version"));
        assertEquals(0, version.exit(), "./walship version in a fresh clone:\n" + version.output());
        assertTrue(version.output().contains("walship: building"), "it built the jar first:\n" + version.output());
        assertTrue(version.output().contains(VERSION), "it ran the jar it built:\n" + version.output());
        assertTrue(Files.isRegularFile(clone.resolve("cli/target/walship.jar")));
    }

    private record Run(int exit, String output) {
    }

    private static Run run(Path in, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(in.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }
}
