package io.walship.bench;

import io.walship.replicator.metrics.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The app: {@code bench/writers/app.py} (Python's sqlite3) in its own process. One-shot modes run to their end and
 * give the JSON object of their last line; {@link Session} keeps one process and one connection for a sequence of
 * commands.
 */
final class AppWriter {
    private final Path script;

    AppWriter(Path script) {
        this.script = script;
    }

    /** A JSON object the writer printed, with typed getters. */
    record Result(Map<String, Object> values) {
        long num(String key) {
            return ((BigDecimal) values.get(key)).longValue();
        }

        double dbl(String key) {
            return ((BigDecimal) values.get(key)).doubleValue();
        }

        @SuppressWarnings("unchecked")
        Result sub(String key) {
            return new Result((Map<String, Object>) values.get(key));
        }
    }

    @SuppressWarnings("unchecked")
    static Result parse(String line) {
        return new Result((Map<String, Object>) Json.parse(line.strip()));
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs one mode to its end (at most {@code seconds}); its output goes to {@code log}. */
    Result run(Path log, long seconds, String... args) throws IOException, InterruptedException {
        int code = Lab.run(command(args), Map.of(), log, seconds);
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        if (code != 0 || lines.isEmpty()) {
            throw new IOException("app.py " + String.join(" ", args) + " failed with exit code " + code + ": "
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
        }
        return parse(lines.get(lines.size() - 1));
    }

    /** Starts a mode and returns its process (for a writer that runs beside a measurement). */
    Process spawn(Path log, String... args) throws IOException {
        Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        return p;
    }

    /** Waits for a spawned mode and returns its last JSON line. */
    static Result finish(Process p, Path log, long seconds) throws IOException, InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("the app did not finish within " + seconds + " s; see " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || lines.isEmpty()) {
            throw new IOException("the app failed with exit code " + p.exitValue() + ": "
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
        }
        return parse(lines.get(lines.size() - 1));
    }

    Session session(Path db, Path stderr) throws IOException {
        return new Session(new ProcessBuilder(command("session", db.toString())).redirectError(stderr.toFile()).start(), stderr);
    }

    /** {@code app.py session}: one connection (wal_autocheckpoint=0), commands on stdin, one JSON line per answer. */
    static final class Session implements AutoCloseable {
        private final Process process;
        private final Path stderr;
        private final Writer in;
        private final BufferedReader out;

        Session(Process process, Path stderr) throws IOException {
            this.process = process;
            this.stderr = stderr;
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            answer(); // ready
        }

        /** Sends a command and waits for its answer. */
        Result send(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
            return answer();
        }

        private Result answer() throws IOException {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("the app's session ended: " + Files.readString(stderr));
            }
            return parse(line);
        }

        @Override
        public void close() throws IOException {
            try {
                send("quit");
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
