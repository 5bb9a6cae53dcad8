package io.walship.replicator;

import io.walship.config.ReplicationSettings;
import io.walship.replica.ObjectExistsException;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.spool.Spool;
import io.walship.replicator.spool.SpoolCorruptException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates one database to one replica with two threads: capture (WAL to spool) and shipping (spool to replica).
 * Either can fail and retry without stopping the other; a slow replica only grows the spool.
 *
 * <p>Capture failures (the app holding a lock past the busy timeout, a vanished file) are retried with backoff after
 * reopening the database. Two failures stop this database for good, each with one ERROR line: a damaged spool
 * (its history cannot be trusted) and an object already present in the replica with other bytes (another writer
 * owns the path).
 */
public final class DatabaseReplicator {
    private static final Logger log = LoggerFactory.getLogger(DatabaseReplicator.class);

    private final Path dbPath;
    private final ReplicaStorage storage;
    private final ReplicationSettings settings;
    private final Clock clock;
    private final Path spoolDir;
    private final AtomicBoolean snapshotRequested = new AtomicBoolean();
    private final Object lifecycle = new Object();
    private volatile boolean stopping;
    private volatile String failure;
    private volatile long capturedTxid;
    private Thread captureThread;
    private Thread shipThread;
    private Spool spool;
    private Shipper shipper;

    public DatabaseReplicator(Path dbPath, ReplicaStorage storage, ReplicationSettings settings, Clock clock) {
        this.dbPath = dbPath.toAbsolutePath().normalize();
        this.storage = storage;
        this.settings = settings;
        this.clock = clock;
        this.spoolDir = defaultSpoolDir(this.dbPath);
    }

    /** The spool folder beside the database: {@code .NAME-walship/}. */
    public static Path defaultSpoolDir(Path dbPath) {
        Path abs = dbPath.toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + "-walship");
    }

    public Path database() {
        return dbPath;
    }

    /** The highest txid captured into the spool. */
    public long capturedTxid() {
        return capturedTxid;
    }

    /** The highest txid the replica holds, as far as this daemon knows. */
    public long shippedTxid() {
        Shipper s = shipper;
        return s == null ? 0 : s.shippedTxid();
    }

    /** Why this database stopped for good, or null while it runs. */
    public String failure() {
        return failure;
    }

    /** Starts replicating in the background; returns at once. */
    public void start() {
        captureThread = new Thread(this::captureLoop, "capture-" + dbPath.getFileName());
        captureThread.start();
    }

    /**
     * Stops capturing, ships what the spool holds (each upload tried once, within {@code finalSync}), and stops.
     * Whatever is not shipped stays in the spool for the next start.
     */
    public void stop(Duration finalSync) throws InterruptedException {
        stopping = true;
        Thread c = captureThread;
        if (c != null) {
            c.interrupt();
            c.join(10_000);
        }
        Shipper s;
        Thread t;
        synchronized (lifecycle) {
            s = shipper;
            t = shipThread;
        }
        if (s != null) {
            s.stop();
            if (t != null) {
                t.interrupt();
                t.join(10_000);
            }
            if (failure == null) {
                Thread drain = new Thread(() -> {
                    try {
                        s.drain();
                        log.info("{}: final sync done, replica at txid {}", dbPath, s.shippedTxid());
                    } catch (IOException e) {
                        log.warn("{}: final sync incomplete ({}); the spool keeps the rest for the next start", dbPath, e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "final-sync-" + dbPath.getFileName());
                drain.start();
                drain.join(finalSync.toMillis());
                if (drain.isAlive()) {
                    log.warn("{}: final sync did not finish within {}; the spool keeps the rest for the next start", dbPath, finalSync);
                    drain.interrupt();
                    drain.join(5_000);
                }
            }
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing the spool reader failed", e);
            }
        }
        synchronized (lifecycle) {
            if (spool != null) {
                try {
                    spool.close();
                } catch (IOException e) {
                    log.debug("closing the spool failed", e);
                }
            }
        }
    }

    private void captureLoop() {
        long backoff = 500;
        String reopenReason = null;
        boolean announcedWait = false;
        while (!stopping) {
            if (!DatabaseFile.isReady(dbPath)) {
                if (!announcedWait) {
                    log.info("waiting for database {} to appear", dbPath);
                    announcedWait = true;
                }
                sleep(settings.monitorInterval());
                continue;
            }
            try (DatabaseFile db = DatabaseFile.open(dbPath);
                 SqliteSession session = SqliteSession.open(dbPath, settings.busyTimeout());
                 WalWatcher watcher = new WalWatcher(dbPath)) {
                if (session.ensureWalMode()) {
                    log.info("{} was not in WAL mode; switched it to WAL so that walship can follow its transactions", dbPath);
                }
                ensureShipping();
                Capturer capturer = new Capturer(dbPath, db, session, spool, settings, clock);
                capturer.start(shipper.shippedTxid(), reopenReason);
                reopenReason = null;
                backoff = 500;
                capturedTxid = capturer.lastTxid();
                while (!stopping) {
                    if (snapshotRequested.getAndSet(false)) {
                        capturer.snapshotCurrent();
                    }
                    capturer.poll();
                    capturer.maybeCheckpoint();
                    capturedTxid = capturer.lastTxid();
                    watcher.await(settings.monitorInterval());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Capturer.DatabaseReplacedException e) {
                reopenReason = "the database file was replaced (" + e.getMessage() + ")";
                log.warn("{}: {}; reopening", dbPath, reopenReason);
            } catch (SpoolCorruptException e) {
                fail(e.getMessage());
                return;
            } catch (IOException | SQLException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.warn("{}: capture failed: {}; retrying in {} ms", dbPath, e.toString(), backoff);
                log.debug("capture failure", e);
                sleep(Duration.ofMillis(backoff));
                backoff = Math.min(backoff * 2, 30_000);
            }
        }
    }

    /** Opens the spool and starts the shipping thread once; both outlive reopenings of the database. */
    private void ensureShipping() throws IOException, InterruptedException {
        synchronized (lifecycle) {
            if (shipper != null) {
                return;
            }
            spool = Spool.open(spoolDir, settings.spoolSegmentSize().bytes());
            Shipper s = new Shipper(dbPath.getFileName().toString(), spool, storage, spoolDir.resolve("outbox"), settings, clock,
                    () -> snapshotRequested.set(true));
            s.init();
            shipper = s;
            shipThread = new Thread(this::shipLoop, "ship-" + dbPath.getFileName());
            shipThread.start();
        }
    }

    private void shipLoop() {
        long backoff = 1000;
        while (!stopping) {
            try {
                shipper.run();
            } catch (InterruptedException e) {
                return;
            } catch (ObjectExistsException e) {
                fail("replica " + storage.describe() + ": " + e.getMessage() + "; stopping replication of this database");
                return;
            } catch (SpoolCorruptException e) {
                fail(e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.warn("{}: shipping failed: {}; retrying in {} ms", dbPath, e.toString(), backoff);
                sleep(Duration.ofMillis(backoff));
                backoff = Math.min(backoff * 2, 30_000);
            }
        }
    }

    private void fail(String message) {
        failure = message;
        log.error("{}: {}", dbPath, message);
        stopping = true;
        Thread c = captureThread;
        if (c != null && c != Thread.currentThread()) {
            c.interrupt();
        }
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
