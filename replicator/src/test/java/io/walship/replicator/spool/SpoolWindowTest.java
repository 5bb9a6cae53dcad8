package io.walship.replicator.spool;

import static io.walship.replicator.spool.SpoolFixtures.point;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipper reads spool records and page images through {@link SpoolWindow}s: records that straddle a window's end,
 * images of every size up to 64 KiB, and the rule that a window never holds bytes past the durable end it was filled
 * under (bytes after it may be rolled back and written again).
 */
class SpoolWindowTest {
    @TempDir
    Path dir;

    /** A page image of {@code size} bytes whose every byte derives from the txid, the page number and its index. */
    private static byte[] image(long txid, long pgno, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (txid * 131 + pgno * 7 + i);
        }
        return b;
    }

    private record Written(long txid, long pgno, int size) {
    }

    @Test
    void recordsAndImagesAcrossManyWindowsReadBackExactly() throws IOException {
        Random random = new Random(42);
        int[] sizes = {512, 4096, 65536};
        List<Written> written = new ArrayList<>();
        try (Spool spool = Spool.open(dir, 64L << 20)) {
            for (long t = 1; t <= 200; t++) {
                int size = sizes[random.nextInt(sizes.length)];
                int pages = 1 + random.nextInt(4);
                for (int i = 0; i < pages; i++) {
                    long pgno = 1 + random.nextInt(1000);
                    spool.appendPage(t, pgno, image(t, pgno, size), size);
                    written.add(new Written(t, pgno, size));
                }
                spool.appendCommit(point(t));
                if (t % 7 == 0) {
                    spool.sync();
                }
            }
            spool.sync();
            try (SpoolReader reader = spool.reader(); SpoolReader.PageLoader loader = reader.pages()) {
                int w = 0;
                List<SpoolRecord.Page> pages = new ArrayList<>();
                for (long t = 1; t <= 200; t++) {
                    SpoolRecord rec;
                    while ((rec = reader.next()) instanceof SpoolRecord.Page p) {
                        Written expected = written.get(w++);
                        assertEquals(expected, new Written(p.txid(), p.pgno(), p.pageSize()));
                        pages.add(p);
                    }
                    assertEquals(point(t), assertInstanceOf(SpoolRecord.Commit.class, rec).point());
                }
                assertNull(reader.next());
                assertEquals(written.size(), w);
                // Images in shipping order, and in reverse (every load then refills the window), equal what was written.
                for (int i = 0; i < pages.size(); i++) {
                    assertImage(loader, pages.get(i), written.get(i));
                }
                for (int i = pages.size() - 1; i >= 0; i--) {
                    assertImage(loader, pages.get(i), written.get(i));
                }
            }
        }
    }

    private static void assertImage(SpoolReader.PageLoader loader, SpoolRecord.Page page, Written w) throws IOException {
        byte[] into = new byte[w.size()];
        loader.load(page, into);
        assertArrayEquals(image(w.txid(), w.pgno(), w.size()), into, "page " + w);
    }

    /**
     * A transaction larger than the spool's write buffer reaches the file before its commit; rolled back, its bytes are
     * written over by the next transaction. A reader that had filled its window then must not serve the old bytes: the
     * window holds only what lay before the durable end.
     */
    @Test
    void bytesPastTheDurableEndAreNeverServedLater() throws IOException {
        int size = 65536;
        try (Spool spool = Spool.open(dir, 64L << 20)) {
            spool.appendPage(1, 1, image(1, 1, size), size);
            spool.appendCommit(point(1));
            spool.sync();
            // 1.25 MiB of a transaction that will not commit: past the 1 MiB buffer, so in the file.
            for (long pgno = 2; pgno < 22; pgno++) {
                spool.appendPage(2, pgno, image(2, pgno, size), size);
            }
            try (SpoolReader reader = spool.reader(); SpoolReader.PageLoader loader = reader.pages()) {
                SpoolRecord.Page first = assertInstanceOf(SpoolRecord.Page.class, reader.next());
                assertImage(loader, first, new Written(1, 1, size));
                assertInstanceOf(SpoolRecord.Commit.class, reader.next());
                assertNull(reader.next(), "nothing durable after txid 1");

                spool.discardUncommitted();
                for (long pgno = 100; pgno < 103; pgno++) {
                    spool.appendPage(2, pgno, image(2, pgno, size), size);
                }
                spool.appendCommit(point(2));
                spool.sync();
                for (long pgno = 100; pgno < 103; pgno++) {
                    SpoolRecord.Page p = assertInstanceOf(SpoolRecord.Page.class, reader.next());
                    assertEquals(new Written(2, pgno, size), new Written(p.txid(), p.pgno(), p.pageSize()));
                    assertImage(loader, p, new Written(2, pgno, size));
                }
                assertEquals(point(2), assertInstanceOf(SpoolRecord.Commit.class, reader.next()).point());
                assertNull(reader.next());
            }
        }
    }
}
