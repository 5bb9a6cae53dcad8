package io.walship.restore;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * A replica storage that passes every request to a real one; the tests' wrappers (counting, shuffled listings, stale
 * listings, concurrency probes) override only what they change. {@link #maxConcurrentReads} and {@link #close} keep the
 * interface's defaults, so a wrapper neither widens the delegate's reads nor closes it. The it module's tests use it
 * too (through this module's test-jar).
 */
public abstract class ForwardingStorage implements ReplicaStorage {
    protected final ReplicaStorage delegate;

    protected ForwardingStorage(ReplicaStorage delegate) {
        this.delegate = delegate;
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void put(String key, Path source) throws IOException {
        delegate.put(key, source);
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        return delegate.get(key, offset);
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        return delegate.getRange(key, offset, length);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        delegate.delete(keys);
    }
}
