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

/**
 * The object header, byte for byte, in both versions: the 80-byte version 2 walship writes and the 64-byte version 1 it
 * still reads; the worked examples here are the ones in docs/FORMAT.md.
 */
@SuppressWarnings("deprecation")
class ObjectHeaderTest {
    private static final String KEY = "segments/0000000000000005-0000000000000007.segment";

    /** docs/FORMAT.md, "Worked example": CRC32C checked against an independent implementation. */
    static final String WORKED_EXAMPLE =
            "57534850 0001 02 00 00001000 00000016 0000000000000005 0000000000000007"
            + " 0000018f34069e00 0000018f34069e14 00000003 0000000000000000 07edb9c5";

    private static final String KEY_V2 =
            "segments/01/0000000000000005-0000000000000007-018f34069e00-018f34069e14-0123456789abcdef.segment";

    /** docs/FORMAT.md, "Worked example" of version 2: a level-1 segment. CRC32C checked against an independent implementation. */
    static final String WORKED_EXAMPLE_V2 =
            "57534850 0002 02 01 00001000 00000016 0000000000000005 0000000000000007"
            + " 0000018f34069e00 0000018f34069e14 00000003 0123456789abcdef 0000 0000000000000000000000000000 6e41184b";

    private static ObjectHeader exampleV2() {
        return ObjectHeader.segment(1, 4096, 22, 5, 7, Instant.parse("2024-05-01T12:00:00Z"),
                Instant.parse("2024-05-01T12:00:00.020Z"), new Lineage(0x0123456789abcdefL));
    }

    private static ObjectHeader example() {
        return new ObjectHeader(ObjectKind.SEGMENT, 4096, 22, 5, 7, Instant.parse("2024-05-01T12:00:00Z"),
                Instant.parse("2024-05-01T12:00:00.020Z"), 3);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void workedExampleV2IsByteExact() throws Exception {
        byte[] encoded = exampleV2().encode();
        assertEquals(ObjectHeader.SIZE, encoded.length);
        assertEquals(80, encoded.length);
        assertEquals(WORKED_EXAMPLE_V2.replace(" ", "").substring(0, 152),
                HexFormat.of().formatHex(encoded).substring(0, 152));
        assertEquals(0x6e41184b, Crc32c.of(encoded, 0, 76));
        assertArrayEquals(hex(WORKED_EXAMPLE_V2), encoded);
        assertEquals(exampleV2(), ObjectHeader.decode(KEY_V2, encoded));
        assertEquals(KEY_V2, ObjectKeys.of(exampleV2()));
        assertEquals(2, exampleV2().version());
        assertEquals(1, exampleV2().level());
        assertEquals(3, exampleV2().count());
    }

    @Test
    void aV2SnapshotCarriesTheFileMode() throws Exception {
        ObjectHeader h = ObjectHeader.snapshot(4096, 3, 9, Instant.parse("2024-05-01T12:00:00Z"), new Lineage(-2L), 0640);
        byte[] b = h.encode();
        assertEquals(0640, ByteBuffer.wrap(b).getShort(60));
        assertEquals(-2L, ByteBuffer.wrap(b).getLong(52));
        assertEquals(h, ObjectHeader.decode("k", b));
        assertEquals(0640, ObjectHeader.decode("k", b).fileMode());
        assertEquals("snapshots/0000000000000009-018f34069e00-fffffffffffffffe.snapshot", ObjectKeys.of(h));
    }

    /** A version-1 header decodes as the legacy lineage at level 0 with an unknown file mode. */
    @Test
    void v1HeadersReadAsLegacyLevelZero() throws Exception {
        ObjectHeader h = ObjectHeader.decode(KEY, hex(WORKED_EXAMPLE));
        assertEquals(1, h.version());
        assertEquals(Lineage.LEGACY, h.lineage());
        assertEquals(0, h.level());
        assertEquals(0, h.fileMode());
        // A reader may fetch 80 bytes whatever the version: decode looks at the first 64 of a version-1 header only.
        assertEquals(h, ObjectHeader.decode(KEY, Arrays.copyOf(hex(WORKED_EXAMPLE), ObjectHeader.SIZE)));
    }

    @Test
    void workedExampleIsByteExact() throws Exception {
        byte[] encoded = example().encode();
        assertEquals(ObjectHeader.V1_SIZE, encoded.length);
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
        for (ObjectHeader h : new ObjectHeader[] {example(), exampleV2()}) {
            byte[] good = h.encode();
            for (int bit = 0; bit < good.length * 8; bit++) {
                byte[] bad = good.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                CorruptObjectException e = assertThrows(CorruptObjectException.class,
                        () -> ObjectHeader.decode(KEY, bad), "version " + h.version() + " bit " + bit);
                assertCorruptNamingKey(KEY, e);
            }
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 5, 6, 64, 79})
    void shortV2HeaderIsCorrupt(int length) {
        CorruptObjectException e = assertThrows(CorruptObjectException.class,
                () -> ObjectHeader.decode(KEY, Arrays.copyOf(exampleV2().encode(), length)));
        assertCorruptNamingKey(KEY, e);
        assertTrue(e.getMessage().contains("shorter than"), e.getMessage());
    }

    /** Version-2 fields that the CRC covers but that are wrong on their own. */
    @Test
    void checksumValidV2HeadersWithBadFieldsAreCorrupt() {
        assertTrue(rejectV2(b -> b.putLong(52, 0)).contains("lineage 0"));
        assertTrue(rejectV2(b -> b.put(7, (byte) 100)).contains("level 100"));
        assertTrue(rejectV2(b -> b.putShort(60, (short) 0600)).contains("file mode"));
        assertTrue(rejectV2(b -> b.putLong(40, b.getLong(32) - 1)).contains("time range"));
        assertTrue(rejectV2(b -> b.putShort(4, (short) 3)).contains("format version 3"));
        ObjectHeader snapshot = ObjectHeader.snapshot(512, 1, 4, Instant.EPOCH, new Lineage(9), 0600);
        ByteBuffer b = ByteBuffer.wrap(snapshot.encode());
        b.put(7, (byte) 1);
        b.putInt(76, Crc32c.of(b.array(), 0, 76));
        assertTrue(assertThrows(CorruptObjectException.class, () -> ObjectHeader.decode(KEY, b.array())).getMessage()
                .contains("level 1"));
    }

    private static String rejectV2(Edit edit) {
        ByteBuffer b = ByteBuffer.wrap(exampleV2().encode());
        edit.apply(b);
        b.putInt(76, Crc32c.of(b.array(), 0, 76));
        CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> ObjectHeader.decode(KEY, b.array()));
        assertCorruptNamingKey(KEY, e);
        return e.getMessage();
    }

