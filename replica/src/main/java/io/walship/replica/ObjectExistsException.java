package io.walship.replica;

import java.io.IOException;

/**
 * A create-only put found another object with different bytes under the key: another writer may own
 * the replica path. This is never retried; the replica stops until an operator looks.
 */
public class ObjectExistsException extends IOException {
    private final String key;

    public ObjectExistsException(String key, String replica) {
        super("object " + key + " already exists in " + replica
                + " with different content; another walship may be writing to this replica path");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
