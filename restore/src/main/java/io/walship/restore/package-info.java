/**
 * Point-in-time restore of a SQLite database from a walship replica.
 *
 * <p>The pieces, in the order a restore uses them:
 * <ul>
 *   <li>{@link io.walship.restore.ReplicaCatalog} lists the replica once and reads object headers on demand;
 *       {@code walship ls} shows its {@link io.walship.restore.ReplicaListing}.</li>
 *   <li>{@link io.walship.restore.RestorePlanner} turns a {@link io.walship.restore.RestoreTarget} into a
 *       {@link io.walship.restore.RestorePlan}: one snapshot and the contiguous chain of segments after it, or a
 *       {@link io.walship.restore.RestoreException} naming why that point cannot be restored.</li>
 *   <li>{@link io.walship.restore.Restorer} streams the plan's pages into a temporary file beside the output, verifies
 *       every object's checksums, checks the result with SQLite and only then renames it into place. A corrupt or
 *       missing snapshot makes it plan again from the next older snapshot.</li>
 * </ul>
 * Beside restores: {@link io.walship.restore.ReplicaVerifier} reads every object of a replica to its end and reports
 * the {@link io.walship.restore.RestorableHistory} (windows and gaps) of what verified ({@code walship verify});
 * {@link io.walship.restore.RestoreDrill} restores into a scratch folder and reports a typed
 * {@link io.walship.restore.DrillResult} ({@code walship verify --restore}, and the daemon's periodic drill).
 * A restore never produces a silently shorter history: a missing transaction, a corrupt object or a failed
 * integrity check is an error with a {@link io.walship.restore.RestoreException.Reason}, and the output path is left
 * as it was.
 *
 * <p>{@link io.walship.restore.litestream} restores replicas Litestream 0.3 wrote, ending the same way through
 * {@link io.walship.restore.StagedDatabase} and {@link io.walship.restore.Restorer#verifyAndPublish}.
 */
package io.walship.restore;
