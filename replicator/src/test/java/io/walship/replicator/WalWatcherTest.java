package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture loop's wake-ups: other files in the database's folder (an app's log written non-stop) do not wake it, so
 * an idle walship does not spin; a change to the WAL does.
 */
class WalWatcherTest {
    @TempDir
    Path dir;

    @Test
    void otherFilesInTheFolderDoNotEndTheWaitButTheWalDoes() throws Exception {
        Path db = Files.writeString(dir.resolve("app.db"), "db");
        Path wal = Files.writeString(dir.resolve("app.db-wal"), "");
        Path chatty = dir.resolve("app.log");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread logger = new Thread(() -> {
            while (writing.get()) {
                try {
                    Files.writeString(chatty, "line\n", java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                    Thread.sleep(1);
                } catch (Exception e) {
                    return;
                }
            }
        });
        try (WalWatcher watcher = new WalWatcher(db)) {
            logger.start();
            long t0 = System.nanoTime();
            assertFalse(watcher.await(Duration.ofMillis(400)));
            long waited = (System.nanoTime() - t0) / 1_000_000;
            // A lower bound only: the wait lasted its whole timeout although the log changed every millisecond.
            assertTrue(waited >= 390, "the wait ended after " + waited + " ms");
            writing.set(false);
            logger.join();

            Thread walWriter = new Thread(() -> {
                try {
                    Thread.sleep(100);
                    Files.writeString(wal, "frames");
                } catch (Exception e) {
                    // The assertion below fails then.
                }
            });
            walWriter.start();
            t0 = System.nanoTime();
            assertFalse(watcher.await(Duration.ofSeconds(30)), "the WAL changed, not the database file");
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 30_000, "a WAL change ends the wait");
            walWriter.join();
            // One write makes several events (truncate, write); let the rest of them go.
            watcher.await(Duration.ofMillis(200));

            Thread dbWriter = new Thread(() -> {
                try {
                    Thread.sleep(100);
                    Files.writeString(db, "checkpointed pages");
                } catch (Exception e) {
                    // The assertion below fails then.
                }
            });
            dbWriter.start();
            assertTrue(watcher.await(Duration.ofSeconds(30)), "a change to the database file is reported");
            dbWriter.join();
        }
    }
}
