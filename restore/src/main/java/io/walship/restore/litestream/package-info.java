/**
 * Restore from a replica Litestream 0.3 wrote, so that a user can move from Litestream to walship without losing the
 * history already in the bucket or folder. It reads through {@link io.walship.replica.ReplicaStorage}, so a folder
 * and S3 are the same to it, and it only reads: walship never writes this layout.
 *
 * <p>The pieces, in the order a restore uses them:
 * <ul>
 *   <li>{@link io.walship.restore.litestream.ReplicaLayout} tells a walship replica from a Litestream 0.3 one (and
 *       from a Litestream 0.5 LTX one, which is reported, not read); walship's own objects always win.</li>
 *   <li>{@link io.walship.restore.litestream.LitestreamReplica} lists the replica once and groups its
 *       {@link io.walship.restore.litestream.LitestreamObject}s, named as {@link io.walship.restore.litestream.LitestreamKeys}
 *       describes, into {@link io.walship.restore.litestream.Generation}s; {@code walship ls} shows them.</li>
 *   <li>{@link io.walship.restore.litestream.LitestreamPlanner} chooses the generation, the snapshot and the WAL
 *       segments the way Litestream's own restore does, into a {@link io.walship.restore.litestream.LitestreamPlan},
 *       or a {@link io.walship.restore.RestoreException} naming why the point cannot be restored.</li>
 *   <li>{@link io.walship.restore.litestream.LitestreamRestorer} copies the snapshot into walship's
 *       {@link io.walship.restore.StagedDatabase}, applies each WAL index with
 *       {@link io.walship.restore.litestream.WalIndexApplier} (every object read as one checked LZ4 frame by
 *       {@link io.walship.restore.litestream.Lz4ObjectStream}, every frame checked as {@link
 *       io.walship.restore.litestream.WalFormat} describes), and ends like every walship restore: integrity check,
 *       then an atomic rename ({@link io.walship.restore.Restorer#verifyAndPublish}).</li>
 * </ul>
 * As with walship's own replicas, a restore never produces a silently shorter history: a corrupt or missing object
 * is an error naming it, a hole in the WAL is a gap, and the output path is left as it was. Litestream replicas have
 * no transaction ids, so a restore targets the latest state or a time, which is the time the storage stored each
 * object, as in Litestream.
 */
package io.walship.restore.litestream;
