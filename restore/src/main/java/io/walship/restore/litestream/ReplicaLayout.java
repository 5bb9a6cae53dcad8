package io.walship.restore.litestream;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a replica holds, so that {@code walship restore} and {@code walship ls} can read a replica Litestream wrote.
 * walship's own objects always win: a replica that holds any of them is a walship replica (a user who moved over may
 * well point walship at the path Litestream used), and one that holds nothing is reported as an empty walship replica.
 */
public sealed interface ReplicaLayout permits ReplicaLayout.Walship, ReplicaLayout.Litestream, ReplicaLayout.LitestreamLtx {

    /** walship objects, or nothing another layout claims. */
    record Walship() implements ReplicaLayout {
    }

    /** No walship object, but Litestream 0.3 generations, which walship can restore. */
    record Litestream(LitestreamReplica replica) implements ReplicaLayout {
    }

    /**
     * No walship object, but Litestream 0.5 LTX files, which walship cannot read.
     *
     * @param replica the replica's description
     * @param files   how many LTX files it holds
     * @param example one of their keys, to show the operator what was found
     */
    record LitestreamLtx(String replica, int files, String example) implements ReplicaLayout {
        /** The one-line explanation an operator sees when restoring such a replica. */
        public String message() {
            return "replica " + replica + " holds no walship objects but " + files + " Litestream 0.5 LTX file"
                    + (files == 1 ? "" : "s") + " (such as " + example + "); walship reads only Litestream 0.3"
                    + " replicas, so restore it with Litestream 0.5 itself ('litestream restore'), then replicate the"
                    + " restored database with walship";
        }
    }

    /**
     * Looks at the replica: one list request for Litestream 0.3 objects, one for LTX files, and only when either is
     * present, one for walship's own objects.
     *
     * @throws IOException when the storage cannot be listed
     */
    static ReplicaLayout detect(ReplicaStorage storage) throws IOException {
        Logger log = LoggerFactory.getLogger(ReplicaLayout.class);
        LitestreamReplica litestream = LitestreamReplica.load(storage);
        List<String> ltx = List.of();
        if (litestream.isEmpty()) {
            ltx = storage.list(LitestreamKeys.LTX).stream().map(ObjectInfo::key).filter(LitestreamKeys::isLtxFile)
                    .sorted().toList();
            if (ltx.isEmpty()) {
                return new Walship();
            }
        }
        for (String prefix : List.of(ObjectKeys.SNAPSHOTS, ObjectKeys.SEGMENTS)) {
            for (ObjectInfo info : storage.list(prefix)) {
                if (ObjectKeys.parse(info.key()).isPresent()) {
                    log.info("replica {} holds walship objects and also Litestream objects; using walship's",
                            storage.describe());
                    return new Walship();
                }
            }
        }
        if (!litestream.isEmpty()) {
            return new Litestream(litestream);
        }
        return new LitestreamLtx(storage.describe(), ltx.size(), ltx.get(0));
    }
}
