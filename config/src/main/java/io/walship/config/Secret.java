package io.walship.config;

import java.util.Objects;

/**
 * A credential (an S3 access key id or secret access key). It is a value type so that locations holding one compare
 * by value, but it never shows its value: {@link #toString()} is {@code ****}, so a location, a configuration or an
 * exception message that prints one cannot leak it. Only the storage layer, where the credential is handed to the
 * S3 client, calls {@link #reveal()}.
 */
public final class Secret {
    /** What every printed secret looks like. */
    public static final String MASK = "****";

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * @throws IllegalArgumentException when the value is empty or holds whitespace or control characters (a
     *     credential never does; such a value is a copy-and-paste or environment mistake). The message never
     *     repeats the value.
     */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty() || value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("the credential is empty or contains whitespace; check the value (and "
                    + "its environment variable)");
        }
        return new Secret(value);
    }

    /** The credential itself, for the S3 client only; never log, print or concatenate it. */
    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return MASK;
    }
}
