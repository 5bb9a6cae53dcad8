package io.walship.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples a replicator process and a database's {@code -wal} file every 50 ms on its own thread: the process's CPU
 * seconds and resident memory, and the WAL's size. Read the results after {@link #close()}, or
 * {@link #cpuAt(long)} at any time (shared across threads: the sample list is guarded by this object).
 */
final class Sampler implements AutoCloseable {
    static final long INTERVAL_MILLIS = 50;

    /** One sample; {@code nanos} is {@link System#nanoTime()}. */
    record Sample(long nanos, double cpuSeconds, long rssBytes, long walBytes) {
    }

    private final long pid;
    private final Path wal;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;

    /** Starts sampling {@code pid} (when not 0) and {@code wal} (when not null). */
    Sampler(long pid, Path wal) {
        this.pid = pid;
        this.wal = wal;
        this.thread = new Thread(this::run, "sampler-" + pid);
        thread.setDaemon(true);
        sample();
        thread.start();
    }

    private void run() {
        while (!stop) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            sample();
        }
    }

    private void sample() {
        double cpu = pid == 0 ? 0 : ProcStat.ownCpuSeconds(pid);
        long rss = pid == 0 ? 0 : ProcStat.rssBytes(pid);
        long walBytes = 0;
        if (wal != null) {
            try {
                walBytes = Files.size(wal);
            } catch (NoSuchFileException e) {
                walBytes = 0;
            } catch (IOException e) {
                walBytes = -1;
            }
        }
        synchronized (this) {
            samples.add(new Sample(System.nanoTime(), cpu, rss, walBytes));
        }
    }

    /** The process's CPU seconds at the first sample at or after {@code nanos} (the last one if none is). */
    synchronized double cpuAt(long nanos) {
        for (Sample s : samples) {
            if (s.nanos >= nanos && s.cpuSeconds >= 0) {
                return s.cpuSeconds;
            }
        }
        for (int i = samples.size() - 1; i >= 0; i--) {
            if (samples.get(i).cpuSeconds >= 0) {
                return samples.get(i).cpuSeconds;
            }
        }
        return -1;
    }

    synchronized long maxWalBytes() {
        return samples.stream().mapToLong(Sample::walBytes).max().orElse(0);
    }

    synchronized long maxRssBytes() {
        return samples.stream().mapToLong(Sample::rssBytes).max().orElse(0);
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
    }
}
