package io.walship.it.ops;

import io.walship.replica.ReplicaStorage;
import io.walship.restore.ForwardingStorage;
import java.io.IOException;
import java.nio.file.Path;

/** A replica whose uploads fail while an outage is switched on, as an unreachable bucket's would. */
final class OutageStorage extends ForwardingStorage {
    private volatile boolean down;

    OutageStorage(ReplicaStorage inner) {
        super(inner);
    }

    void down(boolean down) {
        this.down = down;
    }

    @Override
    public void put(String key, Path source) throws IOException {
        if (down) {
            throw new IOException("injected outage: the replica does not answer");
        }
        delegate.put(key, source);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
