package io.walship.replica;

import static io.walship.replica.TestObjects.assertCorruptNamingKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The 64-byte object header, byte for byte; the worked example here is the one in docs/FORMAT.md. */
class ObjectHeaderTest {
    private static final String KEY = "segments/0000000000000005-0000000000000007.segment";

    /** docs/FORMAT.md, "Worked example": CRC32C checked against an independent implementation. */
    static final String WORKED_EXAMPLE =
            "57534850 0001 02 00 00001000 00000016 0000000000000005 0000000000000007"
            + " 0000018f34069e00 0000018f34069e14 00000003 0000000000000000 07edb9c5";

    private static ObjectHeader example() {
        return new ObjectHeader(ObjectKind.SEGMENT, 4096, 22, 5, 7, Instant.parse("2024-05-01T12:00:00Z"),
                Instant.parse("2024-05-01T12:00:00.020Z"), 3);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void workedExampleIsByteExact() throws Exception {
        byte[] encoded = example().encode();
        assertEquals(ObjectHeader.SIZE, encoded.length);
        assertArrayEquals(hex(WORKED_EXAMPLE), encoded);
        assertEquals(0x07edb9c5, Crc32c.of(encoded, 0, 60));
        assertEquals(example(), ObjectHeader.decode(KEY, encoded));
        assertEquals(1714564800000L, Instant.parse("2024-05-01T12:00:00Z").toEpochMilli());
    }

    @Test
    void crc32cIsCastagnoli() {
        assertEquals(0xe3069283, Crc32c.of("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertEquals(0, Crc32c.of(new byte[0]));
    }

    @Test
    void roundTripsExtremeValues() throws Exception {
        ObjectHeader h = new ObjectHeader(ObjectKind.SNAPSHOT, 65536, 0xFFFF_FFFEL, Long.MAX_VALUE, Long.MAX_VALUE,
                Instant.ofEpochMilli(-1), Instant.ofEpochMilli(Long.MAX_VALUE), 0xFFFF_FFFDL);
        assertEquals(h, ObjectHeader.decode("k", h.encode()));
        ObjectHeader small = new ObjectHeader(ObjectKind.SEGMENT, 512, 1, 1, 1, Instant.EPOCH, Instant.EPOCH, 1);
        assertEquals(small, ObjectHeader.decode("k", small.encode()));
        // decode only looks at the first 64 bytes.
        assertEquals(small, ObjectHeader.decode("k", Arrays.copyOf(small.encode(), 200)));
    }

    @Test
    void constructorRejectsImpossibleHeaders() {
        assertThrows(IllegalArgumentException.class, () -> header(1000, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> header(256, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> header(131072, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> header(4096, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> header(4096, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> header(4096, -1, 4));
    }

    private static ObjectHeader header(int pageSize, long first, long last) {
        return new ObjectHeader(ObjectKind.SEGMENT, pageSize, 1, first, last, Instant.EPOCH, Instant.EPOCH, 1);
    }

    @Test
    void everySingleBitFlipIsDetected() {
        byte[] good = example().encode();
        for (int bit = 0; bit < ObjectHeader.SIZE * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> ObjectHeader.decode(KEY, bad),
                    "bit " + bit);
            assertCorruptNamingKey(KEY, e);
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 4, 63})
    void shortHeaderIsCorrupt(int length) {
        CorruptObjectException e = assertThrows(CorruptObjectException.class,
                () -> ObjectHeader.decode(KEY, Arrays.copyOf(example().encode(), length)));
        assertCorruptNamingKey(KEY, e);
        assertTrue(e.getMessage().contains("shorter than"), e.getMessage());
    }

    /** Fields that the CRC covers but that are wrong on their own: a writer bug, or a newer walship. */
    @Test
    void checksumValidHeadersWithBadFieldsAreCorrupt() {
        assertTrue(reject(b -> b.putShort(4, (short) 2)).contains("format version 2"));
        assertTrue(reject(b -> b.put(6, (byte) 3)).contains("unknown object kind 3"));
        assertTrue(reject(b -> b.put(6, (byte) 0)).contains("unknown object kind 0"));
        assertTrue(reject(b -> b.putInt(8, 1000)).contains("page size"));
        assertTrue(reject(b -> b.putLong(16, 0)).contains("txid"));
        assertTrue(reject(b -> b.putLong(24, 4)).contains("txid"));
        assertTrue(reject(b -> b.putInt(0, 0x57534851)).contains("bad magic"));
    }

    private interface Edit {
        void apply(ByteBuffer b);
    }

    private static String reject(Edit edit) {
        ByteBuffer b = ByteBuffer.wrap(example().encode());
        edit.apply(b);
        b.putInt(60, Crc32c.of(b.array(), 0, 60));
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> ObjectHeader.decode(KEY, b.array()));
        assertCorruptNamingKey(KEY, e);
        return e.getMessage();
    }

    /** docs/FORMAT.md, "A segment of one transaction": everything but the LZ4 block data, which is compressor-specific. */
    @Test
    void oneTransactionSegmentExample() throws Exception {
        Instant t = Instant.parse("2024-05-01T12:00:00Z");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SegmentWriter w = new SegmentWriter(out, new ObjectHeader(ObjectKind.SEGMENT, 512, 1, 1, 1, t, t, 1));
        w.beginTransaction(1, t.toEpochMilli(), 1, 1);
        w.page(1, new byte[512], 0);
        w.finish();
        String o = HexFormat.of().formatHex(out.toByteArray());
        String header = "57534850" + "0001" + "02" + "00" + "00000200" + "00000001" + "0000000000000001"
                + "0000000000000001" + "0000018f34069e00" + "0000018f34069e00" + "00000001" + "0000000000000000" + "f1251e59";
        assertTrue(o.startsWith(header + "04224d186440a7"), o);
        int blockSize = Integer.reverseBytes(Integer.parseUnsignedInt(o.substring(142, 150), 16));
        assertTrue(blockSize > 0 && blockSize < 540, "one compressed block: " + blockSize);
        assertEquals(o.substring(0, 150 + 2 * blockSize) + "00000000" + "84fa6aa5"
                + "000000000000021c" + "887885dc" + "57454e44", o);
        assertEquals(0xa56afa84, net.jpountz.xxhash.XXHashFactory.fastestJavaInstance().hash32()
                .hash(HexFormat.of().parseHex("0000000000000001" + "0000018f34069e00" + "00000001" + "00000001" + "00000001"
                        + "00".repeat(512)), 0, 540, 0));
    }

    @Test
    void everyObjectStartsWithItsHeaderAndEndsWithTheTrailer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ObjectHeader h = new ObjectHeader(ObjectKind.SNAPSHOT, 512, 0, 1, 1, Instant.EPOCH, Instant.EPOCH, 0);
        new SnapshotWriter(out, h).finish();
        byte[] o = out.toByteArray();
        // docs/FORMAT.md, "Smallest object": header, an LZ4 frame with no blocks, trailer.
        assertEquals(HexFormat.of().formatHex(h.encode())
                + "04224d18" + "64" + "40" + "a7" // LZ4 magic, FLG, BD, header checksum
                + "00000000" // EndMark
                + "055dcc02" // xxHash32 of no content, little-endian
                + "0000000000000000" + "00000000" + "57454e44", // length 0, CRC32C 0, "WEND"
                HexFormat.of().formatHex(o));
    }
}
