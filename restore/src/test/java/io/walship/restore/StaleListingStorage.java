package io.walship.restore;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A replica whose listing was taken when this was created: objects deleted since are still listed, as when retention
 * deletes them between a restore's listing and its reads. Every read goes to the real storage.
 */
final class StaleListingStorage extends ForwardingStorage {
    private final Map<String, List<ObjectInfo>> listings = new HashMap<>();

    StaleListingStorage(ReplicaStorage delegate) throws IOException {
        super(delegate);
        for (String prefix : List.of("", io.walship.replica.ObjectKeys.SNAPSHOTS, io.walship.replica.ObjectKeys.SEGMENTS)) {
            listings.put(prefix, delegate.list(prefix));
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> taken = listings.get(prefix);
        return taken != null ? taken : delegate.list(prefix);
    }
}
