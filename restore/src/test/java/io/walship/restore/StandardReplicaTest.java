package io.walship.restore;

import io.walship.replica.FileReplicaStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests on a replica folder of the standard history ({@link DatabaseHistory#standard}, 4 KiB pages, WAL mode): each
 * writes the snapshots and segments it needs in its own {@code @BeforeEach}, which JUnit runs after this class's.
 */
abstract class StandardReplicaTest {
    @TempDir
    Path dir;

    DatabaseHistory history;
    FileReplicaStorage storage;

    @BeforeEach
    void createHistory() throws Exception {
        history = DatabaseHistory.standard(dir.resolve("source.db"), 4096, true);
        storage = new FileReplicaStorage(dir.resolve("replica"));
    }

    @AfterEach
    void closeHistory() throws Exception {
        history.close();
    }

    /** The file of the object {@code key} in the replica folder, to damage or delete. */
    Path object(String key) {
        return storage.root().resolve(key);
    }
}
