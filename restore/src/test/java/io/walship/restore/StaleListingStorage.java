package io.walship.restore;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A replica whose listing was taken when this was created: objects deleted since are still listed, as when retention
 * deletes them between a restore's listing and its reads. Every read goes to the real storage.
 */
final class StaleListingStorage implements ReplicaStorage {
    private final ReplicaStorage delegate;
    private final Map<String, List<ObjectInfo>> listings = new HashMap<>();

    StaleListingStorage(ReplicaStorage delegate) throws IOException {
        this.delegate = delegate;
        for (String prefix : List.of("", io.walship.replica.ObjectKeys.SNAPSHOTS, io.walship.replica.ObjectKeys.SEGMENTS)) {
            listings.put(prefix, delegate.list(prefix));
        }
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
        List<ObjectInfo> taken = listings.get(prefix);
        return taken != null ? taken : delegate.list(prefix);
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        delegate.delete(keys);
    }
}
