package io.walship.replicator.wal;

import static io.walship.replicator.wal.Sqlite.apply;
import static io.walship.replicator.wal.Sqlite.applyCommitted;
import static io.walship.replicator.wal.Sqlite.blob;
import static io.walship.replicator.wal.Sqlite.checkpoint;
import static io.walship.replicator.wal.Sqlite.checkpointTruncate;
import static io.walship.replicator.wal.Sqlite.createWalDb;
import static io.walship.replicator.wal.Sqlite.exec;
import static io.walship.replicator.wal.Sqlite.frameHeaderInt;
import static io.walship.replicator.wal.Sqlite.insert;
import static io.walship.replicator.wal.Sqlite.integrityCheck;
import static io.walship.replicator.wal.Sqlite.open;
import static io.walship.replicator.wal.Sqlite.prefix;
import static io.walship.replicator.wal.Sqlite.queryLong;
import static io.walship.replicator.wal.Sqlite.scanAll;
import static io.walship.replicator.wal.Sqlite.scanFrom;
import static io.walship.replicator.wal.Sqlite.sqliteView;
import static io.walship.replicator.wal.Sqlite.update;
import static io.walship.replicator.wal.Sqlite.walOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replicator.wal.Sqlite.Captured;
import io.walship.replicator.wal.Sqlite.Scan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scanner against WAL files written by real SQLite. Every expectation about frames is checked twice: against
 * exact frame lists (what SQLite is known to write for these statements), and byte for byte against what SQLite
 * itself makes of the same database + WAL pair (its own recovery and checkpoint).
 */
class WalScannerSqliteTest {
    @TempDir
    Path dir;

    /**
     * The standard workload: a table t, checkpointed into the database file ({@code base}), then three transactions.
     * tx1 inserts one small row (page 2), tx2 rewrites it (page 2), tx3 inserts 20 half-page rows, splitting the root
     * and growing the file to {@code pages} pages: SQLite writes every page 1..pages once, in ascending order (page 1
     * because the in-header database size changes).
     */
    private record Workload(int pageSize, byte[] base, byte[] wal, long pages, byte[] live) {
        List<Long> expectedPgnos() {
            List<Long> l = new ArrayList<>(List.of(2L, 2L));
            LongStream.rangeClosed(1, pages).forEach(l::add);
            return l;
        }

        List<Long> expectedCommitSizes() {
            List<Long> l = new ArrayList<>(List.of(2L, 2L));
            LongStream.range(1, pages).forEach(i -> l.add(0L));
            l.add(pages);
            return l;
        }

        int frameCount() {
            return Math.toIntExact(2 + pages);
        }
    }

    private Workload standardWorkload(int requestedPageSize) throws Exception {
        Path db = dir.resolve("live.db");
        try (Connection c = createWalDb(db, requestedPageSize)) {
            int pageSize = (int) queryLong(c, "PRAGMA page_size");
            exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
            checkpointTruncate(c);
            assertEquals(0, Files.size(walOf(db)), "TRUNCATE checkpoint leaves an empty WAL");
            byte[] base = Files.readAllBytes(db);
            assertEquals(2 * pageSize, base.length);

            insert(c, "t", 1, blob(pageSize / 4, 1));
            update(c, "t", 1, blob(pageSize / 4, 2));
            exec(c, "BEGIN");
            for (int i = 2; i <= 21; i++) {
                insert(c, "t", i, blob(pageSize / 2, i));
            }
            exec(c, "COMMIT");
            long pages = queryLong(c, "PRAGMA page_count");
            byte[] wal = Files.readAllBytes(walOf(db));
            assertArrayEquals(base, Files.readAllBytes(db), "nothing may have been checkpointed yet");

            checkpointTruncate(c);
            byte[] live = Files.readAllBytes(db);
            assertEquals(pages * pageSize, live.length);
            return new Workload(pageSize, base, wal, pages, live);
        }
    }

