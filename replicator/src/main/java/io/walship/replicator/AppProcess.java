package io.walship.replicator;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application walship starts with {@code -exec}: a direct child (no shell in between, so signals reach it),
 * sharing walship's standard streams. walship forwards SIGINT and SIGTERM to it and exits with its exit code after a
 * final sync.
 *
 * <p>SIGTERM goes through the JDK ({@link Process#destroy()}); the JDK cannot send SIGINT, so that goes through
 * libc's {@code kill(2)} (via JNA), not through a {@code kill} command that a minimal image may lack. Where libc cannot
 * be loaded the app gets SIGTERM instead, with a WARN line.
 */
public final class AppProcess {
    private static final Logger log = LoggerFactory.getLogger(AppProcess.class);
    private static final int SIGINT = 2;

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
        String problem = Libc.kill(process.pid(), SIGINT);
        if (problem != null) {
            log.warn("could not send SIGINT to {}: {}; sending SIGTERM", name, problem);
            process.destroy();
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

    /** The one libc call the JDK lacks; loaded on first use, so that walship without {@code -exec} never loads JNA. */
    private static final class Libc {
        private interface C extends Library {
            int kill(int pid, int sig);
        }

        private static volatile C c;

        /** {@code kill(pid, sig)}; null when sent, else why not. */
        static String kill(long pid, int sig) {
            try {
                C lib = c;
                if (lib == null) {
                    lib = Native.load("c", C.class);
                    c = lib;
                }
                if (lib.kill(Math.toIntExact(pid), sig) != 0) {
                    return "kill(2) failed with errno " + Native.getLastError();
                }
                return null;
            } catch (LinkageError | RuntimeException e) {
                return "libc is not available (" + e + ")";
            }
        }
    }
}
