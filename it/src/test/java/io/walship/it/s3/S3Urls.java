package io.walship.it.s3;

import io.walship.config.ReplicaLocation;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.ReplicaStorages;
import java.util.Map;

/** Opens a replica URL the way the walship command line does: one grammar, then the storage for what it names. */
final class S3Urls {
    private S3Urls() {
    }

    static ReplicaStorage open(String url, Map<String, String> env) {
        return ReplicaStorages.open(ReplicaLocation.parse(url, env), env);
    }
}
