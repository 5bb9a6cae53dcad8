package io.walship.it;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An application writing the database from another process: {@code python3 writer.py} (Python's own SQLite 3.40),
 * see the docstring of {@code src/test/resources/writer.py}. Several writer runs on one database take turns: each
 * resumes after the previous one's last transaction and appends to the same digest file.
 */
public final class Writer implements AutoCloseable {
    private final Path db;
    private final Path dir;
    private final String name;
    private final List<String> options = new ArrayList<>();
    private long seed = 1;
    private long txs = 100;
    private double sleepSeconds = 0.005;
    private boolean stopFile;
    private final List<String> wrapper = new ArrayList<>();
    private Process process;
    private Instant started;

    private Writer(Path db, Path dir, String name) {
        this.db = db;
        this.dir = dir;
        this.name = name;
    }

    /** A writer on {@code db} whose files (digests, stats, log) live in {@code dir}, named {@code name}. */
    public static Writer python(Path db, Path dir, String name) {
        return new Writer(db, dir, name);
    }

    public Writer seed(long s) {
        seed = s;
        return this;
    }

    /** Transactions to run in this process (an upper bound when a stop file is used). */
    public Writer txs(long n) {
        txs = n;
        return this;
    }

    public Writer sleep(double seconds) {
        sleepSeconds = seconds;
        return this;
    }

    public Writer maxOps(int n) {
        options.add("--max-ops");
        options.add(Integer.toString(n));
        return this;
    }

    /** How long the app's own wal_checkpoint may wait on its busy handler (writer.py default 5000 ms). */
    public Writer checkpointBusyTimeoutMs(int ms) {
        options.add("--checkpoint-busy-timeout-ms");
        options.add(Integer.toString(ms));
        return this;
    }

    /** An action at transaction i: checkpoint:TRUNCATE|RESTART|PASSIVE|FULL, vacuum, bigtx:MB, close-reopen. */
    public Writer at(long i, String action) {
        options.add("--at");
        options.add(i + ":" + action);
        return this;
    }

    /** An action at every transaction whose number is divisible by k. */
    public Writer every(long k, String action) {
        options.add("--every");
        options.add(k + ":" + action);
        return this;
    }

    /**
     * Runs the writer under another program, such as {@code strace -f -e inject=fdatasync:signal=SIGKILL:when=N}, which
     * kills it at an exact system call.
     */
    public Writer wrappedBy(String... command) {
        wrapper.addAll(List.of(command));
        return this;
    }

    /** Run until {@link #requestStop()} (or {@link #txs} transactions). */
    public Writer untilStopped() {
        stopFile = true;
        return this;
    }

    /** The digest file, shared by every writer run on the same database in the same folder. */
    public Path digestFile() {
        return dir.resolve("digests.txt");
    }

    public Path statsFile() {
        return dir.resolve(name + ".stats");
    }

    public Path log() {
        return dir.resolve(name + ".log");
    }

    private Path stopPath() {
        return dir.resolve(name + ".stop");
    }

    public static Path script() {
        URL url = Writer.class.getResource("/writer.py");
        if (url == null) {
            throw new IllegalStateException("writer.py is not on the test class path");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public Writer start() {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of("python3", "-u", script().toString(),
                "--db", db.toString(),
                "--digest-file", digestFile().toString(),
                "--stats-file", statsFile().toString(),
                "--seed", Long.toString(seed),
                "--txs", Long.toString(txs),
                "--sleep", Double.toString(sleepSeconds)));
        if (stopFile) {
            cmd.add("--stop-file");
            cmd.add(stopPath().toString());
        }
        cmd.addAll(options);
        try {
            Files.deleteIfExists(stopPath());
            Files.writeString(log(), "==== [test harness " + Instant.now() + "] " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
            started = Instant.now();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd, e);
        }
        return this;
    }

    /** Asks a writer started with {@link #untilStopped()} to finish after its current transaction. */
    public void requestStop() {
        try {
            Files.writeString(stopPath(), "stop\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits up to {@code timeout} for the writer to end by itself, whatever its exit code; returns the exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("writer " + name + " did not end within " + timeout + "\n" + Logs.tail(log(), 30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Waits for the writer to finish, asserts it exited 0, and returns its stats (final_i, page_count, ...). */
    public Map<String, String> awaitSuccess(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("writer " + name + " did not finish within " + timeout + "\n" + Logs.tail(log(), 30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("writer " + name + " exited with code " + process.exitValue()
                    + (process.exitValue() == 3 ? " (the source database is not what the writer wrote!)" : "")
                    + "\n" + Logs.tail(log(), 30));
        }
        return stats();
    }

    public Map<String, String> stats() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Logs.lines(statsFile())) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    public static long stat(Map<String, String> stats, String key) {
        String v = stats.get(key);
        if (v == null) {
            throw new AssertionError("writer stats have no " + key + ": " + stats);
        }
        return Long.parseLong(v);
    }

    public Duration runtime() {
        return started == null ? Duration.ZERO : Duration.between(started, Instant.now());
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            // python3 may be a launcher (pyenv's shim) that runs the interpreter as its child: kill that child too,
            // or a failed test leaves a writer committing for the rest of the run.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
