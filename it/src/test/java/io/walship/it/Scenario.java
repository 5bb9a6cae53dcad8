package io.walship.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Common ground of every scenario, whatever the replica under test: a temp folder (kept when a test fails) holding
 * the application's database in {@code app/} and logs and digests in {@code work/}; child processes that are always
 * reaped; timestamped progress lines; and the log tails a failure message needs. A subclass names the replica
 * ({@link #setUpReplica}) and says what is in it ({@link #replicaDiagnostics}).
 */
public abstract class Scenario {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    protected Path tmp;

    protected Path db;
    protected Path work;
    protected Path daemonLog;
    private final List<AutoCloseable> children = new ArrayList<>();
    /** The daemon's log first, then the writers' logs. */
    private final List<Path> logs = new ArrayList<>();
    private long t0;
    private String testName;

    @RegisterExtension
    final TestWatcher watcher = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.err.println("==== " + testName + " FAILED; its files are kept in " + tmp);
            System.err.println(diagnostics());
        }
    };

    @BeforeEach
    protected void setUpScenario(TestInfo info) throws IOException {
        testName = info.getTestClass().map(Class::getSimpleName).orElse("?") + "." + info.getDisplayName();
        db = Files.createDirectories(tmp.resolve("app")).resolve("app.db");
        work = Files.createDirectories(tmp.resolve("work"));
        daemonLog = work.resolve("daemon.log");
        logs.add(daemonLog);
        String replica = setUpReplica();
        t0 = System.nanoTime();
        step("start in " + tmp + replica);
    }

    @AfterEach
    protected void reapChildren() {
        for (AutoCloseable c : children) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        step("done");
    }

    /** Prepares the replica under test (after the folders exist); returns what the first progress line adds. */
    protected abstract String setUpReplica() throws IOException;

    /** What is in the replica (and around it), ending with a newline, for a failure message. */
    protected abstract String replicaDiagnostics();

    /** Prints a timestamped progress line to the test output. */
    protected void step(String what) {
        System.out.printf("[%s +%6.1fs] %s%n", testName, elapsed(), what);
    }

    /** Seconds since the scenario started. */
    protected double elapsed() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Closed after the test, in order, with the scenario's other child processes. */
    protected <T extends AutoCloseable> T reap(T child) {
        children.add(child);
        return child;
    }

    /** A log whose tail the diagnostics show. */
    protected void showLog(Path log) {
        logs.add(log);
    }

    /** A Python writer on the app's database, reaped after the test. */
    protected Writer writer(String name) {
        Writer w = Writer.python(db, work, name);
        reap(w);
        showLog(w.log());
        return w;
    }

    protected Path digestFile() {
        return work.resolve("digests.txt");
    }

    /** Log tails of the daemon and the writers, and what is in the replica. */
    protected String diagnostics() {
        StringBuilder b = new StringBuilder("\n==== diagnostics (files in " + tmp + ")\n");
        for (Path p : logs) {
            b.append(Logs.tail(p, p.equals(daemonLog) ? 80 : 15));
        }
        return b.append(replicaDiagnostics()).toString();
    }

    /** Summary of the WARN snapshot lines in the daemon log, for the report. */
    protected void reportWarnings() {
        List<String> warns = Logs.warnSnapshotLines(daemonLog);
        step(warns.size() + " WARN snapshot line(s) in the daemon log" + (warns.isEmpty() ? "" : "; first: " + Logs.clip(warns.get(0), 300)));
    }

    protected static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
