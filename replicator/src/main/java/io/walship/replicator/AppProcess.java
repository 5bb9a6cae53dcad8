package io.walship.replicator;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application walship starts with {@code -exec}: a direct child (no shell in between, so signals reach it),
 * sharing walship's standard streams. walship forwards SIGINT and SIGTERM to it and exits with its exit code after a
 * final sync.
 */
public final class AppProcess {
    private static final Logger log = LoggerFactory.getLogger(AppProcess.class);

    private final Process process;
    private final String name;

    private AppProcess(Process process, String name) {
        this.process = process;
        this.name = name;
    }

    public static AppProcess start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        log.info("started {} (pid {})", command.get(0), p.pid());
        return new AppProcess(p, command.get(0));
    }

    /** Sends the named signal (INT or TERM) to the app. */
    public void signal(String signal) {
        if (!process.isAlive()) {
            return;
        }
        log.info("forwarding SIG{} to {} (pid {})", signal, name, process.pid());
        if ("TERM".equals(signal)) {
            process.destroy();
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            log.warn("could not send SIG{} to {}: {}; sending SIGTERM", signal, name, e.toString());
            process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits up to {@code millis} for the app to exit; returns its exit code, or -1 if it still runs. */
    public int waitFor(long millis) throws InterruptedException {
        if (process.waitFor(millis, TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        return -1;
    }

    public long pid() {
        return process.pid();
    }
}
