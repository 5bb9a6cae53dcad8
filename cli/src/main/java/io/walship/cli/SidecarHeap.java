package io.walship.cli;

import io.walship.config.DatabaseConfig;
import io.walship.config.ReplicaConfig;
import io.walship.config.S3Location;
import io.walship.config.WalshipConfig;

/**
 * The heap a {@code replicate} daemon is given by default ({@code bin/walship} asks with the hidden option
 * {@code replicate --print-heap}, unless {@code WALSHIP_JAVA_OPTS} sets one): {@link #BASE_MIB} for walship itself, plus
 * for every S3 replica room for part size times (concurrency + 1) bytes of parts in memory. Today parts are read from
 * the outbox file as they are sent, so this is a cap rather than a need; a file replica adds nothing.
 */
final class SidecarHeap {
    /** Walship's own needs: capture, the spool, the HTTP client, metrics; measured at about 25 MiB live after a bulk. */
    static final long BASE_MIB = 64;

    private SidecarHeap() {
    }

    /** The maximum heap, in MiB, for replicating {@code config}. */
    static long mebibytes(WalshipConfig config) {
        long bytes = BASE_MIB << 20;
        for (DatabaseConfig db : config.dbs()) {
            for (ReplicaConfig r : db.replicas()) {
                if (r.location() instanceof S3Location s3) {
                    bytes += s3.partSize().bytes() * (s3.concurrency() + 1L);
                }
            }
        }
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
