package io.walship.restore;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A replica as object stores present it: listings in no particular order, with directory-marker keys (ending in
 * {@code /}) and keys of other tools mixed in. It delegates every read to a real storage, so restores read real bytes.
 */
final class MarkedShuffledStorage extends ForwardingStorage {
    private static final List<String> EXTRA_KEYS = List.of("snapshots/", "segments/", "snapshots/0001.snapshot",
            "segments/0000000000000005-0000000000000002.segment", "segments/notes.txt",
            "snapshots/0000000000000001.snapshot.bak");

    private final Random random = new Random(42);

    MarkedShuffledStorage(ReplicaStorage delegate) {
        super(delegate);
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
}
