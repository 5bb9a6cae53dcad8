package io.walship.replica;

import io.walship.config.FolderLocation;
import io.walship.config.ReplicaLocation;
import io.walship.config.S3Location;
import java.util.Map;

/** Opens the storage of a {@link ReplicaLocation}: the one way from where a replica lives to its objects. */
public final class ReplicaStorages {
    private ReplicaStorages() {
    }

    /**
     * Opens the replica; nothing is read or written yet (a folder is created by the first put).
     *
     * @param env supplies {@code WALSHIP_ACCESS_KEY_ID} / {@code WALSHIP_SECRET_ACCESS_KEY} (then Litestream's
     *            {@code LITESTREAM_*}) for an S3 location that carries no credentials, before the AWS default chain
     */
    public static ReplicaStorage open(ReplicaLocation location, Map<String, String> env) {
        if (location instanceof FolderLocation f) {
            return new FileReplicaStorage(f.folder());
        }
        if (location instanceof S3Location s) {
            return new S3ReplicaStorage(s, env);
        }
        throw new IllegalArgumentException("unknown kind of replica location: " + location.type());
    }
}
