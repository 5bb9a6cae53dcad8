package io.walship.replicator.spool;

import static io.walship.replicator.spool.SpoolFixtures.GEN;
import static io.walship.replicator.spool.SpoolFixtures.PAGE;
import static io.walship.replicator.spool.SpoolFixtures.flipByte;
import static io.walship.replicator.spool.SpoolFixtures.point;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.replicator.FaultyFileIo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's durability rules: a torn tail after the durable end is dropped, damage before it is corruption; a
 * failed write or fsync at any point leaves exactly the acknowledged records and the spool keeps working; readers
 * never skip a record while files roll under them; one process per spool; what every replica holds goes away.
 */
class SpoolDurabilityTest {
    @TempDir
    Path dir;

    private static void transaction(Spool spool, long t) throws IOException {
        SpoolFixtures.transaction(spool, t, GEN);
    }

    private static void snapshot(Spool spool, long txid) throws IOException {
        Files.write(spool.snapshotTempPath(txid), new byte[] {(byte) txid, 2, 3});
        spool.appendSnapshot(point(txid));
    }

    /** Every record a reader returns, with each page image checked against what was appended. */
    private static List<Long> commitTxids(Spool spool) throws IOException {
        List<Long> out = new ArrayList<>();
        try (SpoolReader r = spool.reader()) {
            for (SpoolRecord rec = r.next(); rec != null; rec = r.next()) {
                if (rec instanceof SpoolRecord.Page p) {
                    byte[] image = new byte[PAGE];
                    try (FileChannel ch = FileChannel.open(p.file(), StandardOpenOption.READ)) {
                        SpoolReader.readPage(ch, p, image);
                    }
                    assertArrayEquals(SpoolFixtures.page(p.txid(), p.pgno()), image, "page " + p.pgno() + " of txid " + p.txid());
                } else {
                    out.add(rec.txid());
                }
            }
        }
        return out;
    }

