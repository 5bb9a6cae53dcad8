package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.walship.replica.FileReplicaStorage;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;

/**
 * The history of the writer tests of WAL restarts: the app's commit {@code k} inserts exactly the row
 * {@code (k, payload(k))} into {@code t(id INTEGER PRIMARY KEY, p BLOB)}, so the database after commit {@code k} holds
 * exactly rows 1..k, which a restore at the txid of that commit must give back.
 */
final class CommittedRows {
    private final int rowBytes;

    CommittedRows(int rowBytes) {
        this.rowBytes = rowBytes;
    }

    /** The payload of row {@code k}: the text "k-" repeated and cut to the row size. */
    byte[] payload(long k) {
        return (k + "-").repeat(rowBytes / 2 + 1).substring(0, rowBytes).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Restores the replica at {@code points + 1} txids spread evenly over the app's {@code rows} commits (txid
     * {@code base} is the state before the first) and checks each: integrity_check ok and exactly the committed rows.
     */
    void assertRestoresSpread(Path replicaDir, Path scratch, long base, long rows, int points) throws Exception {
        try (FileReplicaStorage storage = new FileReplicaStorage(replicaDir)) {
            for (int i = 0; i <= points; i++) {
                long k = i * rows / points;
                Path out = scratch.resolve("restores").resolve(k + ".db");
                Files.createDirectories(out.getParent());
                new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out)
                        .withTarget(new RestoreTarget.AtTxid(base + k)));
                assertRows(out, k);
                Files.delete(out);
            }
        }
    }

    private void assertRows(Path restored, long k) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + restored); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
            long count = 0;
            try (ResultSet rs = s.executeQuery("SELECT id, p FROM t ORDER BY id")) {
                while (rs.next()) {
                    count++;
                    assertEquals(count, rs.getLong(1), "row ids 1.." + k + " without a hole");
                    assertArrayEquals(payload(count), rs.getBytes(2), "row " + count + "'s payload");
                }
            }
            assertEquals(k, count, "rows at the txid of the app's commit " + k);
        }
    }
}
