package io.walship.replicator.spool;

import static io.walship.replicator.spool.SpoolFixtures.PAGE;
import static io.walship.replicator.spool.SpoolFixtures.flipByte;
import static io.walship.replicator.spool.SpoolFixtures.point;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    /** Writes transactions from..to, each with two pages, and syncs. */
    private static void writeTransactions(Spool spool, long from, long to) throws IOException {
        for (long t = from; t <= to; t++) {
            spool.appendPage(t, 1, SpoolFixtures.page(t, 1), PAGE);
            spool.appendPage(t, t + 1, SpoolFixtures.page(t, t + 1), PAGE);
            spool.appendCommit(point(t));
        }
        spool.sync();
    }

    private static void writeSnapshot(Spool spool, long txid) throws IOException {
        Files.write(spool.snapshotTempPath(txid), new byte[] {1, 2, 3});
        spool.appendSnapshot(point(txid));
    }

    private List<Path> spoolFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".wspool")).sorted().toList();
        }
    }

    private static List<SpoolRecord> readAll(Spool spool) throws IOException {
        List<SpoolRecord> out = new ArrayList<>();
        try (SpoolReader r = spool.reader()) {
            for (SpoolRecord rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
        }
        return out;
    }

    @Test
    void recordsSurviveReopenWithTheirCapturePoints() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeSnapshot(spool, 1);
            writeTransactions(spool, 2, 5);
        }
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(point(5), spool.last().orElseThrow());
            assertEquals(5, spool.durableTxid());
            List<SpoolRecord> recs = readAll(spool);
            assertEquals(1 + 4 * 3, recs.size());
            assertInstanceOf(SpoolRecord.Snapshot.class, recs.get(0));
            SpoolRecord.Page p = (SpoolRecord.Page) recs.get(2);
            assertEquals(2, p.txid());
            assertEquals(3, p.pgno());
            byte[] img = new byte[PAGE];
            SpoolReader.readPage(p, img);
            assertArrayEquals(SpoolFixtures.page(2, 3), img);
            assertEquals(point(2), ((SpoolRecord.Commit) recs.get(3)).point());
            // The spool can continue the sequence after reopening.
            writeTransactions(spool, 6, 6);
            assertEquals(6, spool.last().orElseThrow().txid());
        }
    }

    @Test
    void readersSeeOnlySyncedCommittedRecords() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeSnapshot(spool, 1);
            spool.appendPage(2, 1, SpoolFixtures.page(2, 1), PAGE);
            spool.appendCommit(point(2));
            spool.appendPage(3, 1, SpoolFixtures.page(3, 1), PAGE);
            try (SpoolReader r = spool.reader()) {
                assertInstanceOf(SpoolRecord.Snapshot.class, r.next());
                assertNull(r.next(), "txid 2 is not synced yet");
                spool.sync();
                assertInstanceOf(SpoolRecord.Page.class, r.next());
                assertInstanceOf(SpoolRecord.Commit.class, r.next());
                assertNull(r.next(), "txid 3 has no commit record");
            }
        }
    }

    @Test
    void anUnfinishedTransactionIsDroppedOnRecovery() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeTransactions(spool, 1, 3);
            spool.appendPage(4, 1, SpoolFixtures.page(4, 1), PAGE);
            spool.sync();
        }
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(3, spool.last().orElseThrow().txid());
            writeTransactions(spool, 4, 4);
            assertEquals(4 * 3, readAll(spool).size());
        }
    }

    @Test
    void discardUncommittedRemovesAnOpenTransaction() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeTransactions(spool, 1, 2);
            spool.appendPage(3, 1, SpoolFixtures.page(3, 1), PAGE);
            spool.appendPage(3, 2, SpoolFixtures.page(3, 2), PAGE);
            spool.discardUncommitted();
            writeTransactions(spool, 3, 3);
            List<SpoolRecord> recs = readAll(spool);
            assertEquals(9, recs.size());
            byte[] img = new byte[PAGE];
            SpoolReader.readPage((SpoolRecord.Page) recs.get(6), img);
            assertArrayEquals(SpoolFixtures.page(3, 1), img);
        }
    }

    @Test
    void discardUncommittedAfterPartOfTheOpenTransactionWasWrittenOut() throws IOException {
        // The write buffer holds 1 MiB: a transaction of more pages than that is partly in the file when it is dropped,
        // and the committed transaction before it was written out with it, unsynced.
        int pages = Spool.WRITE_BUFFER_BYTES / PAGE + 10;
        try (Spool spool = Spool.open(dir, 64 << 20)) {
            writeTransactions(spool, 1, 1);
            spool.appendPage(2, 1, SpoolFixtures.page(2, 1), PAGE);
            spool.appendCommit(point(2));
            for (int p = 1; p <= pages; p++) {
                spool.appendPage(3, p, SpoolFixtures.page(3, p), PAGE);
            }
            spool.discardUncommitted();
            writeTransactions(spool, 3, 3);
        }
        try (Spool spool = Spool.open(dir, 64 << 20)) {
            assertEquals(3, spool.last().orElseThrow().txid());
            List<SpoolRecord> recs = readAll(spool);
            assertEquals(3 + 2 + 3, recs.size());
            byte[] img = new byte[PAGE];
            SpoolReader.readPage((SpoolRecord.Page) recs.get(5), img);
            assertArrayEquals(SpoolFixtures.page(3, 1), img);
            assertEquals(3, recs.get(7).txid());
        }
    }

    @Test
    void aTransactionLargerThanTheWriteBufferIsKeptWhole() throws IOException {
        int pages = Spool.WRITE_BUFFER_BYTES / PAGE * 3 + 7;
        try (Spool spool = Spool.open(dir, 64 << 20)) {
            for (int p = 1; p <= pages; p++) {
                spool.appendPage(1, p, SpoolFixtures.page(1, p), PAGE);
            }
            spool.appendCommit(point(1));
            spool.sync();
        }
        try (Spool spool = Spool.open(dir, 64 << 20)) {
            List<SpoolRecord> recs = readAll(spool);
            assertEquals(pages + 1, recs.size());
            byte[] img = new byte[PAGE];
            for (int p = 1; p <= pages; p++) {
                SpoolReader.readPage((SpoolRecord.Page) recs.get(p - 1), img);
                assertArrayEquals(SpoolFixtures.page(1, p), img, "page " + p);
            }
        }
    }

    @Test
    void aTornTailIsTruncatedAndEarlierTransactionsKept() throws IOException {
        Spool crashed = Spool.open(dir, 1 << 20);
        writeTransactions(crashed, 1, 3);
        writeTransactions(crashed, 4, 4);
        crashed.abandon();
        Path file = spoolFiles().get(0);
        long size = Files.size(file);
        // Cut the last commit record in half: txid 4 is torn, 1..3 stay.
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size - 30);
        }
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(3, spool.last().orElseThrow().txid());
            assertEquals(9, readAll(spool).size());
        }
    }

    @Test
    void aBadChecksumOnTheVeryLastRecordIsATornTail() throws IOException {
        Spool crashed = Spool.open(dir, 1 << 20);
        writeTransactions(crashed, 1, 1);
        writeTransactions(crashed, 2, 2);
        crashed.abandon();
        Path file = spoolFiles().get(0);
        flipByte(file, Files.size(file) - 10);
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(1, spool.last().orElseThrow().txid());
        }
    }

    @Test
    void zerosAfterTheLastRecordAreATornTail() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeTransactions(spool, 1, 2);
        }
        Path file = spoolFiles().get(0);
        Files.write(file, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(2, spool.last().orElseThrow().txid());
        }
    }

    @Test
    void corruptionBeforeTheTailStopsWithAClearError() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeTransactions(spool, 1, 5);
        }
        Path file = spoolFiles().get(0);
        flipByte(file, 48 + 100);
        SpoolCorruptException e = assertThrows(SpoolCorruptException.class, () -> Spool.open(dir, 1 << 20));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("offset 48"), e.getMessage());
        assertTrue(e.getMessage().contains("move"), e.getMessage());
    }

    @Test
    void corruptionInASealedFileIsNeverTreatedAsATail() throws IOException {
        try (Spool spool = Spool.open(dir, 2048)) {
            writeTransactions(spool, 1, 6);
        }
        List<Path> files = spoolFiles();
        assertTrue(files.size() > 2, "small roll size makes several files: " + files);
        Path sealed = files.get(0);
        flipByte(sealed, Files.size(sealed) - 5);
        assertThrows(SpoolCorruptException.class, () -> Spool.open(dir, 2048));
    }

    @Test
    void filesRollAndReleaseDeletesWhatIsShipped() throws IOException {
        try (Spool spool = Spool.open(dir, 2048)) {
            writeSnapshot(spool, 1);
            writeTransactions(spool, 2, 9);
            int before = spoolFiles().size();
            assertTrue(before >= 3, "files: " + before);
            spool.release(1, 1);
            assertFalse(Files.exists(spool.snapshotPath(1)), "every replica holds snapshot 1: it goes at once");
            assertEquals(before, spoolFiles().size(), "files with records the replicas lack stay");
            spool.release(9);
            assertEquals(1, spoolFiles().size(), "the active file always stays");
            assertFalse(Files.exists(spool.snapshotPath(1)));
            writeTransactions(spool, 10, 10);
        }
        try (Spool spool = Spool.open(dir, 2048)) {
            assertEquals(10, spool.last().orElseThrow().txid());
            List<SpoolRecord> recs = readAll(spool);
            assertEquals(10, recs.get(recs.size() - 1).txid());
        }
    }

    @Test
    void aSnapshotRecordWhoseObjectIsMissingIsCorruption() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeSnapshot(spool, 1);
            writeTransactions(spool, 2, 2);
            Files.delete(spool.snapshotPath(1));
        }
        SpoolCorruptException e = assertThrows(SpoolCorruptException.class, () -> Spool.open(dir, 1 << 20));
        assertTrue(e.getMessage().contains("snapshot"), e.getMessage());
    }

    @Test
    void anUnpublishedSnapshotIsRemovedOnRecovery() throws IOException {
        Path leftover;
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeSnapshot(spool, 1);
            leftover = spool.snapshotTempPath(2);
            Files.write(leftover, new byte[10]);
        }
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertFalse(Files.exists(leftover));
            assertTrue(spool.hasSnapshot(1));
        }
    }

    @Test
    void txidsMustFollowEachOther() throws IOException {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            writeTransactions(spool, 1, 2);
            assertThrows(IllegalStateException.class, () -> spool.appendCommit(point(5)));
            assertThrows(IllegalStateException.class, () -> spool.appendPage(7, 1, SpoolFixtures.page(7, 1), PAGE));
        }
    }
}
