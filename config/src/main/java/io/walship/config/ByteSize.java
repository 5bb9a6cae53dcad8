package io.walship.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes, written by users as {@code 512}, {@code 64KB}, {@code 64KiB}, {@code 500MB}, {@code 1GiB}. */
public record ByteSize(long bytes) implements Comparable<ByteSize> {
    private static final Pattern FORM = Pattern.compile("\\s*(\\d+)\\s*([kmgt]?i?b?)\\s*");

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("size must not be negative: " + bytes);
        }
    }

    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    public static ByteSize ofMebibytes(long mib) {
        return new ByteSize(mib << 20);
    }

    /** Parses a size; decimal units (KB, MB) are powers of 1000, binary units (KiB, MiB) powers of 1024. */
    public static ByteSize parse(String text) {
        Matcher m = FORM.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 4096, 64KiB, 500MB or 1GiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        boolean binary = unit.contains("i");
        long base = binary ? 1024 : 1000;
        int power = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
            case 'k' -> 1;
            case 'm' -> 2;
            case 'g' -> 3;
            case 't' -> 4;
            default -> 0;
        };
        if (power == 0 && binary) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 4096, 64KiB, 500MB or 1GiB");
        }
        long multiplier = 1;
        for (int i = 0; i < power; i++) {
            multiplier = Math.multiplyExact(multiplier, base);
        }
        return new ByteSize(Math.multiplyExact(n, multiplier));
    }

    @Override
    public int compareTo(ByteSize other) {
        return Long.compare(bytes, other.bytes);
    }

    @Override
    public String toString() {
        if (bytes % (1L << 30) == 0 && bytes > 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes % (1L << 20) == 0 && bytes > 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes % 1024 == 0 && bytes > 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }
}
