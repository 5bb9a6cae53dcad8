package io.walship.it.ops;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/** A replica whose uploads fail while an outage is switched on, as an unreachable bucket's would. */
final class OutageStorage implements ReplicaStorage {
    private final ReplicaStorage inner;
    private volatile boolean down;

    OutageStorage(ReplicaStorage inner) {
        this.inner = inner;
    }

    void down(boolean down) {
        this.down = down;
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void put(String key, Path source) throws IOException {
        if (down) {
            throw new IOException("injected outage: the replica does not answer");
        }
        inner.put(key, source);
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        return inner.get(key, offset);
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        return inner.getRange(key, offset, length);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return inner.list(prefix);
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        inner.delete(keys);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
