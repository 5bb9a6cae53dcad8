package io.walship.it.s3;

import io.walship.it.Digest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** One scenario's replica: how walship names it, what is in it, and the restore oracle that checks it. */
interface ScenarioReplica {
    /** The replica URL the daemon and the restore command are given. */
    String url();

    /** The environment walship needs to reach the replica (the S3 credentials; empty for a folder). */
    Map<String, String> env();

    /** The walship object keys in the replica, relative to it. */
    List<String> keys();

    /** The highest txid any object holds; 0 while the replica is empty. */
    long latestTxid();

    /** A line on what is in the replica, for progress lines and failure messages. */
    String summary();

    /**
     * The restore oracle: restores the replica at its latest state and at random txids, compares each result with the
     * writer's digests in {@code digestFile}, and fails the test on any difference. Returns the writer's final state.
     */
    Digest.State checkRestores(Path digestFile, Path workDir, Supplier<String> diagnostics) throws Exception;
}
