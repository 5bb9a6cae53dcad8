package io.walship.replica;

import static io.walship.replica.TestObjects.assertCorruptNamingKey;
import static io.walship.replica.TestObjects.readFully;
import static io.walship.replica.TestObjects.segment;
import static io.walship.replica.TestObjects.snapshot;
import static io.walship.replica.TestObjects.threeTransactions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damage anywhere in an object, in the header, the LZ4 body or the trailer, is found by a full read, and always as a
 * {@link CorruptObjectException} naming the key: never another exception type, never a silent success.
 */
class ObjectCorruptionTest {
    @TempDir
    Path dir;

    static Stream<Arguments> smallObjects() throws IOException {
        return Stream.of(
                Arguments.of(ObjectKeys.of(TestObjects.snapshotHeader(512, 3, 9)), snapshot(512, 3, 9, 7)),
                Arguments.of(ObjectKeys.of(TestObjects.snapshotHeader(512, 0, 1)), snapshot(512, 0, 1, 0)),
                Arguments.of(ObjectKeys.of(TestObjects.segmentHeader(512, threeTransactions())),
                        segment(512, threeTransactions(), 7)),
                Arguments.of(ObjectKeys.of(TestObjects.snapshotHeaderV1(512, 3, 9)), TestObjects.snapshotV1(512, 3, 9, 7)));
    }

    /** Where an object's parts lie, found by walking its LZ4 frame (walship writes no content size, no block checksums). */
    record Layout(List<int[]> blocks, int endMark, int contentChecksum, int trailer) {
        static Layout of(byte[] o) {
            int h = ObjectHeader.encodedSize(o[5]);
            assertEquals(0x184D2204, (o[h] & 0xff) | (o[h + 1] & 0xff) << 8 | (o[h + 2] & 0xff) << 16 | (o[h + 3] & 0xff) << 24);
            List<int[]> blocks = new ArrayList<>();
            int at = h + 7; // magic, FLG, BD, HC
            while (true) {
                int size = (o[at] & 0xff) | (o[at + 1] & 0xff) << 8 | (o[at + 2] & 0xff) << 16 | (o[at + 3] & 0x7f) << 24;
                if (size == 0) {
                    assertEquals(o.length - 16, at + 8, "content checksum, then the 16-byte trailer");
                    return new Layout(blocks, at, at + 4, at + 8);
                }
                blocks.add(new int[] {at, at + 4, at + 4 + size}); // size field, data start, data end
                at += 4 + size;
            }
        }

