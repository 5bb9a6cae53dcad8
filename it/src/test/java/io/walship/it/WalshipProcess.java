package io.walship.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The replication daemon, {@code java -jar walship.jar replicate ... DB REPLICA}, as a child process. Its stdout and
 * stderr are appended to a log file; each start writes a marker line first, so one log can hold several runs.
 */
public final class WalshipProcess implements AutoCloseable {
    /** The sync interval the tests run the daemon with (the daemon's default is 1s); override with -Dwalship.it.syncInterval. */
    public static final String SYNC_INTERVAL = System.getProperty("walship.it.syncInterval", "250ms");

    private final Process process;
    private final Path log;
    private final long logOffset;
    private final List<String> command;
    private final Instant started;

    private WalshipProcess(Process process, Path log, long logOffset, List<String> command) {
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
        this.command = command;
        this.started = Instant.now();
    }

    /** Starts {@code replicate --sync-interval SYNC_INTERVAL [extra...] DB REPLICA}, logging to {@code log}. */
    public static WalshipProcess start(Path db, Path replica, Path log, String... extra) {
        return start(db, replica.toString(), log, extra);
    }

    /** Like {@link #start(Path, Path, Path, String...)} with the replica named as the user would, e.g. file:///abs. */
    public static WalshipProcess start(Path db, String replica, Path log, String... extra) {
        List<String> args = new ArrayList<>(List.of("replicate", "--sync-interval", SYNC_INTERVAL));
        args.addAll(List.of(extra));
        args.add(db.toString());
        args.add(replica);
        return launch(args, log);
    }

    /**
     * Starts {@code replicate --sync-interval SYNC_INTERVAL [extra...] DB URL} with its own environment (the S3
     * credentials, see {@link Walship#builder}) and exactly {@code jvmOptions}.
     */
    public static WalshipProcess start(Path db, String url, Map<String, String> env, List<String> jvmOptions, Path log,
                                       String... extra) {
        List<String> args = new ArrayList<>(List.of("replicate", "--sync-interval", SYNC_INTERVAL));
        args.addAll(List.of(extra));
        args.add(db.toString());
        args.add(url);
        return launch(Walship.command(jvmOptions, args), env, log);
    }

    /** Starts {@code replicate -config CONFIG}, logging to {@code log}. */
    public static WalshipProcess startWithConfig(Path config, Path log) {
        return launch(Walship.command(false, List.of("replicate", "-config", config.toString())), null, log);
    }

    /** Starts {@code replicate -config CONFIG [extra...]} with its own environment and exactly {@code jvmOptions}. */
    public static WalshipProcess startWithConfig(Path config, Map<String, String> env, List<String> jvmOptions, Path log,
                                                 String... extra) {
        List<String> args = new ArrayList<>(List.of("replicate", "-config", config.toString()));
        args.addAll(List.of(extra));
        return launch(Walship.command(jvmOptions, args), env, log);
    }

    private static WalshipProcess launch(List<String> args, Path log) {
        return launch(Walship.command(false, args), null, log);
    }

    /** {@code env} null: the test JVM's environment as it is. */
    private static WalshipProcess launch(List<String> cmd, Map<String, String> env, Path log) {
        try {
            long offset = Files.exists(log) ? Files.size(log) : 0;
            Files.writeString(log, "==== [test harness " + Instant.now() + "] starting: " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process p = (env == null ? new ProcessBuilder(cmd) : Walship.builder(cmd, env))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new WalshipProcess(p, log, offset, cmd);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd, e);
        }
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Duration uptime() {
        return Duration.between(started, Instant.now());
    }

    /** Fails (with the log tail) if the daemon has exited on its own. */
    public void assertAlive() {
        if (!process.isAlive()) {
            throw new AssertionError("the walship daemon (pid " + process.pid() + ") exited on its own with code "
                    + process.exitValue() + "\n" + Logs.tail(log, 60));
        }
    }

    /** SIGTERM, then waits for the exit; returns the exit code (the contract says 0). */
    public int stop() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the walship daemon did not exit within 60 s of SIGTERM\n" + Logs.tail(log, 60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    /** Waits for the daemon to exit on its own (one that refuses to start); returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the walship daemon still runs after " + timeout + "\n" + Logs.tail(log, 60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    /** As {@link #awaitExit(Duration)}, the timeout in seconds. */
    public int awaitExit(long seconds) {
        return awaitExit(Duration.ofSeconds(seconds));
    }

    /** SIGTERM and asserts the contract's clean exit (code 0). */
    public void stopCleanly() {
        int code = stop();
        if (code != 0) {
            throw new AssertionError("the walship daemon exited with code " + code + " after SIGTERM (expected 0)\n"
                    + Logs.tail(log, 60));
        }
    }

    /** SIGKILL: no shutdown hooks, no flush, like a power cut for the daemon (the OS keeps its written pages). */
    public void kill9() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the walship daemon survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The lines this run (not earlier runs in the same log) has logged so far. */
    public List<String> ownLogLines() {
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(all.length, logOffset);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** This run's WARN lines that mention a snapshot. */
    public List<String> warnSnapshotLines() {
        return ownLogLines().stream().filter(l -> l.contains("WARN") && l.toLowerCase().contains("snapshot")).toList();
    }

    /** Waits until this run logs a line matching {@code p}; fails after the timeout or if the daemon exits. */
    public String waitForLogLine(Predicate<String> p, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String l : ownLogLines()) {
                if (p.test(l)) {
                    return l;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the walship daemon did not log " + what + " within " + timeout + "\n" + Logs.tail(log, 60));
            }
            assertAlive();
            sleep(100);
        }
    }

    /**
     * Waits until the replica folder names a txid >= {@code n} (the daemon, if given, must stay alive meanwhile);
     * returns the replica's latest txid.
     */
    public static long waitForTxid(Path replica, long n, Duration timeout, WalshipProcess daemon) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long latest = ReplicaDir.latestTxid(replica);
            if (latest >= n) {
                return latest;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the replica " + replica + " did not reach txid " + n + " within " + timeout
                        + " (latest " + latest + ")" + (daemon == null ? "" : "\n" + Logs.tail(daemon.log, 60)));
            }
            if (daemon != null) {
                daemon.assertAlive();
            }
            sleep(100);
        }
    }

    public static long waitForTxid(Path replica, long n, Duration timeout) {
        return waitForTxid(replica, n, timeout, null);
    }

    /**
     * Waits until the replica's latest txid has not changed for {@code quiet} (and is at least 1); returns it.
     */
    public static long waitForQuiet(Path replica, Duration quiet, Duration timeout, WalshipProcess daemon) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        long since = System.nanoTime();
        while (true) {
            long latest = ReplicaDir.latestTxid(replica);
            long now = System.nanoTime();
            if (latest != last) {
                last = latest;
                since = now;
            } else if (latest > 0 && now - since >= quiet.toNanos()) {
                return latest;
            }
            if (now > deadline) {
                throw new AssertionError("the replica " + replica + " did not settle within " + timeout + " (latest " + latest + ")"
                        + (daemon == null ? "" : "\n" + Logs.tail(daemon.log, 60)));
            }
            if (daemon != null) {
                daemon.assertAlive();
            }
            sleep(100);
        }
    }

    @Override
    public void close() {
        kill(process);
    }

    /** SIGKILL for a process still alive, and up to 10 s for it to go: what every harness does with its leftovers. */
    public static void kill(Process process) {
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

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
