package io.walship.replica;

import java.io.IOException;

/** An object's bytes fail a check (magic, version, header or content checksum, length). Never skipped. */
public class CorruptObjectException extends IOException {
    private final String key;
    private final String problem;

    public CorruptObjectException(String key, String problem) {
        super("corrupt object " + key + ": " + problem);
        this.key = key;
        this.problem = problem;
    }

    public String key() {
        return key;
    }

    /** What is wrong with the object, without its key, such as {@code content CRC32C mismatch}. */
    public String problem() {
        return problem;
    }
}
