package io.walship.replicator;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the capture loop within milliseconds of a change to the database's folder (inotify on Linux), with a
 * polling fallback: when no event arrives, or the platform has no native watch, it returns after the monitor
 * interval anyway.
 */
final class WalWatcher implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(WalWatcher.class);

    private final WatchService service;
    private final Path dbName;
    private final Path walName;

    WalWatcher(Path dbPath) {
        this.dbName = dbPath.getFileName();
        this.walName = Path.of(dbPath.getFileName() + "-wal");
        WatchService ws = null;
        try {
            ws = FileSystems.getDefault().newWatchService();
            Path dir = dbPath.toAbsolutePath().getParent();
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | UnsupportedOperationException e) {
            log.info("no file-system watch for {} ({}); polling only", dbPath, e.toString());
            if (ws != null) {
                try {
                    ws.close();
                } catch (IOException ignored) {
                    // Nothing to release beyond what close attempted.
                }
            }
            ws = null;
        }
        this.service = ws;
    }

    /**
     * Waits until the database or its WAL changes, or {@code timeout} passes. Returns true when the database file itself
     * changed: a checkpoint is copying pages into it, and the moment it finishes (which no file event shows, since
     * SQLite records it in shared memory) matters to walship's pin. Changes to other files in the folder (the app's
     * logs, other databases) do not end the wait: they would make an idle walship spin as fast as they are written.
     */
    boolean await(Duration timeout) throws InterruptedException {
        if (service == null) {
            Thread.sleep(timeout.toMillis());
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            WatchKey key = service.poll(left, TimeUnit.NANOSECONDS);
            boolean walChanged = false;
            boolean databaseChanged = false;
            while (key != null) {
                for (WatchEvent<?> e : key.pollEvents()) {
                    Object name = e.context();
                    databaseChanged |= dbName.equals(name);
                    walChanged |= walName.equals(name);
                    // An overflow means events were lost: look, to be safe.
                    walChanged |= e.kind() == StandardWatchEventKinds.OVERFLOW;
                }
                key.reset();
                key = service.poll();
            }
            if (databaseChanged || walChanged) {
                return databaseChanged;
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (service != null) {
            service.close();
        }
    }
}
