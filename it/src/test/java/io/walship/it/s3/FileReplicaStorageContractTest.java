package io.walship.it.s3;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ReplicaStorage;
import java.nio.file.Files;

/** The {@link io.walship.replica.ReplicaStorage} contract against a folder. */
class FileReplicaStorageContractTest extends ReplicaStorageContract {
    private FileReplicaStorage files;

    @Override
    protected ReplicaStorage open(long partSize) {
        files = new FileReplicaStorage(tmp.resolve("replica"));
        return files;
    }

    /** A folder's "directory marker" is a sub-folder, possibly empty. */
    @Override
    protected void putDirectoryMarker(String key) throws Exception {
        Files.createDirectories(files.root().resolve(key));
    }

    /** A folder has no pages; each put fsyncs twice, so fewer objects keep the test quick. */
    @Override
    protected int manyObjects() {
        return 300;
    }
}