    private Path writeWal(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @ParameterizedTest(name = "page size {0} (0 = SQLite default)")
    @ValueSource(ints = {512, 0, 65536})
    void capturesEveryCommittedFrameExactly(int requestedPageSize) throws Exception {
        Workload w = standardWorkload(requestedPageSize);
        assertEquals(requestedPageSize == 0 ? 4096 : requestedPageSize, w.pageSize());
        assertEquals(22, w.pages(), "root split of 20 half-page rows: root + 20 leaves + page 1");

        Scan scan = scanAll(writeWal("copy.wal", w.wal()));
        assertEquals(w.pageSize(), scan.header().pageSize());
        assertFalse(scan.header().bigEndianChecksum(), "SQLite on a little-endian machine writes magic 0x377f0682");
        assertEquals(WalCursor.frameOffset(w.frameCount() + 1, w.pageSize()), w.wal().length,
                "SQLite's WAL ends exactly after the last frame");

        assertEquals(w.expectedPgnos(), scan.pgnos());
        assertEquals(w.expectedCommitSizes(), scan.commitSizes());
        assertEquals(LongStream.rangeClosed(1, w.frameCount()).boxed().toList(),
                scan.frames().stream().map(Captured::index).toList());
        assertEquals(w.frameCount(), scan.result().committed().frames());
        assertEquals(w.pages(), scan.result().lastCommitSize());
        assertEquals(0, scan.result().uncommittedFrames());
        assertEquals(scan.frames().get(w.frameCount() - 1).checksum(), scan.result().committed().checksum());
        assertEquals(scan.result().committed(), scan.result().end(), "nothing uncommitted");

        // Each captured checksum is the one SQLite stored in the frame header.
        for (Captured f : scan.frames()) {
            assertEquals(frameHeaderInt(w.wal(), f.index(), w.pageSize(), 16), f.checksum().s1());
            assertEquals(frameHeaderInt(w.wal(), f.index(), w.pageSize(), 20), f.checksum().s2());
        }

        // Page images: at every commit, base + frames so far == what SQLite recovers from the WAL cut after that commit.
        int[] commitFrames = {1, 2, w.frameCount()};
        long[] sizes = {2, 2, w.pages()};
        for (int k = 0; k < commitFrames.length; k++) {
            byte[] cut = prefix(w.wal(), WalCursor.frameOffset(commitFrames[k] + 1, w.pageSize()));
            byte[] expected = sqliteView(dir, w.base(), cut);
            assertArrayEquals(expected, apply(w.base(), w.pageSize(), scan.frames(), commitFrames[k], sizes[k]),
                    "state after commit frame " + commitFrames[k]);
        }
        byte[] restored = applyCommitted(w.base(), scan);
        assertArrayEquals(w.live(), restored, "frames applied over the base equal the live database");
        assertEquals("ok", integrityCheck(dir, restored));
    }

    @ParameterizedTest(name = "WAL cut {0} bytes into the last frame")
    @ValueSource(ints = {1, 10, 23, 24, 25, -2, -1})
    void tornCommitFrameEndsTheLogAtThePreviousCommit(int cutInto) throws Exception {
        Workload w = standardWorkload(1024);
        int last = w.frameCount();
        long frameStart = WalCursor.frameOffset(last, w.pageSize());
        // Negative values: -1 = one byte short of the whole frame, -2 = middle of the page data.
        long cut = cutInto == -1 ? frameStart + WalFrame.HEADER_SIZE + w.pageSize() - 1
                : cutInto == -2 ? frameStart + WalFrame.HEADER_SIZE + w.pageSize() / 2 : frameStart + cutInto;
        byte[] torn = prefix(w.wal(), cut);

        Scan scan = scanAll(writeWal("torn.wal", torn));
        assertEquals(last - 1, scan.frames().size(), "the torn frame is never delivered");
        assertEquals(w.expectedPgnos().subList(0, last - 1), scan.pgnos());
        assertEquals(2, scan.result().committed().frames(), "committed up to tx2");
        assertEquals(2, scan.result().lastCommitSize());
        assertEquals(last - 3, scan.result().uncommittedFrames(), "tx3's complete frames are reported as uncommitted");
        assertEquals(scan.frames().get(1).checksum(), scan.result().committed().checksum());
        assertEquals(new WalCursor(last - 1, scan.frames().get(last - 2).checksum()), scan.result().end(),
                "end: after the last complete frame");

        byte[] sqlite = sqliteView(dir, w.base(), torn);
        assertArrayEquals(sqlite, applyCommitted(w.base(), scan), "SQLite's recovery stops at the same commit");
        assertArrayEquals(sqlite, sqliteView(dir, w.base(), prefix(w.wal(), WalCursor.frameOffset(3, w.pageSize()))));
    }

    @ParameterizedTest(name = "bit 0x{1} of byte {0} of the frame")
    @CsvSource({
        "3, 01",    // page number 11 -> 10
        "0, 80",    // page number 11 -> 0x8000000b
        "3, 02",    // page number 11 -> 9
        "7, 01",    // commit-size field 0 -> 1
        "8, 01",    // salt-1
        "15, 80",   // salt-2
        "16, 01",   // checksum-1
        "23, 80",   // checksum-2
        "24, 01",   // first byte of the page
        "536, 10",  // middle of the page (1024-byte pages)
        "1047, 01", // last byte of the page
    })
    void flippedBitRejectsThatFrameAndEverythingAfter(int byteInFrame, String hexMask) throws Exception {
        Workload w = standardWorkload(1024);
        int bad = 2 + 11; // the 11th frame of tx3: page 11, in the middle of the WAL
        assertEquals(11, w.expectedPgnos().get(bad - 1));
        byte[] corrupt = w.wal().clone();
        int at = Math.toIntExact(WalCursor.frameOffset(bad, w.pageSize())) + byteInFrame;
        corrupt[at] ^= (byte) Integer.parseInt(hexMask, 16);

        Scan scan = scanAll(writeWal("corrupt.wal", corrupt));
        assertEquals(bad - 1, scan.frames().size(), "frames from the damaged one on are rejected");
        assertEquals(w.expectedPgnos().subList(0, bad - 1), scan.pgnos());
        assertEquals(2, scan.result().committed().frames());
        assertEquals(2, scan.result().lastCommitSize());
        assertEquals(bad - 3, scan.result().uncommittedFrames());
        // The frames after the damaged one are intact, and still not accepted: the checksum chain is broken.
        int after = Math.toIntExact(WalCursor.frameOffset(bad + 1, w.pageSize()));
        assertArrayEquals(Arrays.copyOfRange(w.wal(), after, w.wal().length), Arrays.copyOfRange(corrupt, after, corrupt.length));

        byte[] sqlite = sqliteView(dir, w.base(), corrupt);
        assertArrayEquals(sqlite, applyCommitted(w.base(), scan), "SQLite rejects the same frames");
    }

    @Test
    void boundedScansResumedFromAnyCursorDeliverEachFrameOnce() throws Exception {
        Workload w = standardWorkload(1024);
        Path file = writeWal("copy.wal", w.wal());
        WalScanner scanner = new WalScanner(file);
        Scan full = scanAll(file);
        WalHeader h = full.header();
        int total = w.frameCount();
        for (int stop = 0; stop <= total + 1; stop++) {
            Scan part = scanFrom(scanner, h, WalCursor.start(h), stop);
            int seen = Math.min(stop, total);
            assertEquals(full.frames().subList(0, seen).stream().map(Captured::index).toList(),
                    part.frames().stream().map(Captured::index).toList(), "lastFrame " + stop);
            WalCursor end = seen == 0 ? WalCursor.start(h) : new WalCursor(seen, full.frames().get(seen - 1).checksum());
            assertEquals(end, part.result().end());
            int lastCommit = seen >= total ? total : seen >= 2 ? 2 : seen;
            assertEquals(lastCommit, part.result().committed().frames(), "lastFrame " + stop);
            assertEquals(seen - lastCommit, part.result().uncommittedFrames());

            // Resume from where the bounded scan ended, even in the middle of tx3.
            Scan rest = scanFrom(scanner, h, part.result().end(), Long.MAX_VALUE);
            assertEquals(full.frames().subList(seen, total).stream().map(Captured::index).toList(),
                    rest.frames().stream().map(Captured::index).toList());
            for (int i = 0; i < rest.frames().size(); i++) {
                assertArrayEquals(full.frames().get(seen + i).page(), rest.frames().get(i).page());
                assertEquals(full.frames().get(seen + i).checksum(), rest.frames().get(i).checksum());
            }
            assertEquals(full.result().end(), rest.result().end());
            if (seen < total) {
                assertEquals(full.result().committed(), rest.result().committed());
                assertEquals(w.pages(), rest.result().lastCommitSize());
            } else {
                assertEquals(part.result().end(), rest.result().committed(), "nothing new: unchanged from the start");
                assertEquals(0, rest.result().lastCommitSize());
            }
        }
    }

    @Test
    void scansAcrossManyReadWindowsMatchTheFramesByteForByteAndStopAtATornFrame() throws Exception {
        // 1,200 one-row transactions at 4 KiB pages: about five of the scanner's 1 MiB read windows.
        Path db = dir.resolve("windows.db");
        byte[] base;
        try (Connection c = createWalDb(db, 4096)) {
            exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
            checkpointTruncate(c);
            base = Files.readAllBytes(db);
            // No checkpoint may restart the WAL half-way.
            exec(c, "PRAGMA wal_autocheckpoint=0");
            for (int i = 1; i <= 1_200; i++) {
                insert(c, "t", i, blob(200, i));
            }
            byte[] wal = Files.readAllBytes(walOf(db));
            Path file = writeWal("windows.wal", wal);
            Scan full = scanAll(file);
            int frames = full.frames().size();
            assertTrue(frames * (4096 + WalFrame.HEADER_SIZE) > 4 * WalScanner.SCAN_WINDOW_BYTES, frames + " frames");
            assertEquals(frames, full.result().committed().frames(), "every frame is committed");
            for (Captured f : full.frames()) {
                long at = WalCursor.frameOffset(f.index(), 4096);
                assertArrayEquals(Arrays.copyOfRange(wal, Math.toIntExact(at + WalFrame.HEADER_SIZE),
                        Math.toIntExact(at + WalFrame.HEADER_SIZE + 4096)), f.page(), "frame " + f.index());
            }
            assertArrayEquals(sqliteView(dir, base, wal), applyCommitted(base, full));

            // The WAL cut in the middle of a frame inside the third window: the scan ends at the frame before it.
            long cutFrame = 2L * WalScanner.SCAN_WINDOW_BYTES / (4096 + WalFrame.HEADER_SIZE) + 37;
            byte[] torn = prefix(wal, WalCursor.frameOffset(cutFrame, 4096) + 1000);
            Scan cut = scanAll(writeWal("torn.wal", torn));
            assertEquals(cutFrame - 1, cut.frames().size());
            assertEquals(cutFrame - 1, cut.result().committed().frames());
            assertEquals(full.frames().get((int) cutFrame - 2).checksum(), cut.result().committed().checksum());
        }
    }

    @Test
    void flippedBitInACommitFrameDropsThatTransaction() throws Exception {
        Workload w = standardWorkload(4096);
        byte[] corrupt = w.wal().clone();
        corrupt[Math.toIntExact(WalCursor.frameOffset(2, w.pageSize())) + WalFrame.HEADER_SIZE + 100] ^= 4;

        Scan scan = scanAll(writeWal("corrupt.wal", corrupt));
        assertEquals(List.of(2L), scan.pgnos());
        assertEquals(1, scan.result().committed().frames());
        assertEquals(0, scan.result().uncommittedFrames());
        assertArrayEquals(sqliteView(dir, w.base(), corrupt), applyCommitted(w.base(), scan));
    }

    @Test
    void restartedWalNeverYieldsFramesOfTheOlderLongerGeneration() throws Exception {
        int pageSize = 1024;
        Path db = dir.resolve("live.db");
        try (Connection c = createWalDb(db, pageSize)) {
            exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)", "CREATE TABLE u(id INTEGER PRIMARY KEY, v BLOB)");
            insert(c, "u", 1, blob(100, 0));
            checkpointTruncate(c);

            // Generation 1: many transactions, many frames.
            for (int i = 1; i <= 40; i++) {
                insert(c, "t", i, blob(600, i));
            }
            byte[] oldWal = Files.readAllBytes(walOf(db));
            Scan old = scanAll(writeWal("old.wal", oldWal));
            assertTrue(old.frames().size() >= 40, "one frame or more per transaction");
            assertEquals(old.frames().size(), old.result().committed().frames());

            // Checkpoint everything while nobody reads; the next write restarts the WAL from its first frame.
            long[] ck = checkpoint(c, "PASSIVE");
            assertEquals(0, ck[0]);
            assertEquals(old.frames().size(), ck[1]);
            assertEquals(ck[1], ck[2], "every frame was backfilled");
            byte[] baseGen2 = Files.readAllBytes(db);
            update(c, "u", 1, blob(100, 1)); // one frame: page 3, u's root and only page

            byte[] newWal = Files.readAllBytes(walOf(db));
            assertEquals(oldWal.length, newWal.length, "a restart rewrites the WAL in place without truncating it");
            Scan fresh = scanAll(writeWal("new.wal", newWal));
            WalHeader oldHeader = old.header();
            WalHeader newHeader = fresh.header();

            assertEquals(oldHeader.salt1() + 1, newHeader.salt1());
            assertEquals(oldHeader.checkpointSequence() + 1, newHeader.checkpointSequence());
            assertTrue(oldHeader.isFollowedBy(newHeader));
            assertFalse(newHeader.isFollowedBy(oldHeader));
            assertFalse(oldHeader.sameGeneration(newHeader));
            assertTrue(oldHeader.sameGeneration(WalHeader.parse(oldWal).orElseThrow()));

            long pages = queryLong(c, "PRAGMA page_count");
            assertEquals(List.of(3L), fresh.pgnos());
            assertEquals(List.of(pages), fresh.commitSizes());
            assertEquals(1, fresh.result().committed().frames());
            assertEquals(0, fresh.result().uncommittedFrames());

            // The old frames 2.. are still physically in the file, unchanged, carrying the old salts.
            for (long i = 2; i <= old.frames().size(); i++) {
                assertEquals(oldHeader.salt1(), frameHeaderInt(newWal, i, pageSize, 8));
                assertEquals(oldHeader.salt2(), frameHeaderInt(newWal, i, pageSize, 12));
            }
            int from = Math.toIntExact(WalCursor.frameOffset(2, pageSize));
            assertArrayEquals(Arrays.copyOfRange(oldWal, from, oldWal.length), Arrays.copyOfRange(newWal, from, newWal.length));

            // A reader still holding the old header finds no frame at all: frame 1 now has the new salts.
            WalScanner scanner = new WalScanner(dir.resolve("new.wal"));
            Scan stale = scanFrom(scanner, oldHeader, WalCursor.start(oldHeader));
            assertEquals(0, stale.frames().size());
            assertEquals(0, stale.result().committed().frames());

            assertArrayEquals(sqliteView(dir, baseGen2, newWal), applyCommitted(baseGen2, fresh));
            checkpointTruncate(c);
            assertArrayEquals(Files.readAllBytes(db), applyCommitted(baseGen2, fresh));
        }
    }

