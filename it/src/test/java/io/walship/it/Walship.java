package io.walship.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the real {@code walship.jar} CLI as a separate process (short-lived commands: restore, ls). A run given an
 * environment (the S3 credentials) inherits the test JVM's environment except any WALSHIP_ and AWS_ variables, so only
 * what a test gives reaches walship; the EC2 metadata lookup of the AWS SDK is then always off (it would reach a
 * non-loopback address).
 */
public final class Walship {
    /** The JVM options of short-lived commands (restore, ls) given an environment: start fast with C1 only. */
    public static final List<String> SHORT_LIVED = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private static final AtomicLong RUNS = new AtomicLong();

    private Walship() {
    }

    /** What a CLI run did. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, Duration took) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Everything the run printed. */
        public String output() {
            return stdout + "\n" + stderr;
        }

        public String describe() {
            return String.join(" ", command) + "\n  exit " + exitCode + " after " + took.toMillis() + " ms"
                    + "\n  stdout: " + Logs.clip(stdout, 3000) + "\n  stderr: " + Logs.clip(stderr, 6000);
        }
    }

    public static Path jar() {
        String p = System.getProperty("walship.jar");
        if (p == null) {
            throw new IllegalStateException("system property walship.jar is not set (the it pom sets it)");
        }
        Path jar = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist; build with ./mvnw -o -q install -DskipTests");
        }
        return jar;
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The JVM command line for a walship run; short commands start a little faster with C1 only. */
    static List<String> command(boolean shortLived, List<String> args) {
        return command(shortLived, List.of(), args);
    }

    /** As above, with {@code jvmOptions} after the defaults (so a later {@code -Xmx} wins). */
    static List<String> command(boolean shortLived, List<String> jvmOptions, List<String> args) {
        List<String> options = new ArrayList<>(shortLived ? SHORT_LIVED : List.of("-Xmx256m"));
        options.addAll(jvmOptions);
        return command(options, args);
    }

    /** The JVM command line with exactly {@code jvmOptions} (no defaults). */
    public static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        return cmd;
    }

    /** A process builder for {@code cmd} whose environment is the test JVM's without WALSHIP_ and AWS_, plus {@code env}. */
    public static ProcessBuilder builder(List<String> cmd, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("WALSHIP_") || k.startsWith("AWS_"));
        e.put("AWS_EC2_METADATA_DISABLED", "true");
        e.putAll(env);
        return pb;
    }

    public static Result run(Duration timeout, String... args) {
        return run(timeout, List.of(args));
    }

    public static Result run(Duration timeout, List<String> args) {
        return run(timeout, List.of(), args);
    }

    /** Runs the jar with extra JVM options, such as a smaller {@code -Xmx}. */
    public static Result run(Duration timeout, List<String> jvmOptions, List<String> args) {
        List<String> cmd = command(true, jvmOptions, args);
        return run(cmd, new ProcessBuilder(cmd), timeout);
    }

    /** Runs the jar with the environment {@code env} (see the class comment) and the {@link #SHORT_LIVED} options. */
    public static Result run(Map<String, String> env, Duration timeout, String... args) {
        return run(env, SHORT_LIVED, timeout, List.of(args));
    }

    /** Runs the jar with the environment {@code env} and exactly {@code jvmOptions}. */
    public static Result run(Map<String, String> env, List<String> jvmOptions, Duration timeout, List<String> args) {
        List<String> cmd = command(jvmOptions, args);
        return run(cmd, builder(cmd, env), timeout);
    }

    private static Result run(List<String> cmd, ProcessBuilder builder, Duration timeout) {
        long n = RUNS.incrementAndGet();
        Path out = null;
        Path err = null;
        long t0 = System.nanoTime();
        try {
            out = Files.createTempFile("walship-cli-" + n + "-", ".out");
            err = Files.createTempFile("walship-cli-" + n + "-", ".err");
            Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
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
            throw new IllegalStateException("interrupted running " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** {@code walship restore -o OUT [--txid N] [--timestamp T] [--force] REPLICA}. */
    public static Result restore(Path replica, Path out, Long txid, String timestamp, boolean force) {
        return restore(replica, out, txid, timestamp, force, false);
    }

    /** As above; {@code noVerify} adds --no-verify (the caller runs integrity_check itself). */
    public static Result restore(Path replica, Path out, Long txid, String timestamp, boolean force, boolean noVerify) {
        return run(Duration.ofSeconds(120), restoreArgs(replica.toString(), out, txid, timestamp, force, noVerify));
    }

    /** The arguments of {@code walship restore -o OUT [--txid N] [--timestamp T] [--force] [--no-verify] REPLICA}. */
    public static List<String> restoreArgs(String replica, Path out, Long txid, String timestamp, boolean force, boolean noVerify) {
        List<String> args = new ArrayList<>(List.of("restore", "-o", out.toString()));
        if (txid != null) {
            args.add("--txid");
            args.add(Long.toString(txid));
        }
        if (timestamp != null) {
            args.add("--timestamp");
            args.add(timestamp);
        }
        if (force) {
            args.add("--force");
        }
        if (noVerify) {
            args.add("--no-verify");
        }
        args.add(replica);
        return args;
    }

    public static Result restore(Path replica, Path out, long txid) {
        return restore(replica, out, txid, null, false);
    }

    /** {@code walship ls --json REPLICA}, parsed; fails the test when the command fails or prints bad JSON. */
    public static Listing ls(Path replica) {
        Result r = lsRaw(replica);
        if (!r.ok()) {
            throw new AssertionError("ls --json failed:\n" + r.describe());
        }
        try {
            return Listing.parse(r.stdout());
        } catch (RuntimeException e) {
            throw new AssertionError("cannot parse ls --json output: " + e.getMessage() + "\n" + r.describe(), e);
        }
    }

    public static Result lsRaw(Path replica) {
        return run(Duration.ofSeconds(60), "ls", "--json", replica.toString());
    }

    private static String read(Path p) throws IOException {
        return p == null ? "" : Files.readString(p, StandardCharsets.UTF_8);
    }

    static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
