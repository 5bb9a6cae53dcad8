package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap the launcher gives a replicate daemon follows the configuration: a base for walship itself, plus the part
 * buffers of every S3 replica (part size times concurrency + 1); a file replica adds nothing.
 */
class SidecarHeapTest {
    @TempDir
    Path dir;

    @Test
    void theHeapGrowsWithEachS3ReplicasPartSizeAndConcurrency() throws Exception {
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, """
                dbs:
                  - path: %1$s/a.db
                    replicas:
                      - url: s3://bucket-a/a?endpoint=http://127.0.0.1:1&part-size=8MiB&concurrency=2
                      - url: file://%1$s/replica-a
                  - path: %1$s/b.db
                    replicas:
                      - type: s3
                        bucket: bucket-b
                        endpoint: http://127.0.0.1:1
                """.formatted(dir));
        CliRun run = CliRun.of("replicate", "-config", config.toString(), "--print-heap").succeeds();
        // 64 MiB, plus 8 MiB x 3 for the first S3 replica, plus the defaults 16 MiB x 5 for the second.
        assertEquals("-Xmx" + (64 + 8 * 3 + 16 * 5) + "m", run.out().strip());
    }

    @Test
    void aDatabaseWithOnlyAFileReplicaNeedsTheBaseOnly() {
        CliRun run = CliRun.of("replicate", dir.resolve("c.db").toString(), "file://" + dir.resolve("replica"), "--print-heap")
                .succeeds();
        assertEquals("-Xmx" + SidecarHeap.BASE_MIB + "m", run.out().strip());
    }
}
