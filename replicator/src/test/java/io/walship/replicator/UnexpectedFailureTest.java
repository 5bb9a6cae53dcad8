package io.walship.replicator;

import static io.walship.replicator.ReplicatorAwait.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.walship.config.ReplicationSettings;
import io.walship.replica.FileIo;
import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.ForwardingStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Only transient failures are retried: an I/O error writing the spool makes capture wait and go on once the spool can
 * be written, an unchecked exception of the storage client makes the replica retry its upload, while an exception
 * that is none of I/O, SQLite or the storage client (a bug) stops the database at once, with one ERROR that carries
 * the stack trace, and the database reports itself failed.
 */
@Timeout(120)
class UnexpectedFailureTest {
    @TempDir
    Path dir;

    private final Logger logger = (Logger) LoggerFactory.getLogger(DatabaseReplicator.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void listen() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(logged);
    }

    @Test
    void aBugStopsTheDatabaseOnceWithOneErrorAndItsStackTrace() throws Exception {
        Path db = dir.resolve("app.db");
        AtomicBoolean bug = new AtomicBoolean();
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            DatabaseReplicator r = startReplicating(db, s, FaultyFileIo.withBug(i -> bug.get()));
            try {
                bug.set(true);
                insert(s, 3);
                await(() -> r.failure() != null, "the database failing", r);
                assertTrue(r.failure().startsWith("internal error: java.lang.IllegalStateException: injected bug"),
                        r.failure());
                assertEquals(DatabaseReplicator.Mode.FAILED, r.mode());
                assertFalse(r.capturing(), "a failed database does not capture");
                // Once: the capture thread ended, so more commits bring no retry and no second ERROR.
                insert(s, 3);
                Thread.sleep(500);
                List<ILoggingEvent> errors = errors();
                assertEquals(1, errors.size(), "one ERROR for the failure: " + errors);
                assertNotNull(errors.get(0).getThrowableProxy(), "the ERROR carries the stack trace");
                assertEquals(IllegalStateException.class.getName(), errors.get(0).getThrowableProxy().getClassName());
            } finally {
                r.stop(Duration.ofSeconds(5));
            }
            assertEquals(DatabaseReplicator.Mode.FAILED, r.mode());
        }
    }

    @Test
    void anErrorStopsTheDatabaseTooInsteadOfKillingItsThreadSilently() throws Exception {
        Path db = dir.resolve("app.db");
        AtomicBoolean error = new AtomicBoolean();
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            DatabaseReplicator r = startReplicating(db, s, FaultyFileIo.withError(i -> error.get()));
            try {
                error.set(true);
                insert(s, 3);
                await(() -> r.failure() != null, "the database failing", r);
                assertTrue(r.failure().startsWith("internal error: java.lang.AssertionError: injected error"), r.failure());
                assertEquals(DatabaseReplicator.Mode.FAILED, r.mode());
                assertFalse(r.capturing(), "a failed database does not capture");
                List<ILoggingEvent> errors = errors();
                assertEquals(1, errors.size(), "one ERROR for the failure: " + errors);
                assertEquals(AssertionError.class.getName(), errors.get(0).getThrowableProxy().getClassName());
            } finally {
                r.stop(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void anIoErrorIsRetriedAndCaptureGoesOnOnceItHeals() throws Exception {
        Path db = dir.resolve("app.db");
        AtomicBoolean failing = new AtomicBoolean();
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            DatabaseReplicator r = startReplicating(db, s, new FaultyFileIo(i -> failing.get(), FaultyFileIo.Kind.EIO, false));
            try {
                long before = r.capturedTxid();
                failing.set(true);
                insert(s, 3);
                await(() -> r.lastCaptureError() != null && r.lastCaptureError().contains("Input/output error"),
                        "capture meeting the failing spool", r);
                Thread.sleep(300);
                assertNull(r.failure(), "an I/O error does not fail the database");
                failing.set(false);
                insert(s, 2);
                await(() -> r.lastCaptureError() == null && r.capturedTxid() > before
                        && r.shippedTxid() == r.capturedTxid(), "capture catching up after the I/O errors", r);
                assertNull(r.failure());
                assertEquals(DatabaseReplicator.Mode.RUNNING, r.mode());
                assertEquals(List.of(), errors(), "a retried failure is no ERROR");
            } finally {
                r.stop(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void anUncheckedStorageClientErrorIsRetriedAndTheReplicaCatchesUp() throws Exception {
        // The S3 backend translates the SDK's exceptions into IOExceptions; one that slipped through would still be a
        // failure of the store, not a bug in walship, and must not stop the replica for good.
        Path db = dir.resolve("app.db");
        AtomicInteger failingPuts = new AtomicInteger();
        ReplicaStorage storage = new SdkFailingStorage(new FileReplicaStorage(dir.resolve("replica")), failingPuts);
        try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = app.createStatement()) {
            DatabaseReplicator r = startReplicating(db, s, storage, FileIo.DEFAULT);
            try {
                long before = r.shippedTxid();
                failingPuts.set(2);
                insert(s, 3);
                // A replica that stopped for good ends the wait at once; the assertions below say why.
                await(() -> r.failure() != null || failingPuts.get() == 0 && r.shippedTxid() == r.capturedTxid()
                        && r.shippedTxid() > before, "the replica catching up after two failed uploads", r);
                assertNull(r.failure());
                assertNull(r.replicas().get(0).failure(), "the replica goes on");
            } finally {
                r.stop(Duration.ofSeconds(10));
            }
        }
    }

    /** Starts replicating {@code db} to a folder replica and waits until its first snapshot is there. */
    private DatabaseReplicator startReplicating(Path db, Statement s, FileIo io) throws Exception {
        return startReplicating(db, s, new FileReplicaStorage(dir.resolve("replica")), io);
    }

    private DatabaseReplicator startReplicating(Path db, Statement s, ReplicaStorage storage, FileIo io) throws Exception {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        insert(s, 5);
        DatabaseReplicator r = new DatabaseReplicator(db, storage,
                ReplicationSettings.defaults().withSyncInterval(Duration.ZERO).withMonitorInterval(Duration.ofMillis(50)),
                Clock.systemUTC());
        r.fileIo(io);
        r.start();
        await(() -> r.capturedTxid() > 0 && r.shippedTxid() == r.capturedTxid(), "the first snapshot shipped", r);
        return r;
    }

    /**
     * A folder replica whose uploads throw the AWS SDK's unchecked client exception (as an unreachable endpoint does)
     * while {@code failingPuts} is above zero, counting it down with each one.
     */
    private static final class SdkFailingStorage extends ForwardingStorage {
        private final AtomicInteger failingPuts;

        SdkFailingStorage(ReplicaStorage inner, AtomicInteger failingPuts) {
            super(inner);
            this.failingPuts = failingPuts;
        }

        @Override
        public void put(String key, Path source) throws IOException {
            if (failingPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw SdkClientException.create("Unable to execute HTTP request: injected for " + key);
            }
            delegate.put(key, source);
        }
    }

    private List<ILoggingEvent> errors() {
        synchronized (logged) {
            return logged.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        }
    }

    private static void insert(Statement s, int n) throws SQLException {
        for (int i = 0; i < n; i++) {
            s.execute("INSERT INTO t(v) VALUES (hex(randomblob(200)))");
        }
    }
}
