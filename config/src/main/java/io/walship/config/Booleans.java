package io.walship.config;

import java.util.Locale;

/**
 * How a configuration writes yes or no. Litestream reads its file with a YAML 1.1 library, where {@code yes}, {@code no},
 * {@code on} and {@code off} are booleans; walship's parser is YAML 1.2, where they are strings. Accepting them here
 * keeps such files working. Replica URLs also use {@code 1} and {@code 0}, as walship's storage layer accepts them.
 */
final class Booleans {
    private Booleans() {
    }

    /** The value, or null when the text is not a boolean. */
    static Boolean parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "y", "1" -> Boolean.TRUE;
            case "false", "no", "off", "n", "0" -> Boolean.FALSE;
            default -> null;
        };
    }
}
