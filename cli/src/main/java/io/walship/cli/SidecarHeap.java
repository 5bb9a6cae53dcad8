package io.walship.cli;

import io.walship.config.DatabaseConfig;
import io.walship.config.ReplicaConfig;
import io.walship.config.S3Location;
import io.walship.config.WalshipConfig;

/**
 * The heap a {@code replicate} daemon is given by default ({@code bin/walship} asks with the hidden option
 * {@code replicate --print-heap}, unless {@code WALSHIP_JAVA_OPTS} sets one): {@link #BASE_MIB} for walship itself, plus
 * for every S3 replica the part buffers of its streamed uploads, part size times (concurrency + 1): the parts in flight
 * and the one being filled. A file replica streams into a file and needs none. With a smaller heap walship still runs:
 * it sends fewer parts at once (and logs it).
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
