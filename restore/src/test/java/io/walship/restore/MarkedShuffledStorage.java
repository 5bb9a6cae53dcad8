package io.walship.restore;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A replica as object stores present it: listings in no particular order, with directory-marker keys (ending in
 * {@code /}) and keys of other tools mixed in. It delegates every read to a real storage, so restores read real bytes.
 */
final class MarkedShuffledStorage implements ReplicaStorage {
    private static final List<String> EXTRA_KEYS = List.of("snapshots/", "segments/", "snapshots/0001.snapshot",
            "segments/0000000000000005-0000000000000002.segment", "segments/notes.txt",
            "snapshots/0000000000000001.snapshot.bak");

    private final ReplicaStorage delegate;
    private final Random random = new Random(42);

    MarkedShuffledStorage(ReplicaStorage delegate) {
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
        List<ObjectInfo> out = new ArrayList<>(delegate.list(prefix));
        for (String key : EXTRA_KEYS) {
            if (key.startsWith(prefix)) {
                out.add(new ObjectInfo(key, 0, Instant.EPOCH));
            }
        }
        Collections.shuffle(out, random);
        return out;
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        delegate.delete(keys);
    }
}
