package io.walship.replica;

import java.io.IOException;

/** The requested object does not exist in the replica. */
public class ObjectNotFoundException extends IOException {
    private final String key;

    public ObjectNotFoundException(String key) {
        super("object not found: " + key);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