    private List<Path> spoolFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".wspool")).sorted().toList();
        }
    }

    @Test
    void damageAfterTheDurableEndIsATornTailAndBeforeItCorruption() throws Exception {
        Spool crashed = Spool.open(dir, 1 << 20);
        for (long t = 1; t <= 3; t++) {
            transaction(crashed, t);
            crashed.sync();
        }
        long durableAtThree = Files.size(spoolFiles().get(0));
        transaction(crashed, 4);
        crashed.sync();
        transaction(crashed, 5);
        // A crash: txid 5 was never synced, but reached the file; txid 4's sync left the durable end at the end of
        // txid 3 (it lags one sync).
        crashed.writeOutUnsynced();
        crashed.abandon();
        Path file = spoolFiles().get(0);
        byte[] original = Files.readAllBytes(file);
        // Non-zero garbage inside txid 5 (and so after the durable end): a torn tail, dropped with txid 5.
        flipByte(file, Files.size(file) - 40);
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(4, spool.last().orElseThrow().txid());
            assertEquals(List.of(1L, 2L, 3L, 4L), commitTxids(spool));
        }
        // The same damage inside txid 2, before the durable end: corruption, walship stops and says so.
        Files.write(file, original);
        flipByte(file, 48 + (durableAtThree - 48) / 2);
        SpoolCorruptException e = assertThrows(SpoolCorruptException.class, () -> Spool.open(dir, 1 << 20));
        assertTrue(e.getMessage().contains("before the durable end"), e.getMessage());
    }

    @Test
    void aFailedWriteOrFsyncAtAnyPointLeavesExactlyTheAcknowledgedRecordsAndTheSpoolGoesOn() throws Exception {
        // Count the operations of the scripted workload once, then fail each of them in turn.
        long total;
        Path probe = dir.resolve("probe");
        FaultyFileIo counting = new FaultyFileIo(n -> false, FaultyFileIo.Kind.ENOSPC, false);
        Spool probed = Spool.open(probe, 3000, counting);
        workload(probed, new long[1]);
        probed.abandon();
        total = counting.operations();
        assertTrue(total > 30, "the workload does enough I/O to be worth failing: " + total);
        for (FaultyFileIo.Kind kind : FaultyFileIo.Kind.values()) {
            for (long failAt = 1; failAt <= total; failAt++) {
                Path d = dir.resolve(kind + "-" + failAt);
                FaultyFileIo io = FaultyFileIo.failingAt(failAt, kind);
                long[] acked = {0};
                Spool spool;
                try {
                    spool = Spool.open(d, 3000, io);
                } catch (IOException e) {
                    // The failure hit opening the spool itself; opening again must work.
                    spool = Spool.open(d, 3000, io);
                }
                try {
                    workload(spool, acked);
                } finally {
                    spool.abandon();
                }
                assertEquals(1, io.failures(), kind + " at operation " + failAt + " was injected once");
                try (Spool reopened = Spool.open(d, 3000)) {
                    // Snapshots repeat their txid after its commit; the commits must run without a gap or a repeat from
                    // the oldest one still held (earlier ones were released) to the last acknowledged one.
                    List<Long> txids = commitTxids(reopened).stream().distinct().toList();
                    String what = kind + " at operation " + failAt + ": " + txids;
                    assertEquals(20, acked[0], what);
                    assertEquals(20L, txids.get(txids.size() - 1), what);
                    for (int i = 1; i < txids.size(); i++) {
                        assertEquals(txids.get(i - 1) + 1, txids.get(i), what);
                    }
                    assertTrue(txids.get(0) <= 20 - 4 + 1, "nothing not yet released is missing: " + what);
                    assertEquals(20, reopened.last().orElseThrow().txid(), what);
                }
            }
        }
    }

    /**
     * Twenty transactions, a sync after each third and a snapshot at 10, on a 3000-byte roll size; a failure makes it
     * do what capture does: start over from the spool's last record. {@code acked[0]} is the highest txid a completed
     * sync covered.
     */
    private static void workload(Spool spool, long[] acked) throws IOException {
        int failures = 0;
        while (acked[0] < 20) {
            long next = spool.last().map(p -> p.txid() + 1).orElse(1L);
            try {
                if (next == 10 && !spool.hasSnapshot(10)) {
                    transaction(spool, 10);
                    spool.sync();
                    snapshot(spool, 10);
                } else if (next == 1) {
                    snapshot(spool, 1);
                } else {
                    transaction(spool, next);
                    if (next % 3 == 0 || next == 20) {
                        spool.sync();
                    }
                }
                acked[0] = Math.max(acked[0], spool.durableTxid());
                spool.release(Math.max(0, acked[0] - 4));
            } catch (IOException e) {
                if (++failures > 3) {
                    throw e;
                }
                spool.discardUncommitted();
                assertEquals(spool.durableTxid(), spool.last().map(CapturePoint::txid).orElse(0L),
                        "after a failure the spool stands at its last durable record");
            }
        }
    }

    @Test
    void aReaderNeverSkipsARecordWhileFilesRollUnderIt() throws Exception {
        for (int run = 0; run < 30; run++) {
            Path d = dir.resolve("run-" + run);
            try (Spool spool = Spool.open(d, 4096)) {
                AtomicReference<Throwable> problem = new AtomicReference<>();
                List<Long> seen = new ArrayList<>();
                Thread reader = new Thread(() -> {
                    try (SpoolReader r = spool.reader()) {
                        while (seen.size() < 300) {
                            SpoolRecord rec = r.next();
                            if (rec instanceof SpoolRecord.Commit c) {
                                seen.add(c.txid());
                            } else if (rec == null) {
                                Thread.onSpinWait();
                            }
                        }
                    } catch (Throwable t) {
                        problem.set(t);
                    }
                });
                reader.start();
                for (long t = 1; t <= 300; t++) {
                    transaction(spool, t);
                    if (t % 3 == 0) {
                        spool.sync();
                    }
                }
                reader.join(30_000);
                if (problem.get() != null) {
                    fail(problem.get());
                }
                assertFalse(reader.isAlive(), "the reader got stuck at " + seen.size() + " records");
                for (int i = 0; i < seen.size(); i++) {
                    assertEquals(i + 1, seen.get(i), "run " + run + ": every txid arrives once, in order");
                }
            }
        }
    }

    @Test
    void aSecondProcessOnTheSameSpoolIsRefusedAndNamesTheHolder() throws Exception {
        try (Spool first = Spool.open(dir, 1 << 20)) {
            transaction(first, 1);
            first.sync();
            SpoolLockedException e = assertThrows(SpoolLockedException.class, () -> Spool.open(dir, 1 << 20));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            assertEquals(1, first.last().orElseThrow().txid(), "the holder is untouched");
        }
        try (Spool again = Spool.open(dir, 1 << 20)) {
            assertEquals(1, again.last().orElseThrow().txid());
        }
    }

    @Test
    void whatEveryReplicaHoldsLeavesTheSpoolWhateverTheRollSize() throws Exception {
        try (Spool spool = Spool.open(dir, 64L << 20)) {
            snapshot(spool, 1);
            long t = 2;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 700; i++, t++) {
                    transaction(spool, t);
                }
                spool.sync();
                snapshot(spool, t - 1);
                spool.release(t - 1, t - 1);
            }
            // Every replica holds everything: the snapshots are gone, and the files but the active one.
            assertEquals(0, spool.newestSnapshotTxid(), "no snapshot is kept once every replica holds it");
            try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
                assertEquals(0, s.count());
            }
            assertTrue(spoolFiles().size() <= 2, "files left: " + spoolFiles());
            assertTrue(spool.bytes() < 3 * Spool.EARLY_ROLL_BYTES, "bytes left: " + spool.bytes());
        }
        try (Spool reopened = Spool.open(dir, 64L << 20)) {
            assertEquals(0, reopened.newestSnapshotTxid(), "released snapshots stay released after a restart");
        }
    }

    @Test
    void aReleaseThatMeetsAFullDiskMakesTheCaptureThreadGoBackToTheDurableRecordToo() throws Exception {
        // The shipper's release record meets a full disk while the capture thread has a committed, not yet synced,
        // transaction: the rollback takes it back, and capture must learn so at its next append (a SpoolWriteException
        // it resumes from) instead of appending the next txid after records that are gone (an IllegalStateException,
        // which stopped the database as an internal error).
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean();
        FaultyFileIo io = new FaultyFileIo(i -> full.get(), FaultyFileIo.Kind.ENOSPC, false);
        try (Spool spool = Spool.open(dir, 64L << 20, io)) {
            snapshot(spool, 1);
            transaction(spool, 2);
            spool.sync();
            transaction(spool, 3);
            full.set(true);
            assertThrows(IOException.class, () -> spool.release(2, 1));
            full.set(false);
            assertEquals(2, spool.last().orElseThrow().txid(), "back to the last durable record");
            assertThrows(SpoolWriteException.class, () -> spool.appendPage(4, 1, SpoolFixtures.page(4, 1), PAGE));
            assertThrows(SpoolWriteException.class, spool::sync);
            spool.discardUncommitted();
            transaction(spool, 3);
            transaction(spool, 4);
            spool.sync();
        }
        try (Spool reopened = Spool.open(dir, 64L << 20)) {
            assertEquals(List.of(1L, 2L, 3L, 4L), commitTxids(reopened), "the snapshot (its release failed) and every txid once");
        }
    }

    @Test
    void aReleaseWhileATransactionIsOpenWaitsForItsCommit() throws Exception {
        // The shipper thread releases shipped snapshots while the capture thread is half-way through a transaction
        // (CrashLoopTest found a spool that recovery then called corrupt: "snapshot release inside a transaction").
        try (Spool spool = Spool.open(dir, 64L << 20)) {
            snapshot(spool, 1);
            transaction(spool, 2);
            spool.sync();
            spool.appendPage(3, 1, SpoolFixtures.page(3, 1), PAGE);
            spool.release(2, 1);
            spool.appendPage(3, 2, SpoolFixtures.page(3, 2), PAGE);
            spool.appendCommit(point(3));
            spool.sync();
            assertEquals(1, spool.newestSnapshotTxid(), "the snapshot is kept until a release between transactions");
            spool.release(3, 1);
            assertEquals(0, spool.newestSnapshotTxid());
            transaction(spool, 4);
            spool.sync();
            spool.abandon();
        }
        try (Spool reopened = Spool.open(dir, 64L << 20)) {
            assertEquals(4, reopened.last().orElseThrow().txid());
            assertEquals(0, reopened.newestSnapshotTxid(), "the release survives a crash");
            assertEquals(List.of(2L, 3L, 4L), commitTxids(reopened));
        }
    }

    @Test
    void dropOldestLetsGoOfUnshippedRecordsAndSaysWhich() throws Exception {
        try (Spool spool = Spool.open(dir, 4096)) {
            snapshot(spool, 1);
            for (long t = 2; t <= 40; t++) {
                transaction(spool, t);
                spool.sync();
            }
            var d = spool.dropOldest().orElseThrow();
            assertEquals(1, d.fromTxid());
            assertTrue(d.toTxid() > 1 && d.toTxid() < 40, d.toString());
            List<Long> left = commitTxids(spool);
            assertEquals(d.toTxid() + 1, left.get(0), "the reader starts after the dropped range");
        }
    }

    @Test
    void aReaderReturnsToAPositionAfterAFailedUpload() throws Exception {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            for (long t = 1; t <= 6; t++) {
                transaction(spool, t);
            }
            spool.sync();
            try (SpoolReader r = spool.reader()) {
                SpoolRecord rec;
                do {
                    rec = r.next();
                } while (!(rec instanceof SpoolRecord.Commit c && c.txid() == 2));
                SpoolReader.Position afterTwo = r.position();
                while (r.next() != null) {
                    // read to the end, as a batch would
                }
                r.seek(afterTwo);
                SpoolRecord again;
                do {
                    again = r.next();
                } while (!(again instanceof SpoolRecord.Commit));
                assertEquals(3, again.txid());
            }
        }
    }

    @Test
    void spoolFoldersAndFilesArePrivate() throws Exception {
        try (Spool spool = Spool.open(dir.resolve("s"), 1 << 20)) {
            snapshot(spool, 1);
            transaction(spool, 2);
            spool.sync();
        }
        Path s = dir.resolve("s");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE),
                Files.getPosixFilePermissions(s));
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE),
                Files.getPosixFilePermissions(s.resolve("snapshots")));
        try (Stream<Path> files = Files.walk(s)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                        Files.getPosixFilePermissions(p), p.toString());
            }
        }
    }
}
