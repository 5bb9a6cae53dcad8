package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ReplicationSettings;
import io.walship.it.Digest;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.RestoreCheck;
import io.walship.it.Walship;
import io.walship.it.WalshipProcess;
import io.walship.it.Writer;
import io.walship.replica.ObjectExistsException;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.DatabaseReplicator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replication and restore through a {@link FaultProxy} between walship and S3Proxy: random 500/503/429 answers,
 * connection resets (also after the server stored an object, so the retried create-only put meets its own object),
 * latency, and a download cut in the middle of an object.
 */
class S3FaultsTest extends S3ScenarioSupport {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void replicationUnderErrorsResetsAndLatencyCatchesUpAndRestoresAreExact() throws Exception {
        FaultProxy proxy = reap(FaultProxy.start(S3.port(), 20261126));
        proxy.errors(0.2).resets(0.12).latency(Duration.ofMillis(10));
        String faulty = S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX, "part-size=5MiB");
        ReplicationSettings settings = ReplicationSettings.defaults().withSyncInterval(Duration.ofMillis(100))
                .withMonitorInterval(Duration.ofMillis(50)).withCheckpointPages(300);
        DatabaseReplicator replicator;
        try (ReplicaStorage storage = S3Urls.open(faulty, S3ProxyServer.env())) {
            replicator = new DatabaseReplicator(db, storage, settings, Clock.systemUTC());
            Writer w = writer("writer").seed(41).txs(5000).sleep(0.01).maxOps(8).checkpointBusyTimeoutMs(300)
                    .every(80, "checkpoint:TRUNCATE").at(150, "bigtx:6").untilStopped().start();
            replicator.start();
            try {
                Runnable alive = () -> assertNull(replicator.failure(), "the replicator gave up: " + replicator.failure());
                // The app writes until the proxy has injected enough of every fault (bounded: 40 s).
                long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                while (!(Logs.lines(digestFile()).size() > 200 && proxy.errors() >= 6 && proxy.resetsBeforeRequest.get() >= 1
                        && proxy.resetsInResponse.get() >= 1 && proxy.resetsBeforeRequest.get() + proxy.resetsInResponse.get() >= 3)
                        && System.nanoTime() < deadline) {
                    alive.run();
                    assertTrue(w.isAlive(), "the writer died\n" + Logs.tail(w.log(), 20));
                    sleep(200);
                }
                w.requestStop();
                step("writer done: " + w.awaitSuccess(Duration.ofSeconds(30)));
                step("faults so far: " + proxy.stats());
                // The faults stay on until the replica has everything.
                awaitSynced(Duration.ofSeconds(60), alive);
            } finally {
                replicator.stop(Duration.ofSeconds(10));
            }
        }
        step("faults injected: " + proxy.stats());
        assertNull(replicator.failure());
        assertTrue(proxy.errors() >= 6, "the proxy answered errors: " + proxy.stats());
        assertTrue(proxy.resetsBeforeRequest.get() >= 1, "the proxy reset connections before requests: " + proxy.stats());
        assertTrue(proxy.resetsInResponse.get() >= 1, "the proxy reset connections in responses: " + proxy.stats());
        restoreCheck().viaJar(0).namedViaJar(false).run();
    }

    /**
     * The contract's "a put may be retried" over a real network: the server stores the object but the response is
     * lost. A single put's own retry then meets its own object (412 on the create-only put, same bytes: success); a
     * multipart put whose completion answer was lost may fail, but repeating it succeeds, and never as "another
     * writer's object".
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPutWhoseResponseWasLostIsRepeatedAndFindsItsOwnObject() throws Exception {
        FaultProxy proxy = reap(FaultProxy.start(S3.port(), 5));
        Random rnd = new Random(9);
        byte[] small = new byte[100_000];
        rnd.nextBytes(small);
        byte[] large = new byte[11 << 20];
        rnd.nextBytes(large);
        Path smallFile = Files.write(work.resolve("small"), small);
        Path largeFile = Files.write(work.resolve("large"), large);
        try (ReplicaStorage storage = S3Urls.open(S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX, "part-size=5MiB"),
                S3ProxyServer.env())) {
            storage.put("segments/0000000000000001-0000000000000001.segment", smallFile); // the create-only probe is done
            proxy.loseNextResponseTo("PUT ");
            storage.put("segments/0000000000000002-0000000000000002.segment", smallFile);
            assertEquals(1, proxy.lostResponses.get(), proxy.stats());
            assertTrue(Arrays.equals(small, S3.client().getObjectAsBytes(b -> b.bucket(bucket)
                    .key(PREFIX + "/segments/0000000000000002-0000000000000002.segment")).asByteArray()));

            // CompleteMultipartUpload is a POST ...?uploadId=...; the initiation is a POST ...?uploads.
            String key = "snapshots/0000000000000003.snapshot";
            proxy.loseNextResponseTo("POST /" + bucket + "/" + PREFIX + "/" + key + "?uploadId=");
            try {
                storage.put(key, largeFile);
                step("the multipart put whose completion answer was lost succeeded on the SDK's retry");
            } catch (ObjectExistsException e) {
                throw new AssertionError("a lost completion answer made the retry see 'another writer's object'", e);
            } catch (IOException e) {
                step("the multipart put whose completion answer was lost failed (" + e + "); repeating it");
                storage.put(key, largeFile);
            }
            assertEquals(2, proxy.lostResponses.get(), proxy.stats());
            byte[] stored = S3.client().getObjectAsBytes(b -> b.bucket(bucket).key(PREFIX + "/" + key)).asByteArray();
            assertTrue(Arrays.equals(large, stored), "the multipart object is the file's bytes");
        }
    }

    /**
     * A restore (the jar, and the Restorer in this JVM) whose download of the snapshot is cut mid-body finishes through
     * the storage's ranged GET that resumes where the cut left it, and the restored database is exact.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRestoreSurvivesADownloadCutMidObject() throws Exception {
        // A database with a 3 MiB incompressible blob, so the snapshot is a few MiB.
        writer("writer").seed(42).txs(40).sleep(0).at(5, "bigtx:3").start().awaitSuccess(Duration.ofSeconds(60));
        WalshipProcess d = startJarDaemon(url(), List.of("-Xmx256m"));
        awaitSynced(Duration.ofSeconds(30), d::assertAlive);
        assertEquals(0, d.stop());
        long snapshotSize = view().objects().stream().filter(S3ReplicaView.Obj::snapshot).mapToLong(S3ReplicaView.Obj::size).max()
                .orElseThrow();
        assertTrue(snapshotSize > 3_000_000, "snapshot size " + snapshotSize);
        TreeMap<Long, String> digests = Digest.readFile(digestFile());
        Map.Entry<Long, String> fin = digests.lastEntry();

        FaultProxy proxy = reap(FaultProxy.start(S3.port(), 3));
        String viaProxy = S3ProxyServer.url(proxy.endpoint(), bucket, PREFIX);

        // The jar.
        proxy.cutNextResponseAfter(1_000_000);
        Path out = work.resolve("restored-jar.db");
        Walship.Result r = Walship.run(S3ProxyServer.env(), Duration.ofSeconds(60), "restore", "-o", out.toString(), viaProxy);
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals(1, proxy.cuts.get(), "the download was cut once: " + proxy.stats() + "\n" + r.describe());
        assertTrue(r.stderr().contains("resuming with a ranged GET"), "the storage says it resumed:\n" + r.describe());
        assertTrue(proxy.ranges.stream().anyMatch(x -> x.matches("[1-9]\\d*-")), "a ranged GET from where the cut left it: "
                + proxy.ranges);
        Restored restored = RestoreCheck.inspect(-1, out, 0);
        assertEquals("ok", restored.integrity(), restored.toString());
        assertEquals(fin.getKey(), restored.i(), "the restore is the writer's final state");
        assertEquals(fin.getValue(), restored.digest());
        step("jar restore through a cut download: " + proxy.stats() + " ranges " + proxy.ranges);

        // The Restorer in this JVM, cut later in the object.
        int rangesBefore = proxy.ranges.size();
        proxy.cutNextResponseAfter(2_500_000);
        try (ReplicaStorage storage = S3Urls.open(viaProxy, S3ProxyServer.env())) {
            Restored inProcess = RestoreCheck.restoreInProcess(storage, null, work.resolve("restored-in-process.db"));
            assertEquals(null, inProcess.error(), inProcess.toString());
            assertEquals("ok", inProcess.integrity());
            assertEquals(fin.getKey(), inProcess.i());
            assertEquals(fin.getValue(), inProcess.digest());
        }
        assertEquals(2, proxy.cuts.get(), proxy.stats());
        assertTrue(proxy.ranges.subList(rangesBefore, proxy.ranges.size()).stream().anyMatch(x -> x.matches("[1-9]\\d*-")),
                "the in-process restore resumed with a ranged GET: " + proxy.ranges);
        step("in-process restore through a cut download: " + proxy.stats());
        assertTrue(Logs.lines(daemonLog).stream().noneMatch(l -> l.contains(S3ProxyServer.SECRET_KEY)));
    }
}
