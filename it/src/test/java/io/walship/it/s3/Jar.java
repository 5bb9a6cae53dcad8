package io.walship.it.s3;

import io.walship.it.Walship;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code walship.jar} with a chosen environment (the S3 credentials) and JVM options. The environment of
 * the test JVM is inherited except any WALSHIP_ and AWS_ variables, so only what a test gives reaches walship; the EC2
 * metadata lookup of the AWS SDK is always off (it would reach a non-loopback address).
 */
final class Jar {
    /** The options of short-lived commands (restore, ls): start fast with C1 only. */
    static final List<String> SHORT_LIVED = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private Jar() {
    }

    /** What a run did. */
    record Result(List<String> command, int exitCode, String stdout, String stderr, Duration took) {
        boolean ok() {
            return exitCode == 0;
        }

        /** Everything the run printed. */
        String output() {
            return stdout + "\n" + stderr;
        }

        String describe() {
            return String.join(" ", command) + "\n  exit " + exitCode + " after " + took.toMillis() + " ms"
                    + "\n  stdout: " + clip(stdout, 3000) + "\n  stderr: " + clip(stderr, 6000);
        }
    }

    static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Walship.java());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(Walship.jar().toString());
        cmd.addAll(args);
        return cmd;
    }

    static ProcessBuilder builder(List<String> cmd, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("WALSHIP_") || k.startsWith("AWS_"));
        e.put("AWS_EC2_METADATA_DISABLED", "true");
        e.putAll(env);
        return pb;
    }

    static Result run(Map<String, String> env, Duration timeout, String... args) {
        return run(env, SHORT_LIVED, timeout, List.of(args));
    }

    static Result run(Map<String, String> env, List<String> jvmOptions, Duration timeout, List<String> args) {
        List<String> cmd = command(jvmOptions, args);
        long t0 = System.nanoTime();
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("walship-s3-cli-", ".out");
            err = Files.createTempFile("walship-s3-cli-", ".err");
            Process p = builder(cmd, env).redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Result(cmd, -1, read(out), read(err) + "\n[test harness: killed after " + timeout + "]",
                        Duration.ofNanos(System.nanoTime() - t0));
            }
            return new Result(cmd, p.exitValue(), read(out), read(err), Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    static String clip(String s, int max) {
        if (s == null) {
            return "";
        }
        s = s.strip();
        return s.length() <= max ? s : s.substring(0, max / 3) + "\n  [... " + (s.length() - max) + " chars ...]\n"
                + s.substring(s.length() - 2 * max / 3);
    }
}