    @Test
    void constructorRejectsImpossibleV2Headers() {
        Lineage l = new Lineage(7);
        assertThrows(IllegalArgumentException.class,
                () -> ObjectHeader.segment(0, 512, 1, 1, 1, Instant.EPOCH, Instant.EPOCH, Lineage.LEGACY));
        assertThrows(IllegalArgumentException.class,
                () -> ObjectHeader.segment(100, 512, 1, 1, 1, Instant.EPOCH, Instant.EPOCH, l));
        assertThrows(IllegalArgumentException.class,
                () -> ObjectHeader.segment(0, 512, 1, 1, 2, Instant.ofEpochMilli(5), Instant.ofEpochMilli(4), l));
        assertThrows(IllegalArgumentException.class,
                () -> ObjectHeader.segment(0, 512, 1, 1, 1, Instant.ofEpochMilli(-1), Instant.EPOCH, l));
        assertThrows(IllegalArgumentException.class,
                () -> ObjectHeader.snapshot(512, 1, 1, Instant.ofEpochMilli(ObjectHeader.MAX_TIME_MILLIS + 1), l, 0));
        assertThrows(IllegalArgumentException.class, () -> ObjectHeader.snapshot(512, 1, 1, Instant.EPOCH, l, 010000));
        assertThrows(IllegalArgumentException.class, () -> new ObjectHeader(1, ObjectKind.SEGMENT, 0, 512, 1, 1, 1,
                Instant.EPOCH, Instant.EPOCH, 1, l, 0));
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
        assertTrue(reject(b -> b.putShort(4, (short) 3)).contains("format version 3"));
        assertTrue(reject(b -> b.putShort(4, (short) 0)).contains("format version 0"));
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

    /** docs/FORMAT.md, "The smallest object" in version 2: a snapshot of an empty database, 111 bytes. */
    @Test
    void smallestV2Object() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ObjectHeader h = ObjectHeader.snapshot(512, 0, 1, Instant.EPOCH, new Lineage(0x0123456789abcdefL), 0600);
        new SnapshotWriter(out, h).finish();
        assertEquals("57534850" + "0002" + "01" + "00" + "00000200" + "00000000" + "0000000000000001"
                + "0000000000000001" + "0000000000000000" + "0000000000000000" + "00000000" + "0123456789abcdef"
                + "0180" + "00".repeat(14) + "ff91190f"
                + "04224d18" + "64" + "40" + "a7" + "00000000" + "055dcc02"
                + "0000000000000000" + "00000000" + "57454e44", HexFormat.of().formatHex(out.toByteArray()));
        assertEquals(111, out.size());
        assertEquals("snapshots/0000000000000001-000000000000-0123456789abcdef.snapshot", ObjectKeys.of(h));
    }
}
