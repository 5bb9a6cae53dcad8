package io.walship.replicator.scenario;

import io.walship.replica.FileReplicaStorage;
import io.walship.replicator.DatabaseReplicator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Common ground of the in-process capture scenarios: an {@link InteractiveApp} on {@code app.db} in a temp folder, a
 * replica folder, the {@link ExactHistory} oracle on it, and the replicator a test starts (stopped after the test,
 * before the app).
 */
abstract class InProcessScenario {
    @TempDir
    Path dir;
    Path db;
    FileReplicaStorage storage;
    InteractiveApp app;
    DatabaseReplicator replicator;
    ExactHistory history;
    private final int appSeed;

    /** {@code appSeed} seeds the app's random writes. */
    InProcessScenario(int appSeed) {
        this.appSeed = appSeed;
    }

    @BeforeEach
    void setUpAppAndReplica() throws Exception {
        db = dir.resolve("app.db");
        storage = new FileReplicaStorage(dir.resolve("replica"));
        app = new InteractiveApp(db, dir, appSeed);
        history = new ExactHistory(storage, dir, app::digest);
    }

    @AfterEach
    void stopReplicatorAndApp() throws Exception {
        if (replicator != null) {
            replicator.stop(Duration.ofSeconds(5));
        }
        app.close();
    }

    /** Deletes {@code p} and everything below it (a spool folder, to make the replicator start without it). */
    static void deleteRecursively(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
