package io.walship.replicator.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Python application (interactive_app.py) that writes the database when told to and keeps its connection open
 * in between, like a real app. It reports the table digest after each of its transactions, so tests know the exact
 * expected state for every transaction sequence number.
 */
public final class InteractiveApp implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Map<Long, String> digests = new ConcurrentHashMap<>();
    private long seq;

    public InteractiveApp(Path db, Path workDir, int seed) throws IOException {
        Path script = workDir.resolve("interactive_app.py");
        try (var res = InteractiveApp.class.getResourceAsStream("interactive_app.py")) {
            Files.write(script, res.readAllBytes());
        }
        process = new ProcessBuilder("python3", script.toString(), db.toString(), Integer.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        String first = out.readLine();
        record(first);
    }

    /** Sends one command and waits for its answer; fails the test on an error answer. */
    public void send(String command) throws IOException {
        in.write(command + "\n");
        in.flush();
        while (true) {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("app exited during '" + command + "'");
            }
            if (line.startsWith("ok")) {
                return;
            }
            if (line.startsWith("err")) {
                throw new IOException("app failed '" + command + "': " + line);
            }
            record(line);
        }
    }

    private void record(String line) {
        if (line != null && line.startsWith("state ")) {
            String[] p = line.split(" ");
            seq = Long.parseLong(p[1]);
            digests.put(seq, p[2]);
        }
    }

    public long seq() {
        return seq;
    }

    /** The digest of the items table after the app's transaction {@code i} (0: before the first). */
    public String digest(long i) {
        return digests.get(i);
    }

    @Override
    public void close() {
        try {
            in.write("quit\n");
            in.flush();
        } catch (IOException ignored) {
            // The process may already be gone; destroy below covers it.
        }
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            // Interrupted while waiting for the app to quit: do not leave it running, and keep the interrupt.
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
