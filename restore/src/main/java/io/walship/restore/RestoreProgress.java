package io.walship.restore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How far a running restore has come, for a progress display: objects applied and bytes downloaded of the plan's
 * totals, the download rate and an estimate of the time left. The restore updates it from its download threads and its
 * apply thread; a display reads {@link #snapshot()} from its own thread whenever it likes. Safe to use from any number
 * of threads.
 */
public final class RestoreProgress {
    /** What the restore is doing. */
    public enum Phase {
        /** Listing the replica and choosing the objects. */
        PLANNING,
        /** Downloading, decompressing and applying the objects. */
        RESTORING,
        /** Running PRAGMA integrity_check on the result. */
        CHECKING,
        /** Finished, successfully or not. */
        DONE
    }

    /**
     * One reading of the progress.
     *
     * @param objectsDone objects fully applied
     * @param bytesDone   object bytes downloaded (as stored, compressed)
     * @param elapsed     time since the plan was made
     */
    public record Snapshot(Phase phase, int objectsDone, int objectsTotal, long bytesDone, long bytesTotal,
                           Duration elapsed) {
        /** Bytes downloaded per second so far, 0 before anything was. */
        public double bytesPerSecond() {
            double seconds = elapsed.toNanos() / 1e9;
            return seconds <= 0 ? 0 : bytesDone / seconds;
        }

        /** The time left at the rate so far; empty until something was downloaded. */
        public Optional<Duration> eta() {
            double rate = bytesPerSecond();
            if (rate <= 0) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis((long) ((bytesTotal - bytesDone) / rate * 1000)));
        }
    }

    private final Clock clock;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.PLANNING);
    private final AtomicInteger objectsDone = new AtomicInteger();
    private final AtomicLong bytesDone = new AtomicLong();
    private volatile int objectsTotal;
    private volatile long bytesTotal;
    private volatile Instant started;

    public RestoreProgress(Clock clock) {
        this.clock = clock;
        this.started = clock.instant();
    }

    /** A plan was made: these are the totals from now on (a snapshot fallback plans again and starts over). */
    void planned(RestorePlan plan) {
        objectsTotal = plan.objects().size();
        bytesTotal = plan.bytes();
        objectsDone.set(0);
        bytesDone.set(0);
        started = clock.instant();
        phase.set(Phase.RESTORING);
    }

    void downloaded(long bytes) {
        bytesDone.addAndGet(bytes);
    }

    void objectApplied() {
        objectsDone.incrementAndGet();
    }

    void phase(Phase p) {
        phase.set(p);
    }

    public Snapshot snapshot() {
        return new Snapshot(phase.get(), objectsDone.get(), objectsTotal, bytesDone.get(), bytesTotal,
                Duration.between(started, clock.instant()));
    }
}
