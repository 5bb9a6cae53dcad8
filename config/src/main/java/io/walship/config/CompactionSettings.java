package io.walship.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How a replica's small segments are merged into larger ones that still hold every transaction (Litestream 0.5's
 * top-level {@code levels} and {@code l0-retention}, which walship reads with the same meaning).
 *
 * <p>Level {@code n} (1, 2, ...) has the {@code n}-th interval of {@link #levels}: once a window of that length (aligned
 * to the epoch, so {@code 1h} windows start on the hour, UTC) has passed, the segments of lower levels whose first
 * transaction falls into it are merged into one segment of level {@code n}. An empty list turns compaction off.
 *
 * @param levels         the window of each compaction level, level 1 first; strictly increasing, each at least
 *                       {@link #MIN_INTERVAL}, at most {@link #MAX_LEVELS} of them
 * @param inputRetention how long the segments a compacted one holds stay in the replica after it was written, so that
 *                       a restore that listed the replica before can still read them; then they are deleted
 */
public record CompactionSettings(List<Duration> levels, Duration inputRetention) {
    /** Litestream 0.5's default ladder: 30 seconds, 5 minutes, 1 hour. */
    public static final List<Duration> DEFAULT_LEVELS = List.of(Duration.ofSeconds(30), Duration.ofMinutes(5),
            Duration.ofHours(1));
    /** Litestream 0.5's default {@code l0-retention}. */
    public static final Duration DEFAULT_INPUT_RETENTION = Duration.ofMinutes(5);
    /** The shortest window: compaction of windows shorter than the sync interval would only copy objects. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /** The most levels; the format allows 99, an operator needs a handful. */
    public static final int MAX_LEVELS = 9;

    public CompactionSettings {
        Objects.requireNonNull(inputRetention, "inputRetention");
        levels = List.copyOf(levels);
        if (inputRetention.isNegative()) {
            throw new IllegalArgumentException("l0-retention must not be negative");
        }
        if (levels.size() > MAX_LEVELS) {
            throw new IllegalArgumentException(levels.size() + " compaction levels; at most " + MAX_LEVELS);
        }
        for (int i = 0; i < levels.size(); i++) {
            Duration d = levels.get(i);
            if (d.compareTo(MIN_INTERVAL) < 0) {
                throw new IllegalArgumentException("level " + (i + 1) + ": interval " + Durations.format(d)
                        + " is shorter than " + Durations.format(MIN_INTERVAL));
            }
            if (i > 0 && d.compareTo(levels.get(i - 1)) <= 0) {
                throw new IllegalArgumentException("level " + (i + 1) + ": interval " + Durations.format(d)
                        + " is not longer than level " + i + "'s " + Durations.format(levels.get(i - 1))
                        + "; each level's interval must be longer than the one before");
            }
        }
    }

    /** Litestream 0.5's defaults: levels of 30 s, 5 min and 1 h; inputs kept 5 min after they were compacted. */
    public static CompactionSettings defaults() {
        return new CompactionSettings(DEFAULT_LEVELS, DEFAULT_INPUT_RETENTION);
    }

    /** No compaction; segments compacted by an earlier run still have their inputs deleted after the retention. */
    public static CompactionSettings off() {
        return new CompactionSettings(List.of(), DEFAULT_INPUT_RETENTION);
    }

    public boolean enabled() {
        return !levels.isEmpty();
    }

    @Override
    public String toString() {
        return "CompactionSettings[levels=" + levels.stream().map(Durations::format).collect(Collectors.joining(", ",
                "[", "]")) + ", inputRetention=" + Durations.format(inputRetention) + "]";
    }
}
