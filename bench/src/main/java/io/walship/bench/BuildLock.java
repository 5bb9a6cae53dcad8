package io.walship.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The machine's shared Maven lock ({@code /tmp/walship-maven.lock}, taken with flock(1) by every build): a build
 * running beside the benchmark takes CPU from it. The bench waits for the lock to be free before each measurement and
 * samples it every 2 s during the run, so the report can say how long a build ran beside it. Without flock(1) or the
 * lock file, it never waits. Shared across threads: the counters are volatile and written by the sampling thread only.
 */
final class BuildLock implements AutoCloseable {
    static final Path DEFAULT = Path.of("/tmp/walship-maven.lock");

    /**
     * Set when {@code bench/run --hold-build-lock} runs the bench under the lock itself: then no build can run beside
     * it, and there is nothing to wait for or sample.
     */
    static final boolean HELD_BY_BENCH = Boolean.getBoolean("walship.bench.holdsBuildLock");

    private final Path lock;
    private final Thread sampler;
    /** What is left of the time the whole run may spend waiting for builds; written by the bench's thread only. */
    private long budgetNanos;
    private volatile long busySamples;
    private volatile boolean waiting;
    private volatile boolean stop;

    BuildLock(Path lock, long waitMinutes) {
        this.lock = lock;
        this.budgetNanos = TimeUnit.MINUTES.toNanos(waitMinutes);
        this.sampler = new Thread(this::sample, "build-lock-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Whether a build holds the lock now. */
    boolean busy() {
        if (HELD_BY_BENCH || !Files.exists(lock)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("flock", "-n", lock.toString(), "true").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() != 0;
        } catch (IOException e) {
            return false; // no flock(1): nothing to wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until no build holds the lock for 10 s in a row, spending at most what is left of the run's budget
     * ({@code --wait-for-builds}); once the budget is spent it measures at once.
     */
    void awaitFree() throws InterruptedException {
        long start = System.nanoTime();
        waiting = true;
        try {
            awaitFree(start + budgetNanos, budgetNanos / 60_000_000_000L);
        } finally {
            waiting = false;
            budgetNanos = Math.max(0, budgetNanos - (System.nanoTime() - start));
        }
    }

    private void awaitFree(long deadline, long maxMinutes) throws InterruptedException {
        int free = 0;
        boolean told = false;
        while (free < 3 && System.nanoTime() < deadline) {
            if (deadline - System.nanoTime() < 1_000_000_000L) {
                break;
            }
            if (busy()) {
                free = 0;
                if (!told) {
                    System.out.println("bench: a Maven build holds " + lock + "; waiting for it (at most " + maxMinutes
                            + " min more in this run)");
                    told = true;
                }
            } else {
                free++;
            }
            if (free < 3) {
                Thread.sleep(free == 0 ? 5000 : 3333);
            }
        }
        if (free < 3 && maxMinutes > 0) {
            System.out.println("bench: the build lock is still held; measuring anyway (the numbers will be disturbed)");
        }
    }

    /** Seconds (in 2 s samples) during which a build held the lock while the bench measured (not while it waited). */
    long busySeconds() {
        return 2 * busySamples;
    }

    private void sample() {
        while (!stop) {
            if (!waiting && busy()) {
                busySamples++;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stop = true;
        sampler.interrupt();
    }
}
