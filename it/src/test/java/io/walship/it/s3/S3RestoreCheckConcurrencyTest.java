package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walship.it.Digest;
import io.walship.it.RestoreCheck.Restored;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.DatabaseHistory;
import io.walship.restore.RestoreTarget;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link S3RestoreCheck} runs three restores in this JVM at once. Each must finish even when every segment decodes to
 * more than a restore reads ahead per object: a segment's download then waits, holding its connection, until its
 * restore applies it. Through one shared storage (one pool of 8 connections) the three restores filled the pool with
 * such downloads while each waited for an object that had no connection yet; the SDK gave up on the connection after
 * 6 x 10 s, and S3OutageTest failed after a 60 s stall.
 */
@Timeout(180)
class S3RestoreCheckConcurrencyTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    /** Objects a restore reads ahead at the default connection pool of 8: the snapshot and seven segments. */
    private static final int SEGMENTS = 7;
    /** More than the 8 MiB a restore reads ahead per object (64 MiB over 8 objects), and compressible, so small on the wire. */
    private static final int BLOB_BYTES = 9_000_000;

    @TempDir
    Path tmp;

    @Test
    void threeRestoresAtOnceEachFinishWithTheLatestState() throws Exception {
        String url = S3.url(S3.bucket(), "prod/app.db");
        String expected;
        long pages;
        try (DatabaseHistory h = new DatabaseHistory(tmp.resolve("app.db"), DatabaseHistory.PAGE_SIZE, true);
             ReplicaStorage storage = S3Urls.open(url, S3ProxyServer.env())) {
            h.commit("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)", "INSERT INTO blobs (id, b) VALUES (1, x'00')");
            h.writeSnapshot(storage, 1);
            for (int i = 1; i <= SEGMENTS; i++) {
                // A new content for every page of the blob, so that each transaction's pages make a segment of ~9 MB.
                long txid = h.commit("UPDATE blobs SET b = CAST(replace(hex(zeroblob(" + BLOB_BYTES / 2 + ")), '0', '" + i
                        + "') AS BLOB)");
                h.writeSegment(storage, txid, txid);
            }
            pages = h.stateAt(h.latestTxid()).length / DatabaseHistory.PAGE_SIZE;
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("app.db"))) {
                expected = Digest.read(c).digest();
            }
        }

        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Restored>> restores = new ArrayList<>();
        try {
            for (int r = 0; r < 3; r++) {
                Path out = tmp.resolve("restore-" + r + ".db");
                restores.add(pool.submit(() -> S3RestoreCheck.restoreInProcess(url, S3ProxyServer.env(), RestoreTarget.latest(), -1, out)));
            }
            for (Future<Restored> f : restores) {
                Restored r = f.get();
                assertEquals(null, r.error(), "the restore finished");
                assertEquals("ok", r.integrity());
                assertEquals(pages, r.pageCount());
                assertEquals(expected, r.digest(), "the restore holds the latest state");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
