package io.walship.replicator.wal;

import static io.walship.replicator.wal.Sqlite.blob;
import static io.walship.replicator.wal.Sqlite.checkpoint;
import static io.walship.replicator.wal.Sqlite.checkpointTruncate;
import static io.walship.replicator.wal.Sqlite.createWalDb;
import static io.walship.replicator.wal.Sqlite.exec;
import static io.walship.replicator.wal.Sqlite.insert;
import static io.walship.replicator.wal.Sqlite.scanAll;
import static io.walship.replicator.wal.Sqlite.update;
import static io.walship.replicator.wal.Sqlite.walOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replicator.wal.Sqlite.Captured;
import io.walship.replicator.wal.Sqlite.Scan;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WalScanner#frameMatches} and {@link WalScanner#readFramePage} on a WAL written by SQLite. */
class WalFrameAccessTest {
    private static final int PAGE_SIZE = 2048;

    @TempDir
    Path dir;
    private Path db;
    private Connection c; // stays open: closing the last connection would checkpoint and delete the WAL
    private Path wal;
    private Scan scan;

    @BeforeEach
    void writeWal() throws Exception {
        db = dir.resolve("live.db");
        c = createWalDb(db, PAGE_SIZE);
        exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
        checkpointTruncate(c);
        for (int i = 1; i <= 12; i++) {
            insert(c, "t", i, blob(700, i));
        }
        wal = dir.resolve("copy.wal");
        Files.copy(walOf(db), wal);
        scan = scanAll(wal);
        assertTrue(scan.frames().size() >= 12);
    }

    @AfterEach
    void close() throws Exception {
        c.close();
    }

    @Test
    void everyCapturedFrameMatchesAndReadsBackTheSamePage() throws Exception {
        WalScanner scanner = new WalScanner(wal);
        byte[] page = new byte[PAGE_SIZE];
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
            for (Captured f : scan.frames()) {
                assertTrue(scanner.frameMatches(scan.header(), f.index(), f.checksum()), "frame " + f.index());
                assertTrue(WalScanner.readFramePage(ch, scan.header(), f.index(), f.checksum(), page));
                assertArrayEquals(f.page(), page, "frame " + f.index());
            }
            // A larger buffer is fine: only the first page-size bytes are written.
            byte[] big = new byte[PAGE_SIZE + 100];
            Captured last = scan.frames().get(scan.frames().size() - 1);
            assertTrue(WalScanner.readFramePage(ch, scan.header(), last.index(), last.checksum(), big));
            assertArrayEquals(last.page(), Arrays.copyOf(big, PAGE_SIZE));
        }
    }

    @Test
    void otherChecksumOtherSaltsOrNoSuchFrameDoNotMatch() throws Exception {
        WalScanner scanner = new WalScanner(wal);
        Captured f = scan.frames().get(3);
        WalChecksum other = new WalChecksum(f.checksum().s1(), f.checksum().s2() + 1);
        assertFalse(scanner.frameMatches(scan.header(), f.index(), other));
        assertFalse(scanner.frameMatches(scan.header(), f.index() + 1, f.checksum()), "another frame's checksum");

        WalHeader h = scan.header();
        WalHeader otherSalts = WalHeader.parse(WalHeader.encode(h.bigEndianChecksum(), h.pageSize(),
                h.checkpointSequence(), h.salt1() + 1, h.salt2())).orElseThrow();
        assertFalse(scanner.frameMatches(otherSalts, f.index(), f.checksum()));

        long beyond = scan.frames().size() + 1L;
        assertFalse(scanner.frameMatches(h, beyond, f.checksum()));
        assertFalse(new WalScanner(dir.resolve("missing.wal")).frameMatches(h, 1, f.checksum()));

        byte[] page = new byte[PAGE_SIZE];
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
            assertFalse(WalScanner.readFramePage(ch, h, f.index(), other, page));
            assertFalse(WalScanner.readFramePage(ch, otherSalts, f.index(), f.checksum(), page));
            assertFalse(WalScanner.readFramePage(ch, h, beyond, f.checksum(), page));
        }
    }

    @Test
    void tornFrameCannotBeReadBack() throws Exception {
        Captured last = scan.frames().get(scan.frames().size() - 1);
        long start = WalCursor.frameOffset(last.index(), PAGE_SIZE);
        WalScanner scanner = new WalScanner(wal);
        byte[] page = new byte[PAGE_SIZE];

        Sqlite.truncate(wal, start + WalFrame.HEADER_SIZE + PAGE_SIZE - 1); // page data one byte short
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
            assertFalse(WalScanner.readFramePage(ch, scan.header(), last.index(), last.checksum(), page));
        }
        // frameMatches looks at the frame header only, which is still whole.
        assertTrue(scanner.frameMatches(scan.header(), last.index(), last.checksum()));

        Sqlite.truncate(wal, start + 20); // frame header torn
        assertFalse(scanner.frameMatches(scan.header(), last.index(), last.checksum()));
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
            assertFalse(WalScanner.readFramePage(ch, scan.header(), last.index(), last.checksum(), page));
        }
    }

    /**
     * After SQLite restarts the WAL, frames the new generation overwrote no longer match; frames beyond the new
     * generation's end are still there, byte for byte, and still match the old header. So {@code frameMatches} alone
     * cannot tell that a restart happened: a caller must also compare the WAL header ({@link WalHeader#sameGeneration}).
     */
    @Test
    void afterARestartOverwrittenFramesNoLongerMatchButStaleOnesStillDo() throws Exception {
        {
            assertEquals(0, checkpoint(c, "PASSIVE")[0]);
            update(c, "t", 1, blob(700, 99)); // restarts the WAL: one new frame over old frame 1
            WalScanner live = new WalScanner(walOf(db));
            WalHeader now = live.readHeader().orElseThrow();
            assertFalse(scan.header().sameGeneration(now));
            assertTrue(scan.header().isFollowedBy(now));

            Captured first = scan.frames().get(0);
            Captured stale = scan.frames().get(scan.frames().size() - 1);
            assertFalse(live.frameMatches(scan.header(), first.index(), first.checksum()));
            assertTrue(live.frameMatches(scan.header(), stale.index(), stale.checksum()));
            byte[] page = new byte[PAGE_SIZE];
            try (FileChannel ch = FileChannel.open(walOf(db), StandardOpenOption.READ)) {
                assertFalse(WalScanner.readFramePage(ch, scan.header(), first.index(), first.checksum(), page));
                assertTrue(WalScanner.readFramePage(ch, scan.header(), stale.index(), stale.checksum(), page));
                assertArrayEquals(stale.page(), page);
            }
        }
    }
}