        /**
         * Where a flipped bit may leave the content unchanged: inside compressed block data (LZ4 can express the same
         * bytes in several ways, e.g. a match offset into another run of zeros) and the unused top bit of the end mark.
         */
        boolean mayDecodeIdentically(int pos, int bit) {
            if (pos == endMark + 3 && bit == 7) {
                return true;
            }
            for (int[] b : blocks) {
                if (pos >= b[1] && pos < b[2]) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * What reading a damaged object did, if it was wrong: null when it threw a CorruptObjectException naming the key,
     * "" when it read back exactly the original content from a place where that is possible.
     */
    private static String misbehaviour(String key, byte[] bytes, String goodDigest, Layout layout, int pos, int bit) {
        try {
            String digest = TestObjects.decodedDigest(key, bytes);
            if (!digest.equals(goodDigest)) {
                return "accepted with different content";
            }
            return layout != null && layout.mayDecodeIdentically(pos, bit) ? "" : "accepted";
        } catch (CorruptObjectException e) {
            if (!key.equals(e.key()) || !e.getMessage().contains(key)) {
                return "exception does not name the key: " + e.getMessage();
            }
            return null;
        } catch (Throwable t) {
            return t.toString();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallObjects")
    void everySingleBitFlipIsDetectedUnlessTheContentIsUnchanged(String key, byte[] good) throws Exception {
        String digest = TestObjects.decodedDigest(key, good);
        Layout layout = Layout.of(good);
        List<String> problems = new ArrayList<>();
        int unchanged = 0;
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            int pos = bit / 8;
            bad[pos] ^= (byte) (1 << (bit % 8));
            String m = misbehaviour(key, bad, digest, layout, pos, bit % 8);
            if ("".equals(m)) {
                unchanged++;
            } else if (m != null) {
                problems.add("byte " + pos + " bit " + bit % 8 + ": " + m);
            }
        }
        assertEquals(List.of(), problems, "of " + good.length + " bytes");
        assertTrue(unchanged < good.length / 10, unchanged + " flips decode to the same content");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallObjects")
    void everyTruncationIsDetected(String key, byte[] good) throws Exception {
        String digest = TestObjects.decodedDigest(key, good);
        List<String> problems = new ArrayList<>();
        for (int length = 0; length < good.length; length++) {
            String m = misbehaviour(key, Arrays.copyOf(good, length), digest, null, -1, -1);
            if (m != null) {
                problems.add("length " + length + ": " + m);
            }
        }
        assertEquals(List.of(), problems);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallObjects")
    void bytesAfterTheTrailerAreDetected(String key, byte[] good) {
        for (byte[] extra : new byte[][] {{0}, new byte[16], Arrays.copyOfRange(good, good.length - 16, good.length), good}) {
            byte[] longer = Arrays.copyOf(good, good.length + extra.length);
            System.arraycopy(extra, 0, longer, good.length, extra.length);
            CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> readFully(key, longer));
            assertCorruptNamingKey(key, e);
        }
    }

    /**
     * A bigger snapshot with 64 KiB pages: several LZ4 blocks, some stored raw (random pages) and some compressed.
     * Flips one bit in every byte near the structure (header, frame descriptor, every block's size field, end mark,
     * content checksum, trailer) and in a stride of bytes everywhere else; cuts the object at the same places.
     */
    @Test
    void damageInAMultiBlockObjectIsDetected() throws Exception {
        String key = ObjectKeys.of(TestObjects.snapshotHeader(65536, 5, 2));
        int pageSize = 65536;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotWriter w = new SnapshotWriter(out, TestObjects.snapshotHeader(pageSize, 5, 2));
        Random random = new Random(5);
        for (int p = 1; p <= 5; p++) {
            byte[] page = new byte[pageSize];
            if (p % 2 == 0) {
                random.nextBytes(page);
            } else if (p == 3) {
                page = TestObjects.page(pageSize, p, 1);
            }
            w.page(page, 0);
        }
        w.finish();
        byte[] good = out.toByteArray();
        String digest = TestObjects.decodedDigest(key, good);
        Layout layout = Layout.of(good);
        assertTrue(layout.blocks().size() >= 5, "blocks: " + layout.blocks().size());
        assertTrue(layout.blocks().stream().anyMatch(b -> (good[b[0] + 3] & 0x80) != 0), "a block stored raw");
        assertTrue(layout.blocks().stream().anyMatch(b -> (good[b[0] + 3] & 0x80) == 0), "a compressed block");

        TreeSet<Integer> positions = new TreeSet<>();
        for (int i = 0; i < 100; i++) {
            positions.add(i);
            positions.add(good.length - 1 - i);
        }
        for (int[] b : layout.blocks()) {
            for (int i = -2; i < 6; i++) {
                positions.add(b[0] + i);
            }
        }
        for (int i = 0; i < good.length; i += 997) {
            positions.add(i);
        }

        List<String> problems = new ArrayList<>();
        for (int pos : positions) {
            for (int bit : new int[] {pos % 8, 7}) {
                byte[] bad = good.clone();
                bad[pos] ^= (byte) (1 << bit);
                String m = misbehaviour(key, bad, digest, layout, pos, bit);
                if (m != null && !m.isEmpty()) {
                    problems.add("flip at " + pos + " bit " + bit + ": " + m);
                }
            }
            String m = misbehaviour(key, Arrays.copyOf(good, pos), digest, null, -1, -1);
            if (m != null) {
                problems.add("cut at " + pos + ": " + m);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void damagedObjectReadThroughFileStorageIsCorruptNamingTheKey() throws Exception {
        FileReplicaStorage storage = new FileReplicaStorage(dir.resolve("replica"));
        String key = ObjectKeys.of(TestObjects.segmentHeader(512, threeTransactions()));
        byte[] bad = segment(512, threeTransactions(), 1);
        bad[bad.length / 2] ^= 0x10;
        Path src = dir.resolve("upload");
        Files.write(src, bad);
        storage.put(key, src);
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> {
            try (InputStream in = storage.get(key, 0); SegmentReader r = new SegmentReader(key, in)) {
                while (r.nextTransaction() != null) {
                    // read to the end
                }
            }
        });
        assertCorruptNamingKey(key, e);
    }
}
