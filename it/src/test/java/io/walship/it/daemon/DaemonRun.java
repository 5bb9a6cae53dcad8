package io.walship.it.daemon;

import io.walship.it.Walship;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real walship jar as its own process with a config file, and reads databases it restored. */
final class DaemonRun {
    private final Process process;
    private final Path log;

    private DaemonRun(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static DaemonRun start(Path log, String... args) throws IOException {
        return start(log, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, String...)}, with {@code env} put into walship's environment. */
    static DaemonRun start(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Walship.java(), "-Xmx256m", "-jar", Walship.jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        return new DaemonRun(p, log);
    }

    /** Copies a test resource script into {@code dir}. */
    static Path script(Path dir, String name) throws IOException {
        Path out = dir.resolve(name);
        try (var in = DaemonRun.class.getResourceAsStream("/daemon/" + name)) {
            Files.write(out, in.readAllBytes());
        }
        return out;
    }

    void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            killTree();
            throw new AssertionError("walship did not exit within " + seconds + " s\n" + log());
        }
        return process.exitValue();
    }

    /** Kills walship if it still runs (a test that failed half-way must not leave it behind). */
    void destroy() throws InterruptedException {
        if (process.isAlive()) {
            killTree();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Kills walship and what it started (the app of {@code -exec}): killed alone, walship leaves its app running,
     * and a left-over app of a failed test kept a core busy through the rest of the run.
     */
    private void killTree() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Waits until the log contains {@code text}. */
    void awaitLog(String text, long seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000;
        while (System.currentTimeMillis() < deadline) {
            if (log().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("log never said '" + text + "'\n" + log());
    }

    static String integrity(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
