package io.walship.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations the way operators write them (and Go's time.ParseDuration does): {@code 1s}, {@code 250ms}, {@code 1h30m}, {@code 0}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(t);
        long nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw invalid(text);
            }
            end = m.end();
            double n = Double.parseDouble(m.group(1));
            double unit = switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> 86400e9;
            };
            nanos = Math.addExact(nanos, (long) (n * unit));
        }
        if (end == 0 || end != t.length()) {
            throw invalid(text);
        }
        return Duration.ofNanos(nanos);
    }

    /** Formats a duration compactly, e.g. {@code 1s}, {@code 250ms}, {@code 24h}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.toMillis() % 3_600_000 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 1s, 250ms, 10m or 24h");
    }
}
