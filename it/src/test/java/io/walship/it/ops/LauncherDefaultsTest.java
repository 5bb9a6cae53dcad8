package io.walship.it.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code dist/src/bin/walship}, in the release archive's layout) starts {@code replicate} with sidecar
 * settings: the serial collector, a small initial heap, a maximum heap sized for the configuration's S3 part size and
 * concurrency, both compilers, an exit on OutOfMemoryError, no timers that wake an idle JVM, and freed native memory
 * given back to the system; each one only where {@code WALSHIP_JAVA_OPTS} does not choose its own. Read from the running
 * daemon's own command line.
 */
@Timeout(120)
class LauncherDefaultsTest {
    @TempDir
    Path dir;

    @Test
    void replicateGetsSidecarSettingsWithAHeapSizedForItsUploads() throws Exception {
        List<String> args = jvmArgumentsOfReplicate("");
        // 64 MiB for walship, and 8 MiB parts times (2 + 1) for the one S3 replica; the file replica adds nothing.
        for (String expected : List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx88m",
                "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-Dsun.net.httpserver.timerMillis=10000",
                "-XX:GuaranteedSafepointInterval=0", "-XX:AsyncDeflationInterval=10000")) {
            assertTrue(args.contains(expected), expected + " in " + args);
        }
        // The JVM that runs the tests knows the option (17.0.9 or newer) or the launcher leaves it out.
        boolean trims = new ProcessBuilder(Walship.java(), "-XX:TrimNativeHeapInterval=10000", "-version").start().waitFor() == 0;
        assertTrue(args.contains("-XX:TrimNativeHeapInterval=10000") == trims, "native heap trimming iff supported: " + args);
    }

    @Test
    void optionsGivenInWalshipJavaOptsReplaceTheDefaultsOneByOne() throws Exception {
        List<String> args = jvmArgumentsOfReplicate("-XX:+UseParallelGC -Xmx300m");
        assertTrue(args.contains("-XX:+UseParallelGC") && args.contains("-Xmx300m"), "the user's choices: " + args);
        assertFalse(args.contains("-XX:+UseSerialGC"), "no second collector: " + args);
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-Xmx") && !a.equals("-Xmx300m")), "no other heap cap: " + args);
        assertTrue(args.contains("-XX:+ExitOnOutOfMemoryError"), "defaults the user left open stay: " + args);
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel")), "both compilers stay on: " + args);
    }

    /** Starts {@code bin/walship replicate -config FILE} with {@code javaOpts}; returns its JVM's arguments. */
    private List<String> jvmArgumentsOfReplicate(String javaOpts) throws Exception {
        Path home = dir.resolve("walship-home");
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        Path launcher = home.resolve("bin/walship");
        Files.copy(repositoryRoot().resolve("dist/src/bin/walship"), launcher);
        assertTrue(launcher.toFile().setExecutable(true));
        Files.createSymbolicLink(home.resolve("lib/walship.jar"), Walship.jar());
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, """
                dbs:
                  - path: %1$s/app.db
                    replicas:
                      - url: s3://bucket/app?endpoint=http://127.0.0.1:1&part-size=8MiB&concurrency=2
                      - url: file://%1$s/replica
                """.formatted(dir));
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "replicate", "-config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("walship.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("WALSHIP_") || k.startsWith("AWS_"));
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        pb.environment().put("AWS_ACCESS_KEY_ID", "test");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "test");
        pb.environment().put("JAVA_HOME", Path.of(Walship.java()).getParent().getParent().toString());
        pb.environment().put("WALSHIP_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        try {
            // The launcher asks walship for the heap first, then execs the daemon's JVM in its own process.
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                if (!p.isAlive()) {
                    fail("the daemon exited with " + p.exitValue() + ": " + Files.readString(dir.resolve("walship.log")));
                }
                List<String> args = List.of(p.info().arguments().orElse(new String[0]));
                if (args.contains("-jar") && !args.contains("--print-heap")) {
                    return args;
                }
                Thread.sleep(50);
            }
            fail("the launcher did not start the daemon's JVM");
            return null;
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("dist")) && Files.exists(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        assertNotNull(p, "no dist/ folder above " + Path.of("").toAbsolutePath());
        return p;
    }
}
