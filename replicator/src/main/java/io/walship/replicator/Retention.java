package io.walship.replicator;

import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes replica objects that no longer help restore any point inside the retention window.
 *
 * <p>The rule: find the newest snapshot taken at or before the window's start. Every point inside the window is
 * restorable from that snapshot or a newer one plus the segments after it, so snapshots older than it and segments
 * that end at or before its txid can go. When no snapshot is that old yet, nothing is deleted; the newest snapshot
 * is therefore never deleted. Snapshot times come from the objects' own headers, read once and cached (objects are
 * immutable).
 */
final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final ReplicaStorage storage;
    private final Duration window;
    private final Map<String, Instant> snapshotTimes = new HashMap<>();

    Retention(ReplicaStorage storage, Duration window) {
        this.storage = storage;
        this.window = window;
    }

    /** Enforces the window as of {@code now}; returns the keys it deleted. */
    List<String> enforce(Instant now) throws IOException {
        if (window.isZero()) {
            return List.of();
        }
        Instant start = now.minus(window);
        List<ObjectKeys.ObjectName> objects = new ArrayList<>();
        for (ObjectInfo info : storage.list("")) {
            ObjectKeys.parse(info.key()).ifPresent(objects::add);
        }
        Optional<ObjectKeys.ObjectName> anchor = Optional.empty();
        for (ObjectKeys.ObjectName o : objects) {
            if (o.kind() == ObjectKind.SNAPSHOT && !snapshotTime(o.key()).isAfter(start)
                    && (anchor.isEmpty() || o.firstTxid() > anchor.get().firstTxid())) {
                anchor = Optional.of(o);
            }
        }
        if (anchor.isEmpty()) {
            return List.of();
        }
        long keepFrom = anchor.get().firstTxid();
        List<String> doomed = new ArrayList<>();
        for (ObjectKeys.ObjectName o : objects) {
            boolean old = o.kind() == ObjectKind.SNAPSHOT ? o.firstTxid() < keepFrom : o.lastTxid() <= keepFrom;
            if (old) {
                doomed.add(o.key());
            }
        }
        if (!doomed.isEmpty()) {
            storage.delete(doomed);
            doomed.forEach(snapshotTimes::remove);
            log.info("{}: retention {} deleted {} object(s) before snapshot {} ({})", storage.describe(), window, doomed.size(),
                    ObjectKeys.hex(keepFrom), snapshotTimes.get(anchor.get().key()));
        }
        return doomed;
    }

    private Instant snapshotTime(String key) throws IOException {
        Instant t = snapshotTimes.get(key);
        if (t == null) {
            t = ObjectHeader.decode(key, storage.getRange(key, 0, ObjectHeader.SIZE)).lastTime();
            snapshotTimes.put(key, t);
        }
        return t;
    }
}
