package io.walship.replica;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * Where a replica's objects live: a folder on disk, an S3 bucket, anything that stores immutable blobs
 * under string keys.
 *
 * <p>The contracts every implementation keeps, and every caller may rely on:
 * <ul>
 *   <li>Objects are immutable. A key is written once; walship never overwrites an object with other bytes.
 *       {@link #put} is create-only where the backend allows it, and fails with
 *       {@link ObjectExistsException} when another object with different bytes already holds the key.</li>
 *   <li>A put may be retried. Putting the same bytes under the same key again (after a crash, a timeout, a
 *       connection reset) succeeds, so an upload whose outcome is unknown is simply repeated.</li>
 *   <li>A put is atomic: readers see either no object or the whole object, never a prefix.</li>
 *   <li>Listings may be unsorted, may be paginated by the backend (the implementation follows every page),
 *       and may contain keys that are not walship objects, such as directory markers ending in {@code /};
 *       callers ignore keys they do not recognise.</li>
 *   <li>Reading or deleting a key that does not exist: {@link #get} throws {@link ObjectNotFoundException};
 *       {@link #delete} ignores it, so deletes can be retried.</li>
 *   <li>An instance is shared across threads: a replica's shipping thread and its compactor's thread call one instance
 *       at the same time, so every method may run concurrently with any other.</li>
 * </ul>
 * Keys are relative to the replica's root and use {@code /} as separator.
 */
public interface ReplicaStorage extends Closeable {

    /** A short human description of the replica for logs and errors, such as its URL; never contains secrets. */
    String describe();

    /**
     * Stores the file's bytes under {@code key}, atomically and create-only.
     *
     * @throws ObjectExistsException when a different object already holds the key
     */
    void put(String key, Path source) throws IOException;

    /**
     * Opens the object's bytes from {@code offset} (0 for the whole object) to its end.
     *
     * @throws ObjectNotFoundException when there is no such object
     */
    InputStream get(String key, long offset) throws IOException;

    /**
     * Reads {@code length} bytes at {@code offset} in one request; used to read object headers.
     * Returns fewer bytes only when the object ends first.
     *
     * @throws ObjectNotFoundException when there is no such object
     */
    byte[] getRange(String key, long offset, int length) throws IOException;

    /** Every object whose key starts with {@code prefix}, in no particular order, following all pages. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Deletes the keys; keys that do not exist are ignored. */
    void delete(Collection<String> keys) throws IOException;

    /**
     * How many objects may be read at once without one read waiting for another to finish (for S3, the connection
     * pool's size); a restore reads ahead no further than this. Unlimited unless the backend says otherwise.
     * An object read ahead keeps its read open until the restore applies it, so restores that run at once must each
     * have a storage of their own: sharing one, each can hold every read another one waits for.
     */
    default int maxConcurrentReads() {
        return Integer.MAX_VALUE;
    }

    @Override
    default void close() throws IOException {
    }
}
