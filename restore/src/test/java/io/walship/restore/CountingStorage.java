package io.walship.restore;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests made to a replica: LIST, range reads (object headers) and whole-object reads. It passes every call
 * through unchanged; it counts, it does not stand in for the storage. Safe to use from several threads.
 */
final class CountingStorage extends ForwardingStorage {
    /** The requests made so far. */
    record Counts(int lists, int headerReads, int objectReads) {
    }

    private final AtomicInteger lists = new AtomicInteger();
    private final AtomicInteger ranges = new AtomicInteger();
    private final AtomicInteger gets = new AtomicInteger();

    CountingStorage(ReplicaStorage delegate) {
        super(delegate);
    }

    Counts counts() {
        return new Counts(lists.get(), ranges.get(), gets.get());
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        gets.incrementAndGet();
        return delegate.get(key, offset);
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        ranges.incrementAndGet();
        return delegate.getRange(key, offset, length);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        lists.incrementAndGet();
        return delegate.list(prefix);
    }
}
