package io.walship.restore;

import io.walship.replica.ObjectHeader;

/** What reading one replica object to its last byte found. */
public sealed interface ObjectCheck permits ObjectCheck.Verified, ObjectCheck.Corrupt, ObjectCheck.Vanished {

    /** The object as the listing named it. */
    ReplicaObject object();

    /** Every check passed: header, key, structure, LZ4 checksum and the trailer's length and CRC32C. */
    record Verified(ReplicaObject object, ObjectHeader header) implements ObjectCheck {
    }

    /**
     * The object fails a check, or contradicts the snapshot a restore would apply it to; no restore can use it.
     *
     * @param problem what is wrong, without the key, such as {@code content CRC32C mismatch}
     */
    record Corrupt(ReplicaObject object, String problem) implements ObjectCheck {
        /** One line naming the object and the problem. */
        public String describe() {
            return object.key() + ": " + problem;
        }
    }

    /** The object was listed but was gone when it was read, as when retention deletes it meanwhile. */
    record Vanished(ReplicaObject object) implements ObjectCheck {
    }
}
