package io.walship.it.s3;

import io.walship.it.Logs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java [jvm options] -jar walship.jar replicate ... DB REPLICA} as a child process with its own environment
 * (the harness's WalshipProcess has neither an environment nor JVM options). Output goes to a log file.
 */
final class JarDaemon implements AutoCloseable {
    static final String SYNC_INTERVAL = System.getProperty("walship.it.syncInterval", "250ms");

    private final Process process;
    private final Path log;
    private final long logOffset;
    private final List<String> command;

    private JarDaemon(Process process, Path log, long logOffset, List<String> command) {
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
        this.command = command;
    }

    /** Starts {@code replicate --sync-interval SYNC_INTERVAL [extra...] DB URL}. */
    static JarDaemon start(Path db, String url, Map<String, String> env, List<String> jvmOptions, Path log, String... extra) {
        List<String> args = new ArrayList<>(List.of("replicate", "--sync-interval", SYNC_INTERVAL));
        args.addAll(List.of(extra));
        args.add(db.toString());
        args.add(url);
        return launch(args, env, jvmOptions, log);
    }

    /** Starts {@code replicate -config CONFIG [extra...]}: the file names the databases, their spools and replicas. */
    static JarDaemon startWithConfig(Path config, Map<String, String> env, List<String> jvmOptions, Path log, String... extra) {
        List<String> args = new ArrayList<>(List.of("replicate", "-config", config.toString()));
        args.addAll(List.of(extra));
        return launch(args, env, jvmOptions, log);
    }

    private static JarDaemon launch(List<String> args, Map<String, String> env, List<String> jvmOptions, Path log) {
        List<String> cmd = Jar.command(jvmOptions, args);
        try {
            long offset = Files.exists(log) ? Files.size(log) : 0;
            Files.writeString(log, "==== [test harness " + Instant.now() + "] starting: " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process p = Jar.builder(cmd, env).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new JarDaemon(p, log, offset, cmd);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd, e);
        }
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void assertAlive() {
        if (!process.isAlive()) {
            throw new AssertionError("the walship daemon (pid " + process.pid() + ") exited on its own with code "
                    + process.exitValue() + "\n" + Logs.tail(log, 60));
        }
    }

    /** SIGTERM and wait; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the walship daemon did not exit within 60 s of SIGTERM\n" + Logs.tail(log, 60));
        }
        return process.exitValue();
    }

    /** Waits for the process to exit on its own (a daemon that refuses to start); returns the exit code. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the walship daemon is still running after " + seconds + " s\n" + Logs.tail(log, 60));
        }
        return process.exitValue();
    }

    /** This run's log lines. */
    List<String> ownLogLines() {
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(all.length, logOffset);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "walship daemon pid " + process.pid() + ": " + String.join(" ", command);
    }
}
