package io.walship.cli;

import io.walship.restore.RestoreProgress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints a restore's {@link RestoreProgress} on stderr: a line when it starts, one every {@link #INTERVAL} while it
 * runs, and one at the end, so that a large restore is never silent for minutes. Each line is complete (no carriage
 * returns), so it reads the same in a terminal and in a captured log:
 * <pre>
 * walship: restore: 3/12 objects, 45.2/120.0 MiB, 12.3 MiB/s, ETA 6s
 * </pre>
 * The printing runs on its own daemon thread; {@link #close()} stops it and prints the last line.
 */
final class ProgressLine implements AutoCloseable {
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final RestoreProgress progress;
    private final PrintWriter err;
    private final ScheduledExecutorService timer;

    private ProgressLine(RestoreProgress progress, PrintWriter err) {
        this.progress = progress;
        this.err = err;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "walship-progress");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts printing {@code progress} to {@code err} every second. */
    static ProgressLine start(RestoreProgress progress, PrintWriter err) {
        ProgressLine line = new ProgressLine(progress, err);
        line.timer.scheduleAtFixedRate(line::print, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return line;
    }

    private synchronized void print() {
        err.println("walship: restore: " + describe(progress.snapshot()));
        err.flush();
    }

    /** One progress line without its prefix. */
    static String describe(RestoreProgress.Snapshot s) {
        return switch (s.phase()) {
            case PLANNING -> "listing the replica and planning";
            case CHECKING -> s.objectsDone() + "/" + s.objectsTotal() + " objects, " + mib(s.bytesDone())
                    + " MiB applied; running PRAGMA integrity_check";
            case RESTORING, DONE -> s.objectsDone() + "/" + s.objectsTotal() + " objects, " + mib(s.bytesDone()) + "/"
                    + mib(s.bytesTotal()) + " MiB, " + mib((long) s.bytesPerSecond()) + " MiB/s"
                    + (s.phase() == RestoreProgress.Phase.DONE ? ", ended after " + seconds(s.elapsed())
                    : s.eta().map(eta -> ", ETA " + seconds(eta)).orElse(", ETA unknown"));
        };
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private static String seconds(Duration d) {
        long s = Math.max(0, (d.toMillis() + 500) / 1000);
        return s < 60 ? s + "s" : s / 60 + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }

    /** Stops the timer and prints the final line. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        print();
    }
}
