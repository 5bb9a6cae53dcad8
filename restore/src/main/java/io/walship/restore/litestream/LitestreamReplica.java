package io.walship.restore.litestream;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listing of a Litestream 0.3 replica, grouped into generations. The listing is taken once (one list request on
 * object storage, for every generation), so planning sees one consistent set of keys; objects removed afterwards by
 * Litestream's retention surface as missing when they are read.
 */
public final class LitestreamReplica {
    private static final Logger log = LoggerFactory.getLogger(LitestreamReplica.class);

    private final ReplicaStorage storage;
    private final List<Generation> generations;

    LitestreamReplica(ReplicaStorage storage, List<Generation> generations) {
        this.storage = storage;
        this.generations = List.copyOf(generations);
    }

    /**
     * Lists every Litestream 0.3 object under {@code generations/}; keys that are not Litestream objects are ignored.
     *
     * @throws IOException when the storage cannot be listed
     */
    public static LitestreamReplica load(ReplicaStorage storage) throws IOException {
        Map<String, List<LitestreamObject>> snapshots = new TreeMap<>();
        Map<String, List<LitestreamObject>> segments = new TreeMap<>();
        int ignored = 0;
        for (ObjectInfo info : storage.list(LitestreamKeys.GENERATIONS)) {
            Optional<LitestreamKeys.Name> name = LitestreamKeys.parse(info.key());
            if (name.isEmpty()) {
                ignored++;
                continue;
            }
            LitestreamObject o = LitestreamObject.of(name.get(), info.key(), info.size(), info.lastModified());
            snapshots.computeIfAbsent(o.generation(), g -> new ArrayList<>());
            segments.computeIfAbsent(o.generation(), g -> new ArrayList<>());
            (o.kind() == LitestreamObject.Kind.SNAPSHOT ? snapshots : segments).get(o.generation()).add(o);
        }
        List<Generation> generations = new ArrayList<>();
        for (String g : snapshots.keySet()) {
            generations.add(new Generation(g, snapshots.get(g), segments.get(g)));
        }
        log.debug("listed {}: {} Litestream generation(s), {} other key(s) under {} ignored", storage.describe(),
                generations.size(), ignored, LitestreamKeys.GENERATIONS);
        return new LitestreamReplica(storage, generations);
    }

    public ReplicaStorage storage() {
        return storage;
    }

    /** The replica's description for logs and messages; never contains secrets. */
    public String replica() {
        return storage.describe();
    }

    /** The generations in name order (the order Litestream lists them in). */
    public List<Generation> generations() {
        return generations;
    }

    public boolean isEmpty() {
        return generations.isEmpty();
    }

    /** Whether any generation holds a snapshot, without which nothing can be restored. */
    public boolean hasSnapshot() {
        return generations.stream().anyMatch(g -> !g.snapshots().isEmpty());
    }

    public Optional<Generation> generation(String name) {
        return generations.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /**
     * The generation a restore of the latest state uses, as Litestream chooses it: the one whose newest object is
     * the newest (on a tie, the first by name); empty for an empty replica.
     */
    public Optional<Generation> latest() {
        Generation best = null;
        for (Generation g : generations) {
            if (best == null || g.updatedAt().isAfter(best.updatedAt())) {
                best = g;
            }
        }
        return Optional.ofNullable(best);
    }
}
