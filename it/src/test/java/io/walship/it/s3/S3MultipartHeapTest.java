package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import io.walship.it.WalshipProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 40 MiB database (incompressible blobs) replicated by the real jar with a 64 MiB heap and a 5 MiB part size: the
 * snapshot goes up as a multipart upload whose parts stream from the spool file, a 12 MiB transaction's segment too,
 * the daemon does not run out of memory, and a restore with the same small heap is exact.
 */
class S3MultipartHeapTest extends S3ScenarioSupport {
    static final long PART = 5L << 20;
    static final List<String> SMALL_HEAP = List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError");

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aSnapshotLargerThanThePartSizeGoesUpInPartsWithin64MiBOfHeap() throws Exception {
        writer("big").seed(61).txs(10).sleep(0).at(3, "bigtx:40").start().awaitSuccess(Duration.ofSeconds(90));
        long dbSize = Files.size(db);
        assertTrue(dbSize > 40L << 20, "the database is over 40 MiB: " + dbSize);
        step("database is " + dbSize + " bytes");

        WalshipProcess d = startJarDaemon(url("part-size=5MiB", "concurrency=4"), SMALL_HEAP);
        waitForTxid(1, Duration.ofSeconds(60), d::assertAlive);
        S3ReplicaView.Obj snapshot = view().objects().stream().filter(S3ReplicaView.Obj::snapshot).findFirst().orElseThrow();
        step("snapshot " + snapshot);
        assertTrue(snapshot.size() > PART, "the snapshot object is larger than the part size: " + snapshot);
        assertTrue(snapshot.size() > 40L << 20, "random blobs do not compress: " + snapshot);
        long parts = (snapshot.size() + PART - 1) / PART;
        assertTrue(snapshot.etag().replace("\"", "").endsWith("-" + parts),
                "the snapshot's ETag says it was uploaded in " + parts + " parts: " + snapshot.etag());

        // A 12 MiB transaction while the daemon runs: its segment is a multipart upload too.
        writer("more").seed(62).txs(30).sleep(0.005).at(20, "bigtx:12").start().awaitSuccess(Duration.ofSeconds(60));
        awaitSynced(Duration.ofSeconds(60), d::assertAlive);
        assertEquals(0, d.stop(), "SIGTERM exits 0\n" + Logs.tail(daemonLog, 40));
        List<String> log = d.ownLogLines().stream().filter(l -> !l.startsWith("==== [test harness")).toList();
        assertTrue(log.stream().noneMatch(l -> l.contains("OutOfMemoryError")), "no OutOfMemoryError\n" + Logs.tail(daemonLog, 40));
        List<S3ReplicaView.Obj> objects = view().objects();
        assertTrue(objects.stream().anyMatch(o -> !o.snapshot() && o.size() > PART && o.etag().replace("\"", "").matches(".*-[0-9]+")),
                "the 12 MiB transaction's segment went up in parts: " + objects);
        assertEquals(List.of(), S3ReplicaView.continuityProblems(objects));

        // Restore with the same small heap.
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        Map.Entry<Long, String> fin = digests.lastEntry();
        Path out = work.resolve("restored.db");
        Walship.Result r = Walship.run(S3ProxyServer.env(), SMALL_HEAP, Duration.ofSeconds(90), List.of("restore", "-o", out.toString(), url()));
        assertEquals(0, r.exitCode(), r.describe());
        Restored restored = RestoreCheck.inspect(-1, out, r.took().toMillis());
        assertEquals("ok", restored.integrity(), restored.toString());
        assertEquals(fin.getKey(), restored.i());
        assertEquals(fin.getValue(), restored.digest(), "the restored database is the app's final state");
        step("restored " + restored.fileSize() + " bytes with -Xmx64m in " + r.took().toMillis() + " ms");
        restoreCheck().randomTxids(6).viaJar(0).namedViaJar(false).run();
    }
}
