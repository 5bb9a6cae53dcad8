package io.walship.replicator.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The checksum arithmetic, header encoding and the generation relations, on exact values. */
class WalChecksumAndHeaderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void checksumReadsWordsInTheRequestedByteOrder() {
        byte[] d = hex("00000001 00000002");
        // Big-endian words 1 and 2: s1 = 0 + 1 + 0 = 1, s2 = 0 + 2 + 1 = 3.
        assertEquals(new WalChecksum(1, 3), WalChecksum.ZERO.update(true, d, 0, 8));
        // Little-endian words 0x01000000 and 0x02000000.
        assertEquals(new WalChecksum(0x01000000, 0x03000000), WalChecksum.ZERO.update(false, d, 0, 8));
    }

    @Test
    void checksumFollowsSqliteRecurrenceWithWrapAround() {
        // s1 += x[i] + s2; s2 += x[i+1] + s1, in unsigned 32-bit arithmetic.
        byte[] d = hex("ffffffff ffffffff 00000003 80000000");
        long s1 = 0;
        long s2 = 0;
        long[] words = {0xffffffffL, 0xffffffffL, 3, 0x80000000L};
        for (int i = 0; i < words.length; i += 2) {
            s1 = (s1 + words[i] + s2) & 0xffffffffL;
            s2 = (s2 + words[i + 1] + s1) & 0xffffffffL;
        }
        assertEquals(new WalChecksum((int) s1, (int) s2), WalChecksum.ZERO.update(true, d, 0, 16));
    }

    @Test
    void checksumAccumulatesAcrossCallsAndHonoursTheOffset() {
        byte[] d = new byte[64];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i * 37 + 11);
        }
        for (boolean be : new boolean[] {true, false}) {
            WalChecksum whole = WalChecksum.ZERO.update(be, d, 0, 64);
            assertEquals(whole, WalChecksum.ZERO.update(be, d, 0, 24).update(be, d, 24, 40));
            byte[] shifted = new byte[70];
            System.arraycopy(d, 0, shifted, 5, 64);
            assertEquals(whole, WalChecksum.ZERO.update(be, shifted, 5, 64));
        }
        assertEquals(new WalChecksum(5, 6), new WalChecksum(5, 6).update(true, d, 0, 0));
    }

    @Test
    void checksumLengthMustBeAMultipleOfEight() {
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.ZERO.update(true, new byte[12], 0, 12));
        assertThrows(IllegalArgumentException.class, () -> WalChecksum.ZERO.update(false, new byte[8], 0, 4));
    }

    @Test
    void headerEncodingIsByteExact() {
        byte[] h = WalHeader.encode(true, 4096, 1, 0x11223344, 0x55667788);
        WalChecksum sum = WalChecksum.ZERO.update(true, h, 0, 24);
        String expected = "377f0683" + "002de218" + "00001000" + "00000001" + "11223344" + "55667788"
                + String.format("%08x%08x", sum.s1(), sum.s2());
        assertEquals(expected, HexFormat.of().formatHex(h));
        assertEquals(3007000, 0x002de218);

        byte[] le = WalHeader.encode(false, 4096, 1, 0x11223344, 0x55667788);
        assertEquals("377f0682", HexFormat.of().formatHex(le, 0, 4));
    }

    @Test
    void isFollowedByRequiresTheNextSaltAndSamePageSize() {
        WalHeader a = header(4096, 5, 100, 7);
        assertTrue(a.isFollowedBy(header(4096, 6, 101, 12345)));
        assertFalse(a.isFollowedBy(header(4096, 6, 102, 12345)), "a restart was missed");
        assertFalse(a.isFollowedBy(header(4096, 6, 100, 12345)));
        assertFalse(a.isFollowedBy(header(8192, 6, 101, 12345)), "page size changed: VACUUM, not a restart");
        assertFalse(a.isFollowedBy(a));
        // Unsigned 32-bit wrap-around of salt-1 and of the checkpoint sequence.
        assertTrue(header(4096, -1, -1, 0).isFollowedBy(header(4096, 0, 0, 1)));
    }

    @Test
    void sameGenerationComparesEveryIdentifyingField() {
        WalHeader a = header(4096, 5, 100, 7);
        assertTrue(a.sameGeneration(header(4096, 5, 100, 7)));
        assertFalse(a.sameGeneration(header(4096, 5, 100, 8)));
        assertFalse(a.sameGeneration(header(4096, 5, 101, 7)));
        assertFalse(a.sameGeneration(header(4096, 6, 100, 7)));
        assertFalse(a.sameGeneration(header(1024, 5, 100, 7)));
        assertFalse(a.sameGeneration(WalHeader.parse(WalHeader.encode(true, 4096, 5, 100, 7)).orElseThrow()));
    }

    @Test
    void frameOffsetArithmetic() {
        assertEquals(32, WalCursor.frameOffset(1, 4096));
        assertEquals(32 + 24 + 4096, WalCursor.frameOffset(2, 4096));
        assertEquals(32 + 9 * (24 + 512), WalCursor.frameOffset(10, 512));
        // No int overflow: 100000 frames of 64 KiB pages end far beyond 2 GiB.
        assertEquals(32L + 99_999L * 65_560L, WalCursor.frameOffset(100_000, 65536));
        assertEquals(32L + 0xFFFF_FFFEL * 65_560L, WalCursor.frameOffset(0xFFFF_FFFFL, 65536));
    }

    @Test
    void cursorStartsAtTheHeaderChecksum() {
        WalHeader h = header(4096, 1, 2, 3);
        assertEquals(new WalCursor(0, h.checksum()), WalCursor.start(h));
    }

    private static WalHeader header(int pageSize, int seq, int salt1, int salt2) {
        return WalHeader.parse(WalHeader.encode(false, pageSize, seq, salt1, salt2)).orElseThrow();
    }
}
