package io.walship.replicator.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import io.walship.replicator.DatabaseReplicator;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The strict oracle for in-process capture tests: every txid of a replica restores to exactly the state the app had
 * after one of its transactions, integrity_check is ok, and consecutive txids are consecutive app transactions — no
 * transaction skipped, merged or invented — except where a snapshot starts a new chain.
 */
final class ExactHistory {
    /** The app's state as restored: its progress counter and the digest of its items table. */
    record State(long seq, String digest, boolean holds) {
    }

    private final ReplicaStorage storage;
    private final Path scratch;
    private final LongFunction<String> appDigest;
    private String forbidden;

    /**
     * @param appDigest the digest the app reported after its transaction {@code seq}, null if it never reported one
     */
    ExactHistory(ReplicaStorage storage, Path scratch, LongFunction<String> appDigest) {
        this.storage = storage;
        this.scratch = scratch;
        this.appDigest = appDigest;
    }

    /** A string that no restored items value may contain (a value the app never committed). */
    ExactHistory forbidding(String text) {
        this.forbidden = text;
        return this;
    }

    List<Long> snapshotTxids() throws Exception {
        return storage.list(ObjectKeys.SNAPSHOTS).stream().map(i -> ObjectKeys.parse(i.key()))
                .filter(o -> o.isPresent() && o.get().kind() == ObjectKind.SNAPSHOT).map(o -> o.get().firstTxid()).sorted()
                .toList();
    }

    long latestTxid() throws Exception {
        return storage.list("").stream().map(i -> ObjectKeys.parse(i.key())).filter(Optional::isPresent)
                .mapToLong(o -> o.get().lastTxid()).max().orElse(0);
    }

    /**
     * Restores every txid from the first snapshot to the latest and checks each against the app; returns the number
     * of txids checked.
     */
    int verifyEveryTxid() throws Exception {
        List<Long> snapshots = snapshotTxids();
        assertFalse(snapshots.isEmpty(), "the replica holds no snapshot");
        long latest = latestTxid();
        State previous = null;
        int checked = 0;
        for (long t = snapshots.get(0); t <= latest; t++) {
            State s = restore(new RestoreTarget.AtTxid(t), "t" + t);
            if (previous != null && !snapshots.contains(t)) {
                assertEquals(previous.seq + 1, s.seq, "txid " + t + " must be the app transaction right after txid " + (t - 1)
                        + "'s (a transaction skipped, merged or invented)");
            }
            previous = s;
            checked++;
        }
        return checked;
    }

    /**
     * Waits (up to 30 s) until the replica's latest state is the app's latest transaction ({@code appSeq}); fails at once
     * when the replicator has failed.
     */
    void awaitReplicated(DatabaseReplicator replicator, LongSupplier appSeq) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        long checked = -1;
        String last = "nothing restored yet";
        while (System.currentTimeMillis() < deadline) {
            long captured = replicator.capturedTxid();
            if (replicator.failure() != null) {
                fail("replicator failed: " + replicator.failure());
            }
            if (captured > 0 && replicator.shippedTxid() == captured && captured != checked) {
                checked = captured;
                try {
                    State s = restore(new RestoreTarget.Latest(), "await");
                    if (s.seq() == appSeq.getAsLong()) {
                        return;
                    }
                    last = "latest restores app transaction " + s.seq();
                } catch (AssertionError e) {
                    last = e.getMessage();
                }
            }
            Thread.sleep(50);
        }
        fail("replica did not reach app transaction " + appSeq.getAsLong() + " (captured " + replicator.capturedTxid() + ", shipped "
                + replicator.shippedTxid() + "; " + last + ")");
    }

    State restore(RestoreTarget target, String name) throws Exception {
        Path out = scratch.resolve("restore-" + name + ".db");
        Files.deleteIfExists(out);
        RestoreOutcome outcome = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out).withTarget(target));
        assertTrue(outcome instanceof RestoreOutcome.Restored, "restored " + name + ": " + outcome);
        State s;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1), "integrity of " + name);
            }
            long seq = 0;
            try (ResultSet rs = st.executeQuery("SELECT tx FROM progress WHERE k = 0")) {
                if (rs.next()) {
                    seq = rs.getLong(1);
                }
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            boolean holds = false;
            try (ResultSet rs = st.executeQuery("SELECT id, v, n FROM items ORDER BY id")) {
                while (rs.next()) {
                    String v = rs.getString(2);
                    holds |= forbidden != null && v != null && v.contains(forbidden);
                    md.update((rs.getLong(1) + "|" + v + "|" + rs.getLong(3) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            s = new State(seq, HexFormat.of().formatHex(md.digest()), holds);
        }
        assertFalse(s.holds, "restored " + name + " holds '" + forbidden + "', a value the app never committed");
        String expected = appDigest.apply(s.seq);
        assertNotNull(expected, "restored " + name + " is at app transaction " + s.seq + ", which the app never reported");
        assertEquals(expected, s.digest, "restored " + name + " equals the app's state after its transaction " + s.seq);
        Files.deleteIfExists(out);
        return s;
    }
}
