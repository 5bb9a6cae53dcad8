package io.walship.config;

import java.util.Optional;

/**
 * A configuration that walship refuses to run with. It is a checked exception because a wrong file or argument is an
 * expected outcome that the command line must report and turn into a usage exit, not a bug to crash on.
 *
 * <p>The message is always one line, so it reads well in a terminal and in a log collector:
 * {@code FILE:LINE: key 'dbs[0].replicas[1].sync-interval': 'abc' is not a duration; write e.g. 1s, 250ms, 10m or 24h}.
 * The line and the key are left out when there is none (a missing file, an argument on the command line). The message
 * never contains a secret: readers mask credentials before they build one.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String key;
    private final String problem;

    /**
     * @param source the file as the user named it, or {@code command line}
     * @param line the 1-based line the problem is on, or 0 when there is none
     * @param key the dotted key path such as {@code dbs[0].path}, or null
     * @param problem what is wrong and what to write instead
     */
    ConfigException(String source, int line, String key, String problem) {
        super(format(source, line, key, problem));
        this.source = source;
        this.line = line;
        this.key = key;
        this.problem = oneLine(problem);
    }

    /** The file the problem is in as the user named it, or {@code command line}. */
    public String source() {
        return source;
    }

    /** The 1-based line of the offending node, or 0 when the problem has no line (a missing file, an argument). */
    public int line() {
        return line;
    }

    /** The key path of the offending value, e.g. {@code dbs[0].replicas[1].sync-interval}, when there is one. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** What is wrong and what to write instead, without the location. */
    public String problem() {
        return problem;
    }

    private static String format(String source, int line, String key, String problem) {
        StringBuilder b = new StringBuilder(source);
        if (line > 0) {
            b.append(':').append(line);
        }
        b.append(": ");
        if (key != null) {
            b.append("key '").append(key).append("': ");
        }
        return oneLine(b.append(problem).toString());
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
