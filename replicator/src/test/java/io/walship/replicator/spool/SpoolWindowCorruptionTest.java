package io.walship.replicator.spool;

import static io.walship.replicator.spool.SpoolFixtures.point;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to durable spool bytes found while shipping must surface as {@link SpoolCorruptException} (the shipper's
 * spool-failure path), never as an unchecked exception that the shipper reports as an internal error.
 */
class SpoolWindowCorruptionTest {
    @TempDir
    Path dir;

    /**
     * A page record whose length field says fewer than the 12 bytes of its txid and page number, ending exactly at the
     * durable end (the window's end): the reader slices the ids past the window's limit.
     */
    @Test
    void aPageRecordTooShortForItsIdsAtTheWindowsEndIsCorruption() throws IOException {
        int size = 512;
        try (Spool spool = Spool.open(dir, 64L << 20)) {
            spool.appendPage(1, 1, new byte[size], size);
            spool.appendCommit(point(1));
            spool.sync();
            Path file;
            try (Stream<Path> files = Files.list(dir)) {
                file = files.filter(p -> p.toString().endsWith(Spool.SUFFIX)).findFirst().orElseThrow();
            }
            long durableEnd = Files.size(file);
            // Damage: the page record's length now reaches 9 bytes before the durable end, where a page record head
            // with payload length 0 ends exactly at it.
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                int payload = (int) (durableEnd - 9 - SpoolFormat.HEADER - SpoolFormat.FRAME_OVERHEAD);
                ch.write(ByteBuffer.allocate(4).putInt(0, payload), SpoolFormat.HEADER);
                ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, SpoolFormat.TYPE_PAGE}), durableEnd - 9);
            }
            // The damaged record's length holds no valid page size either; reading on must end in corruption either
            // there or at the forged head (before the fix: IndexOutOfBoundsException at the forged head).
            try (SpoolReader reader = spool.reader()) {
                assertThrows(SpoolCorruptException.class, () -> {
                    while (reader.next() != null) {
                        continue;
                    }
                });
            }
        }
    }
}
