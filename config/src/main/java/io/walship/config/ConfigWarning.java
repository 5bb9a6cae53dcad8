package io.walship.config;

import java.util.Objects;

/**
 * A key of the configuration file that walship accepts but ignores: a Litestream setting that changes no data
 * (request signing, compaction tuning, a control socket), so that a Litestream file keeps working. walship logs each
 * one at WARN when it loads the file; {@link #toString()} is that line, in {@link ConfigException}'s form:
 * {@code FILE:LINE: key 'dbs[0].replicas[0].sign-payload': ignored: REASON}.
 *
 * @param source the file as the user named it
 * @param line the 1-based line of the key
 * @param key the dotted key path
 * @param reason why walship can ignore it
 */
public record ConfigWarning(String source, int line, String key, String reason) {
    public ConfigWarning {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return source + ":" + line + ": key '" + key + "': ignored: " + reason;
    }
}
