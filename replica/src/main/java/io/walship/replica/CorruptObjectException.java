package io.walship.replica;

import java.io.IOException;

/** An object's bytes fail a check (magic, version, header or content checksum, length). Never skipped. */
public class CorruptObjectException extends IOException {
    private final String key;

    public CorruptObjectException(String key, String problem) {
        super("corrupt object " + key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
