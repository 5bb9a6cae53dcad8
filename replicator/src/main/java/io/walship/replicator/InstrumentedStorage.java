package io.walship.replicator;

import io.walship.replica.ObjectExistsException;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Counts every request a replica's storage serves, by operation and result, through {@link ReplicationEvents}.
 * Shared by a replica's shipping thread and its {@link Compactor}'s thread: it keeps no state of its own, and the
 * storage and the events it passes calls to are thread-safe.
 */
final class InstrumentedStorage implements ReplicaStorage {
    private final ReplicaStorage inner;
    private final Path db;
    private final String replica;
    private final ReplicationEvents events;

    InstrumentedStorage(ReplicaStorage inner, Path db, String replica, ReplicationEvents events) {
        this.inner = inner;
        this.db = db;
        this.replica = replica;
        this.events = events;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T count(String operation, Call<T> call) throws IOException {
        long start = System.nanoTime();
        String result = "error";
        try {
            T value = call.run();
            result = "ok";
            return value;
        } catch (ObjectNotFoundException e) {
            result = "not_found";
            throw e;
        } catch (ObjectExistsException e) {
            result = "conflict";
            throw e;
        } finally {
            events.storageRequest(db, replica, operation, result, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void put(String key, Path source) throws IOException {
        count("put", () -> {
            inner.put(key, source);
            return null;
        });
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        return count("get", () -> inner.get(key, offset));
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        return count("get_range", () -> inner.getRange(key, offset, length));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return count("list", () -> inner.list(prefix));
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        count("delete", () -> {
            inner.delete(keys);
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
