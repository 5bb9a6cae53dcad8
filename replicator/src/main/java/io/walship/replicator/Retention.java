package io.walship.replicator;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.RetentionPlan;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes replica objects of this database's history that no longer help restore any point inside the retention
 * window, as {@link RetentionPlan} decides: the newest snapshot at or before the window's start anchors it, older
 * snapshots and segments that end at or before it go, and a segment a compacted one covers goes only once that one
 * exists. Other histories (lineages) on the path are never touched. Times come from the keys; format-1 keys have their
 * snapshot's header read once and cached (objects are immutable). Used by one shipping thread.
 */
final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final ReplicaStorage storage;
    private final Duration window;
    private final LongSupplier lineage;
    private final Map<String, Instant> legacyTimes = new HashMap<>();

    Retention(ReplicaStorage storage, Duration window, LongSupplier lineage) {
        this.storage = storage;
        this.window = window;
        this.lineage = lineage;
    }

    /** Enforces the window as of {@code now}; returns the keys it deleted. */
    List<String> enforce(Instant now) throws IOException {
        long mine = lineage.getAsLong();
        if (window.isZero() || mine == 0) {
            return List.of();
        }
        Instant start = now.minus(window);
        List<ObjectKeys.ObjectName> objects = new ArrayList<>();
        for (ObjectInfo info : storage.list("")) {
            ObjectKeys.parse(info.key()).ifPresent(objects::add);
        }
        RetentionPlan plan = RetentionPlan.compute(objects, new Lineage(mine), start, this::legacyTime);
        if (!plan.delete().isEmpty()) {
            storage.delete(plan.delete());
            plan.delete().forEach(legacyTimes::remove);
            log.info("{}: retention {} deleted {} object(s) before snapshot {}", storage.describe(), window,
                    plan.delete().size(), plan.anchor().map(ObjectKeys.ObjectName::key).orElse("-"));
        }
        return plan.delete();
    }

    private Instant legacyTime(ObjectKeys.ObjectName snapshot) throws IOException {
        Instant t = legacyTimes.get(snapshot.key());
        if (t == null) {
            t = ObjectHeader.decode(snapshot.key(), storage.getRange(snapshot.key(), 0, ObjectHeader.SIZE)).lastTime();
            legacyTimes.put(snapshot.key(), t);
        }
        return t;
    }
}
