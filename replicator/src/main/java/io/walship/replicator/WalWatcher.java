package io.walship.replicator;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
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
 * Wakes the capture loop within milliseconds of a change to the database or its WAL (inotify on Linux), with a
 * polling fallback: when no event arrives, or the platform has no native watch, it returns after the given timeout
 * anyway. {@link #wake()} ends a wait early (a replica asks for a snapshot, walship stops).
 *
 * <p>Shared across threads: the capture thread waits, any thread may wake it, and a watch thread (blocked in the watch
 * service while nothing changes, so it costs no CPU) hands events over.
 */
final class WalWatcher implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(WalWatcher.class);

    private final WatchService service;
    private final Path dbName;
    private final Path walName;
    private final Thread thread;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: something changed, the database file among it, a wake was asked for. */
    private boolean changed;
    private boolean databaseChanged;
    private boolean woken;

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
        if (ws != null) {
            thread = new Thread(this::watch, "watch-" + dbName);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** Whether file-system events wake the waits (otherwise every wait runs to its timeout). */
    boolean hasEvents() {
        return service != null;
    }

    /**
     * Hands over changes to the database and its WAL. Changes to other files in the folder (the app's logs, other
     * databases) are dropped here: they would make an idle walship spin as fast as they are written.
     */
    private void watch() {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean db = false;
                boolean wal = false;
                for (WatchEvent<?> e : key.pollEvents()) {
                    Object name = e.context();
                    db |= dbName.equals(name);
                    wal |= walName.equals(name);
                    // An overflow means events were lost: look, to be safe.
                    wal |= e.kind() == StandardWatchEventKinds.OVERFLOW;
                }
                key.reset();
                if (db || wal) {
                    synchronized (lock) {
                        changed = true;
                        databaseChanged |= db;
                        lock.notifyAll();
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // Closed: the capture loop is done with this watcher.
        }
    }

    /**
     * Waits until the database or its WAL changes, {@link #wake()} is called, or {@code timeout} passes. Returns true
     * when the database file itself changed: a checkpoint is copying pages into it, and the moment it finishes (which no
     * file event shows, since SQLite records it in shared memory) matters to walship's pin.
     */
    boolean await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!changed && !woken) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            boolean db = databaseChanged;
            changed = false;
            databaseChanged = false;
            woken = false;
            return db;
        }
    }

    /** Ends the current or the next {@link #await} at once. */
    void wake() {
        synchronized (lock) {
            woken = true;
            lock.notifyAll();
        }
    }

    @Override
    public void close() throws IOException {
        if (service != null) {
            service.close();
            thread.interrupt();
        }
    }
}
