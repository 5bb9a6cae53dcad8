/**
 * Continuous replication of SQLite databases: every committed transaction is copied from the WAL into a local spool,
 * and from there to each replica.
 *
 * <p>The pieces, in the order a transaction passes them:
 * <ul>
 *   <li>{@link io.walship.replicator.Daemon} holds every database one walship process replicates; each is a
 *       {@link io.walship.replicator.DatabaseReplicator}, and one that fails does not stop the others.</li>
 *   <li><b>One capture thread per database</b> ({@code capture-<db>}), the
 *       {@link io.walship.replicator.DatabaseReplicator}'s loop. It opens the database through
 *       {@link io.walship.replicator.DatabaseFile} and {@link io.walship.replicator.SqliteSession} (which holds the
 *       read transaction that pins the WAL), waits for changes with {@link io.walship.replicator.WalWatcher}, and has a
 *       {@link io.walship.replicator.Capturer} copy each committed transaction (up to the wal-index's committed count,
 *       {@link io.walship.replicator.wal}) into the spool. When continuity with what was captured before cannot be
 *       proven (a {@link io.walship.replicator.Discontinuity}), the capturer starts a new chain with a snapshot
 *       written by {@link io.walship.replicator.SnapshotTaker}. The capture thread also runs walship's checkpoints and
 *       keeps the spool within its size limit.</li>
 *   <li>{@link io.walship.replicator.spool.Spool}, the crash-safe folder beside the database: capture appends and
 *       fsyncs, and a record becomes visible to readers only once it is durable, so the WAL may be checkpointed past it
 *       and a slow or absent replica never blocks the app. A spool file is deleted once every working replica holds
 *       it.</li>
 *   <li><b>One shipping thread per replica</b> ({@code ship-<db>-<replica>}), a
 *       {@link io.walship.replicator.Shipper}: it learns where the replica stands from its listing, checks that no
 *       other writer or history owns the path ({@link io.walship.replicator.ForeignWriterCheck}), reads the spool
 *       through its own {@link io.walship.replicator.spool.SpoolReader}, collects transactions into a
 *       {@link io.walship.replicator.SegmentBatch}, writes each batch as a segment file into its
 *       {@link io.walship.replicator.Outbox}, and uploads it (snapshots as they come) under the replica's writer
 *       {@link io.walship.replicator.ReplicaLease} once {@link io.walship.replicator.UploadContinuity} confirmed that
 *       it continues the replica, retrying with {@link io.walship.replicator.Backoff};
 *       {@link io.walship.replicator.Retention} deletes what no restore within the retention window needs, when its
 *       {@link io.walship.replicator.RetentionSchedule} says a check is due. Beside it, on a thread of its own ({@code compact-<db>-<replica>}), the replica's
 *       {@link io.walship.replicator.Compactor} merges shipped segments into larger ones
 *       ({@link io.walship.replicator.CompactionPlan}, {@link io.walship.replicator.SegmentMerger}), sharing the lease
 *       and the storage with the shipper.</li>
 * </ul>
 *
 * <p><b>What the threads share.</b> The spool is the only object through which transactions pass from one thread to
 * another: capture never waits for a replica, and replicas never wait for each other. Besides it, threads share only
 * published values and signals: each shipper's position (read after every upload, to release what every working
 * replica holds, and by the metrics), a request for a snapshot that a shipper raises when the spool no longer holds
 * what its replica lacks (capture takes it), the {@link io.walship.replicator.CaptureTimeline} of capture times, the
 * database's mode (running, stopping, failed), and the
 * {@link io.walship.replicator.ReplicationEvents} every thread reports to, which
 * {@link io.walship.replicator.metrics} turns into metrics and the status document read from the
 * {@link io.walship.replicator.Daemon} on the HTTP server's threads.
 *
 * <p><b>What is retried and what stops.</b> Failures the world causes (I/O, SQLite, the storage client) are retried
 * with backoff; anything else is a bug ({@link io.walship.replicator.Failures}) and stops its part for good with one
 * ERROR and the stack trace: the database for a capture thread, the replica for a shipping thread, compaction for a
 * compactor. A damaged spool stops the database; another writer or history on a replica's path stops that replica.
 *
 * <p>At a stop, the capture thread captures once more and records a rest point
 * ({@link io.walship.replicator.spool.RestPoint}) so that the next start can prove nothing changed meanwhile; then
 * each shipper drains what the spool holds within the final-sync budget, on a thread of its own, and whatever it
 * could not ship stays in the spool for the next start.
 *
 * <p>Beside the loop: {@link io.walship.replicator.ReplicaTarget} configures one replica (pacing, snapshots,
 * retention, compaction), {@link io.walship.replicator.LineagePolicy} decides what a fresh spool does with a replica
 * path that already holds a history, and {@link io.walship.replicator.AppProcess} runs the app under {@code -exec}.
 */
package io.walship.replicator;
