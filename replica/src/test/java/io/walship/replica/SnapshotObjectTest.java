package io.walship.replica;

import static io.walship.replica.TestObjects.T0;
import static io.walship.replica.TestObjects.assertCorruptNamingKey;
import static io.walship.replica.TestObjects.page;
import static io.walship.replica.TestObjects.raw;
import static io.walship.replica.TestObjects.readSnapshot;
import static io.walship.replica.TestObjects.snapshot;
import static io.walship.replica.TestObjects.snapshotHeader;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

// "deprecation": version-1 keys and headers are still read by restore, so these tests keep covering them.
@SuppressWarnings("deprecation")
class SnapshotObjectTest {
    private static final String KEY = ObjectKeys.snapshot(9);

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 1024, 4096, 65536})
    void roundTrip(int pageSize) throws Exception {
        long pages = 37;
        byte[] bytes = snapshot(pageSize, pages, 9, 1);
        try (SnapshotReader r = new SnapshotReader(KEY, new ByteArrayInputStream(bytes))) {
            assertEquals(snapshotHeader(pageSize, pages, 9), r.header());
        }
        assertEquals(LongStream.rangeClosed(1, pages).boxed().toList(), readSnapshot(KEY, bytes, 1));
        // Compressed: half of every page is zeros.
        assertTrue(bytes.length < pages * pageSize * 3 / 4, "compressed size " + bytes.length);
    }

    @Test
    void emptySnapshotOfZeroPages() throws Exception {
        byte[] bytes = snapshot(4096, 0, 1, 0);
        assertEquals(List.of(), readSnapshot(ObjectKeys.snapshot(1), bytes, 0));
        try (SnapshotReader r = new SnapshotReader(KEY, new ByteArrayInputStream(bytes))) {
            assertEquals(0, r.header().databasePages());
            assertEquals(0, r.header().count());
        }
    }

    @Test
    void writerRefusesMisuse() throws Exception {
        OutputStream sink = new ByteArrayOutputStream();
        ObjectHeader segment = new ObjectHeader(ObjectKind.SEGMENT, 512, 1, 1, 1, T0, T0, 1);
        assertThrows(IllegalArgumentException.class, () -> new SnapshotWriter(sink, segment));
        ObjectHeader wrongCount = new ObjectHeader(ObjectKind.SNAPSHOT, 512, 3, 1, 1, T0, T0, 2);
        assertThrows(IllegalArgumentException.class, () -> new SnapshotWriter(sink, wrongCount));

        SnapshotWriter w = new SnapshotWriter(new ByteArrayOutputStream(), snapshotHeader(512, 2, 1));
        w.page(new byte[512], 0);
        assertThrows(IllegalStateException.class, w::finish, "one page short");
        w.page(new byte[512], 0);
        assertThrows(IllegalStateException.class, () -> w.page(new byte[512], 0), "one page too many");
        w.finish();
    }

    @Test
    void writerTakesThePageAtTheGivenOffset() throws Exception {
        byte[] two = new byte[1024];
        byte[] p1 = page(512, 1, 4);
        byte[] p2 = page(512, 2, 4);
        System.arraycopy(p1, 0, two, 0, 512);
        System.arraycopy(p2, 0, two, 512, 512);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotWriter w = new SnapshotWriter(out, snapshotHeader(512, 2, 1));
        w.page(two, 0);
        w.page(two, 512);
        w.finish();
        assertArrayEquals(snapshot(512, 2, 1, 4), out.toByteArray());
    }

    @Test
    void readAsTheWrongKindIsCorrupt() throws Exception {
        byte[] bytes = snapshot(512, 3, 9, 0);
        CorruptObjectException e = assertThrows(CorruptObjectException.class,
                () -> new SegmentReader(KEY, new ByteArrayInputStream(bytes)));
        assertCorruptNamingKey(KEY, e);
        assertTrue(e.getMessage().contains("expected a segment"), e.getMessage());
    }

    @Test
    void pageCountThatDoesNotMatchTheDatabaseSizeIsCorrupt() throws Exception {
        ObjectHeader h = new ObjectHeader(ObjectKind.SNAPSHOT, 512, 3, 9, 9, T0, T0, 2);
        byte[] bytes = raw(h, out -> out.write(new byte[2 * 512]));
        CorruptObjectException e = assertThrows(CorruptObjectException.class,
                () -> new SnapshotReader(KEY, new ByteArrayInputStream(bytes)));
        assertCorruptNamingKey(KEY, e);
    }

    @Test
    void contentShorterOrLongerThanTheDatabaseIsCorrupt() throws Exception {
        ObjectHeader h = snapshotHeader(512, 3, 9);
        byte[] shortContent = raw(h, out -> out.write(new byte[2 * 512 + 100]));
        assertTrue(assertThrows(CorruptObjectException.class, () -> readSnapshot(KEY, shortContent, -1))
                .getMessage().contains("ends early"));
        byte[] longContent = raw(h, out -> out.write(new byte[3 * 512 + 1]));
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> readSnapshot(KEY, longContent, -1));
        assertCorruptNamingKey(KEY, e);
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    /**
     * A header is CRC-protected, so these can only come from a writer bug; still, a snapshot names one txid: the format
     * says its last txid equals its first.
     */
    @Test
    void snapshotHeaderWithATxidRangeIsCorrupt() throws Exception {
        byte[] bytes = snapshot(512, 1, 9, 0);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.putLong(24, 10); // last txid 10, first txid 9
        b.putInt(60, Crc32c.of(bytes, 0, 60));
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> readSnapshot(KEY, bytes, -1));
        assertCorruptNamingKey(KEY, e);
    }

    @Test
    void lockPageArithmetic() {
        assertEquals(2097153, DatabasePages.lockPage(512));
        assertEquals(262145, DatabasePages.lockPage(4096));
        assertEquals(16385, DatabasePages.lockPage(65536));
        assertEquals(2097152, SnapshotWriter.storedPages(2097152, 512));
        assertEquals(2097152, SnapshotWriter.storedPages(2097153, 512));
        assertEquals(2097153, SnapshotWriter.storedPages(2097154, 512));
        assertEquals(0, SnapshotWriter.storedPages(0, 512));
        // SQLite never lets the database size equal the lock page, but the arithmetic holds for it too.
        assertEquals(16384, SnapshotWriter.storedPages(16384, 65536));
        assertEquals(16384, SnapshotWriter.storedPages(16385, 65536));
    }

    /**
     * A database that reaches 1 GiB holds SQLite's lock page (never written by SQLite); the snapshot leaves it out and
     * the reader skips its number. With 512-byte pages the lock page is page 2097153, so this streams 1 GiB of
     * synthetic pages through the writer and the reader (a few seconds).
     */
    @Test
    @Tag("slow")
    void snapshotAcrossTheLockPage() throws Exception {
        int pageSize = 512;
        long lock = DatabasePages.lockPage(pageSize);
        long pages = lock + 2;
        Instant start = Instant.now();
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 << 20);
        SnapshotWriter w = new SnapshotWriter(out, snapshotHeader(pageSize, pages, 3));
        byte[] p = new byte[pageSize];
        for (long pgno = 1; pgno <= pages; pgno++) {
            if (pgno == lock) {
                continue;
            }
            stamp(p, pgno);
            w.page(p, 0);
        }
        assertEquals(pages + 1, w.nextPageNumber());
        w.finish();
        byte[] bytes = out.toByteArray();
        assertEquals(pages - 1, ObjectHeader.decode(KEY, bytes).count());

        long expected = 1;
        long seen = 0;
        try (SnapshotReader r = new SnapshotReader(KEY, new ByteArrayInputStream(bytes))) {
            long pgno;
            while ((pgno = r.nextPage(p)) != 0) {
                if (expected == lock) {
                    expected++;
                }
                assertEquals(expected, pgno);
                if (readStamp(p) != pgno) {
                    assertEquals(pgno, readStamp(p), "content of page " + pgno);
                }
                expected++;
                seen++;
            }
        }
        assertEquals(pages - 1, seen);
        assertEquals(pages + 1, expected);
        Duration took = Duration.between(start, Instant.now());
        assertTrue(took.toSeconds() < 60, "took " + took);
    }

    /** {@link SnapshotWriter#nextPageNumber()}: "the page number the next page call writes", also at the lock page. */
    @Test
    @Tag("slow")
    void nextPageNumberNeverNamesTheLockPage() throws Exception {
        int pageSize = 512;
        long lock = DatabasePages.lockPage(pageSize);
        SnapshotWriter w = new SnapshotWriter(OutputStream.nullOutputStream(), snapshotHeader(pageSize, lock + 1, 1));
        byte[] zeros = new byte[pageSize];
        for (long pgno = 1; pgno < lock; pgno++) {
            w.page(zeros, 0);
        }
        assertEquals(lock + 1, w.nextPageNumber(), "the next page() call writes page " + (lock + 1));
        w.page(zeros, 0);
        assertEquals(lock + 2, w.nextPageNumber());
        w.finish();
    }

    private static void stamp(byte[] p, long pgno) {
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (pgno >>> (56 - 8 * i));
        }
    }

    private static long readStamp(byte[] p) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (p[i] & 0xff);
        }
        return v;
    }

    @Test
    void nextPageNumberSkipsNothingBelowTheLockPage() throws IOException {
        SnapshotWriter w = new SnapshotWriter(new ByteArrayOutputStream(), snapshotHeader(4096, 3, 1));
        assertEquals(1, w.nextPageNumber());
        w.page(new byte[4096], 0);
        assertEquals(2, w.nextPageNumber());
    }
}
