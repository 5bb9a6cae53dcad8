package io.walship.config;

import java.util.List;
import java.util.Objects;

/**
 * How walship logs, from the file's {@code logging:} section. The keys are Litestream's, so an existing
 * {@code litestream.yml} keeps its log format; unlike Litestream, an unknown level or type is an error rather than a
 * silent fallback to the default.
 *
 * @param level the least severe level written: {@code debug}, {@code info}, {@code warn} or {@code error}
 *              ({@code warning} in the file is read as {@code warn}, as Litestream does)
 * @param json true for one JSON object per line ({@code type: json}), false for plain text ({@code type: text})
 * @param stderr true to log to standard error instead of standard output, e.g. when standard output is the app's
 */
public record LoggingConfig(String level, boolean json, boolean stderr) {
    /** The levels walship logs at, from most to least verbose. */
    public static final List<String> LEVELS = List.of("debug", "info", "warn", "error");

    public LoggingConfig {
        Objects.requireNonNull(level, "level");
        if (!LEVELS.contains(level)) {
            throw new IllegalArgumentException("log level must be one of " + LEVELS + ", not '" + level + "'");
        }
    }

    /** Litestream's defaults: info, as text, on standard output. */
    public static LoggingConfig defaults() {
        return new LoggingConfig("info", false, false);
    }
}