    /**
     * SQLite keeps the checkpoint sequence number per connection ({@code Wal.nCkpt} in wal.c: loaded from the WAL
     * header only when that connection runs recovery, incremented by {@code walRestartHdr}); salt-1 lives in the shared
     * wal-index header and is incremented at every restart whoever performs it. When two connections take turns
     * restarting the WAL, the header written by the very next restart repeats the checkpoint sequence number.
     */
    @Test
    void isFollowedByRecognisesTheNextRestartDoneByAnotherConnection() throws Exception {
        Path db = dir.resolve("live.db");
        try (Connection a = createWalDb(db, 1024)) {
            exec(a, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
            insert(a, "t", 1, blob(10, 1));
            try (Connection b = open(db)) {
                exec(b, "PRAGMA wal_autocheckpoint=0");
                insert(b, "t", 2, blob(10, 2));
                assertEquals(0, checkpoint(a, "PASSIVE")[0]);
                insert(b, "t", 3, blob(10, 3)); // b restarts the WAL
                WalHeader first = new WalScanner(walOf(db)).readHeader().orElseThrow();

                assertEquals(0, checkpoint(a, "PASSIVE")[0]);
                insert(a, "t", 4, blob(10, 4)); // a restarts the WAL: the very next restart
                WalHeader second = new WalScanner(walOf(db)).readHeader().orElseThrow();

                assertEquals(first.salt1() + 1, second.salt1(), "SQLite incremented salt-1 exactly once");
                assertTrue(first.isFollowedBy(second),
                        "the next restart must be recognised; checkpoint sequence went " + first.checkpointSequence()
                                + " -> " + second.checkpointSequence());
            }
        }
    }

    /**
     * With a tiny page cache a big transaction spills: pages are written to the WAL before the commit. SQLite overwrites
     * a spilled frame in place when the page is written again within the transaction, except for the last page of the
     * commit (the highest dirty page), which is appended again so that the commit frame is new: that page then appears
     * twice in one transaction, first with a stale image.
     */
    @Test
    void samePageTwiceInOneTransactionLastImageWins() throws Exception {
        int pageSize = 1024;
        Path db = dir.resolve("live.db");
        try (Connection c = createWalDb(db, pageSize)) {
            exec(c, "CREATE TABLE a(id INTEGER PRIMARY KEY, v BLOB)", "CREATE TABLE b(id INTEGER PRIMARY KEY, v BLOB)");
            exec(c, "BEGIN");
            for (int i = 1; i <= 500; i++) {
                insert(c, "b", i, blob(300, -i));
            }
            exec(c, "COMMIT");
            checkpointTruncate(c);
            byte[] base = Files.readAllBytes(db);

            exec(c, "PRAGMA cache_size=10", "BEGIN");
            for (int i = 1; i <= 2000; i++) {
                insert(c, "a", i, blob(300, i));
            }
            exec(c, "UPDATE b SET v = randomblob(300) WHERE id % 7 = 0");
            update(c, "a", 2000, blob(300, 0)); // the last leaf of a: the highest page, spilled long ago
            exec(c, "COMMIT");
            long pages = queryLong(c, "PRAGMA page_count");

            byte[] wal = Files.readAllBytes(walOf(db));
            Scan scan = scanAll(writeWal("copy.wal", wal));
            int n = scan.frames().size();
            assertTrue(n > 600, "the transaction spans many frames: " + n);
            assertEquals(n, scan.result().committed().frames(), "one transaction, fully committed");
            assertEquals(pages, scan.result().lastCommitSize());
            assertEquals(List.of(pages), scan.commitSizes().stream().filter(s -> s != 0).toList(), "a single commit frame");
            assertEquals(pages, scan.frames().get(n - 1).pgno(), "the commit frame carries the highest page");

            Map<Long, List<Captured>> byPage = new HashMap<>();
            scan.frames().forEach(f -> byPage.computeIfAbsent(f.pgno(), k -> new ArrayList<>()).add(f));
            List<Captured> twice = byPage.get(pages);
            assertEquals(2, twice.size(), "the highest page was spilled, then appended again by the commit");
            assertFalse(Arrays.equals(twice.get(0).page(), twice.get(1).page()), "the first image is stale");

            byte[] restored = applyCommitted(base, scan);
            assertArrayEquals(sqliteView(dir, base, wal), restored);
            checkpointTruncate(c);
            assertArrayEquals(Files.readAllBytes(db), restored);
            assertEquals("ok", integrityCheck(dir, restored));

            // Applying only the first image of each page would be wrong: order matters.
            List<Captured> firstOnly = new ArrayList<>(scan.frames());
            firstOnly.remove(n - 1);
            assertFalse(Arrays.equals(restored, apply(base, pageSize, firstOnly, n - 1, pages)));
        }
    }

    /**
     * A transaction that first grows the database (spilling the new high pages into the WAL) and then shrinks it again
     * (auto_vacuum=FULL truncates on commit) leaves frames for pages beyond its own commit size. SQLite leaves those
     * pages out of the commit batch but cannot take back the spilled frames; readers ignore them because the commit
     * size truncates the database. Whoever turns frames into segments must drop them (a segment may not hold a page
     * beyond its transaction's commit size).
     */
    @Test
    void shrinkingTransactionCarriesFramesBeyondItsCommitSize() throws Exception {
        int pageSize = 1024;
        Path db = dir.resolve("live.db");
        try (Connection c = Sqlite.open(db)) {
            exec(c, "PRAGMA page_size=1024", "PRAGMA auto_vacuum=FULL");
            assertEquals("wal", Sqlite.queryString(c, "PRAGMA journal_mode=WAL"));
            exec(c, "PRAGMA wal_autocheckpoint=0", "CREATE TABLE a(id INTEGER PRIMARY KEY, v BLOB)");
            exec(c, "BEGIN");
            for (int i = 1; i <= 50; i++) {
                insert(c, "a", i, blob(300, i));
            }
            exec(c, "COMMIT");
            checkpointTruncate(c);
            byte[] base = Files.readAllBytes(db);
            long pagesBefore = queryLong(c, "PRAGMA page_count");

            exec(c, "PRAGMA cache_size=10", "BEGIN");
            for (int i = 51; i <= 1000; i++) {
                insert(c, "a", i, blob(300, i));
            }
            exec(c, "DELETE FROM a WHERE id > 50", "COMMIT");
            long pages = queryLong(c, "PRAGMA page_count");
            assertEquals(pagesBefore, pages, "auto_vacuum gave every page back");

            byte[] wal = Files.readAllBytes(walOf(db));
            Scan scan = scanAll(writeWal("copy.wal", wal));
            assertEquals(scan.frames().size(), scan.result().committed().frames(), "a single committed transaction");
            assertEquals(pages, scan.result().lastCommitSize());
            long beyond = scan.frames().stream().filter(f -> f.pgno() > pages).count();
            assertTrue(beyond > 100, "frames for pages beyond the commit size: " + beyond);
            assertTrue(scan.frames().get(scan.frames().size() - 1).pgno() <= pages, "the commit frame is within it");

            byte[] restored = applyCommitted(base, scan);
            assertArrayEquals(sqliteView(dir, base, wal), restored);
            checkpointTruncate(c);
            assertArrayEquals(Files.readAllBytes(db), restored);
            // Dropping the frames beyond the commit size changes nothing.
            List<Captured> kept = scan.frames().stream().filter(f -> f.pgno() <= pages).toList();
            assertArrayEquals(restored, apply(base, pageSize, kept, kept.size(), pages));
        }
    }

    /**
     * While a big transaction is open its spilled frames are in the WAL but not committed: they are reported as
     * uncommitted and the committed cursor stays at the previous commit. After the commit (which may rewrite spilled
     * frames in place and recompute their checksums) a scan resuming from that cursor yields exactly the transaction.
     */
    @Test
    void spilledFramesOfAnOpenTransactionAreUncommittedAndAScanResumesFromTheCommittedCursor() throws Exception {
        int pageSize = 1024;
        Path db = dir.resolve("live.db");
        try (Connection c = createWalDb(db, pageSize)) {
            exec(c, "CREATE TABLE a(id INTEGER PRIMARY KEY, v BLOB)");
            checkpointTruncate(c);
            byte[] base = Files.readAllBytes(db);
            insert(c, "a", 1, blob(100, 1));
            WalScanner scanner = new WalScanner(walOf(db));
            Scan first = scanAll(walOf(db));
            assertEquals(List.of(2L), first.pgnos());
            WalCursor committed = first.result().committed();
            assertEquals(1, committed.frames());

            exec(c, "PRAGMA cache_size=10", "BEGIN");
            for (int i = 2; i <= 800; i++) {
                insert(c, "a", i, blob(300, i));
            }
            Scan during = scanFrom(scanner, first.header(), committed);
            assertTrue(during.frames().size() > 0, "the cache spilled frames into the WAL");
            assertEquals(committed, during.result().committed(), "no commit yet");
            assertEquals(0, during.result().lastCommitSize());
            assertEquals(during.frames().size(), during.result().uncommittedFrames());
            assertEquals(2, during.frames().get(0).index(), "indexes continue after the cursor");

            update(c, "a", 1, blob(100, 2));
            exec(c, "COMMIT");
            Scan after = scanFrom(scanner, first.header(), committed);
            long pages = queryLong(c, "PRAGMA page_count");
            assertEquals(pages, after.result().lastCommitSize());
            assertEquals(0, after.result().uncommittedFrames());
            assertEquals(1 + after.frames().size(), after.result().committed().frames());

            List<Captured> all = new ArrayList<>(first.frames());
            all.addAll(after.frames());
            byte[] restored = apply(base, pageSize, all, all.size(), pages);
            assertArrayEquals(sqliteView(dir, base, Files.readAllBytes(walOf(db))), restored);
            checkpointTruncate(c);
            assertArrayEquals(Files.readAllBytes(db), restored);
            assertNotEquals(0, restored.length);
        }
    }
}
