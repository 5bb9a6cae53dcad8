package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The staged file holds exactly what the page writes and truncations made, in their order, although consecutive pages
 * are gathered into one write: a page written again after its run began, a run that crosses the gathering limit, a
 * truncation in the middle of a run, and an extension past the last page written each end as a model of the file says.
 */
class StagedDatabaseTest {
    static final int PAGE = 4096;

    @Test
    void randomWritesAndTruncationsLeaveTheFileTheModelDescribes(@TempDir Path dir) throws Exception {
        int runPages = StagedDatabase.RUN_BYTES / PAGE;
        for (long seed = 1; seed <= 10; seed++) {
            Random random = new Random(seed);
            StagedDatabase staged = StagedDatabase.create(dir.resolve("out-" + seed + ".db"), PAGE);
            Model model = new Model();
            byte[] image = new byte[PAGE];
            for (int step = 0; step < 150; step++) {
                int choice = random.nextInt(100);
                if (choice < 8 && model.pages > 0) {
                    model.pages = random.nextInt(model.pages);
                    staged.truncate(model.pages);
                    continue;
                }
                // Runs of consecutive pages (some longer than one gathered write), rewrites inside the last run, and
                // scattered single pages.
                int start = choice < 50 ? model.pages + 1 : 1 + random.nextInt(model.pages + 10);
                int length = choice < 50 ? 1 + random.nextInt(3 * runPages / 2) : 1 + random.nextInt(3);
                for (int pgno = start; pgno < start + length; pgno++) {
                    random.nextBytes(image);
                    staged.writePage(pgno, image);
                    model.write(pgno, image);
                }
                // The caller reuses its array: what was written must not change with it.
                Arrays.fill(image, (byte) 0x5a);
            }
            int finalPages = model.pages + random.nextInt(3);
            staged.finish(finalPages);
            model.extend(finalPages);
            byte[] file = Files.readAllBytes(staged.path());
            assertEquals(model.pages * PAGE, file.length, "seed " + seed + ": the file's length");
            assertArrayEquals(model.bytes(), file, "seed " + seed + ": the file's bytes");
            staged.discard();
        }
    }

    /** What the file must hold: the pages written, zeros where none was, cut at the last truncation or extension. */
    private static final class Model {
        byte[] data = new byte[64 * PAGE];
        int pages;

        void write(int pgno, byte[] image) {
            while (pgno * PAGE > data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            if (pgno > pages) {
                // Pages between the old end and this one are zero in the file: a truncation dropped what they held.
                Arrays.fill(data, pages * PAGE, (pgno - 1) * PAGE, (byte) 0);
                pages = pgno;
            }
            System.arraycopy(image, 0, data, (pgno - 1) * PAGE, PAGE);
        }

        /** Extends the file to {@code to} pages with zeros (a file is short only where pages were never written). */
        void extend(int to) {
            byte[] zeros = new byte[PAGE];
            while (pages < to) {
                write(pages + 1, zeros);
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(data, pages * PAGE);
        }
    }
}
