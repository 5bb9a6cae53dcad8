package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@SuppressWarnings("deprecation")
class ObjectKeysTest {
    private static final Lineage L = new Lineage(0x0123456789abcdefL);
    private static final Instant T1 = Instant.parse("2024-05-01T12:00:00Z");
    private static final Instant T2 = Instant.parse("2024-05-01T12:00:00.020Z");

    @Test
    void v2KeysCarryTimesLineageAndLevel() {
        String s = ObjectKeys.snapshot(9, T1, L);
        assertEquals("snapshots/0000000000000009-018f34069e00-0123456789abcdef.snapshot", s);
        assertEquals(Optional.of(new ObjectKeys.ObjectName(ObjectKind.SNAPSHOT, 0, 9, 9, Optional.of(T1), Optional.of(T1),
                L, s)), ObjectKeys.parse(s));
        String g = ObjectKeys.segment(1, 5, 7, T1, T2, L);
        assertEquals("segments/01/0000000000000005-0000000000000007-018f34069e00-018f34069e14-0123456789abcdef.segment", g);
        ObjectKeys.ObjectName n = ObjectKeys.parse(g).orElseThrow();
        assertEquals(new ObjectKeys.ObjectName(ObjectKind.SEGMENT, 1, 5, 7, Optional.of(T1), Optional.of(T2), L, g), n);
        assertTrue(n.hasTimes());
        assertEquals("segments/00/", ObjectKeys.segment(0, 1, 1, T1, T1, L).substring(0, 12));
        assertEquals("segments/99/", ObjectKeys.segment(99, 1, 1, T1, T1, L).substring(0, 12));
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.segment(100, 1, 1, T1, T1, L));
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.snapshot(1, Instant.ofEpochMilli(-1), L));
    }

    @Test
    void v1KeysParseAsLegacyWithoutTimes() {
        ObjectKeys.ObjectName n = ObjectKeys.parse("segments/0000000000000005-0000000000000007.segment").orElseThrow();
        assertEquals(Lineage.LEGACY, n.lineage());
        assertEquals(0, n.level());
        assertEquals(Optional.empty(), n.firstTime());
        assertFalse(n.hasTimes());
        assertEquals(Lineage.LEGACY, ObjectKeys.parse("snapshots/0000000000000005.snapshot").orElseThrow().lineage());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "snapshots/0000000000000001-000000000000-0000000000000000.snapshot",   // lineage 0 is only for version 1
        "snapshots/0000000000000000-000000000000-0123456789abcdef.snapshot",   // txid 0
        "snapshots/0000000000000001-00000000000-0123456789abcdef.snapshot",    // 11 time digits
        "snapshots/0000000000000001-000000000000-0123456789ABCDEF.snapshot",   // upper case
        "segments/0000000000000001-0000000000000001-000000000000-000000000000-0123456789abcdef.segment", // no level
        "segments/1/0000000000000001-0000000000000001-000000000000-000000000000-0123456789abcdef.segment",
        "segments/00/0000000000000002-0000000000000001-000000000000-000000000000-0123456789abcdef.segment",
        "segments/00/0000000000000001-0000000000000002-000000000002-000000000001-0123456789abcdef.segment",
        "segments/00/0000000000000001-0000000000000001-000000000000-000000000000-0000000000000000.segment",
        "segments/00/0000000000000001-0000000000000001.segment",
        "segments/00/0000000000000001-0000000000000001-000000000000-000000000000-0123456789abcdef.segment.walship-tmp",
        "segments/aa/0000000000000001-0000000000000001-000000000000-000000000000-0123456789abcdef.segment",
    })
    void malformedV2KeysAreNotObjects(String key) {
        assertEquals(Optional.empty(), ObjectKeys.parse(key));
    }

    @Test
    void v2KeysSortByTxidWithinALevel() {
        List<String> keys = new ArrayList<>();
        Random r = new Random(3);
        List<Long> txids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            txids.add(1 + (r.nextLong() >>> (1 + r.nextInt(62))));
        }
        for (long t : txids) {
            keys.add(ObjectKeys.snapshot(t, Instant.ofEpochMilli(r.nextInt(1 << 30)), new Lineage(r.nextLong() | 1)));
        }
        keys.sort(Comparator.naturalOrder());
        assertEquals(txids.stream().sorted().toList(), keys.stream().map(k -> ObjectKeys.parse(k).orElseThrow().firstTxid()).toList());
    }

    /** The key must agree with the header on every field it names; otherwise the object is corrupt. */
    @Test
    void headerMustMatchItsKey() throws Exception {
        ObjectHeader h = ObjectHeader.segment(1, 512, 3, 5, 7, T1, T2, L);
        ObjectKeys.checkHeaderMatchesKey(ObjectKeys.parse(ObjectKeys.of(h)).orElseThrow(), h);
        for (String other : List.of(
                ObjectKeys.segment(0, 5, 7, T1, T2, L),
                ObjectKeys.segment(1, 5, 8, T1, T2, L),
                ObjectKeys.segment(1, 5, 7, T1, T1.plusMillis(21), L),
                ObjectKeys.segment(1, 5, 7, T1.plusMillis(1), T2, L),
                ObjectKeys.segment(1, 5, 7, T1, T2, new Lineage(1)),
                ObjectKeys.segment(5, 7),
                ObjectKeys.snapshot(5, T1, L))) {
            ObjectKeys.ObjectName n = ObjectKeys.parse(other).orElseThrow();
            CorruptObjectException e = assertThrows(CorruptObjectException.class, () -> ObjectKeys.checkHeaderMatchesKey(n, h),
                    other);
            assertEquals(other, e.key());
        }
        ObjectHeader v1 = new ObjectHeader(ObjectKind.SEGMENT, 512, 3, 5, 7, T1, T2, 3);
        ObjectKeys.checkHeaderMatchesKey(ObjectKeys.parse(ObjectKeys.segment(5, 7)).orElseThrow(), v1);
        assertThrows(CorruptObjectException.class,
                () -> ObjectKeys.checkHeaderMatchesKey(ObjectKeys.parse(ObjectKeys.segment(0, 5, 7, T1, T2, L)).orElseThrow(), v1));
    }

    @Test
    void formatsSixteenLowerCaseHexDigits() {
        assertEquals("snapshots/0000000000000001.snapshot", ObjectKeys.snapshot(1));
        assertEquals("snapshots/00000000deadbeef.snapshot", ObjectKeys.snapshot(0xdeadbeefL));
        assertEquals("segments/0000000000000001-000000000000001f.segment", ObjectKeys.segment(1, 31));
        assertEquals("segments/7fffffffffffffff-7fffffffffffffff.segment", ObjectKeys.segment(Long.MAX_VALUE, Long.MAX_VALUE));
        assertEquals("0000000000000abc", ObjectKeys.hex(0xabc));
        assertTrue(ObjectKeys.snapshot(1).startsWith(ObjectKeys.SNAPSHOTS));
        assertTrue(ObjectKeys.segment(1, 1).startsWith(ObjectKeys.SEGMENTS));
    }

    @Test
    void parseInvertsFormat() {
        Random r = new Random(1);
        for (int i = 0; i < 1000; i++) {
            long a = 1 + (r.nextLong() >>> 1) % (Long.MAX_VALUE - 1);
            long b = a + (r.nextLong() >>> 1) % (Long.MAX_VALUE - a + 1);
            String s = ObjectKeys.snapshot(a);
            assertEquals(Optional.of(new ObjectKeys.ObjectName(ObjectKind.SNAPSHOT, a, a, s)), ObjectKeys.parse(s));
            String g = ObjectKeys.segment(a, b);
            assertEquals(Optional.of(new ObjectKeys.ObjectName(ObjectKind.SEGMENT, a, b, g)), ObjectKeys.parse(g));
        }
        assertEquals(Optional.of(new ObjectKeys.ObjectName(ObjectKind.SEGMENT, 3, 3, ObjectKeys.segment(3, 3))),
                ObjectKeys.parse(ObjectKeys.segment(3, 3)));
    }

    @Test
    void lexicographicOrderIsTxidOrder() {
        List<Long> txids = new ArrayList<>(List.of(1L, 9L, 10L, 15L, 16L, 17L, 255L, 256L, 0xffffffffL, 0x100000000L,
                Long.MAX_VALUE - 1, Long.MAX_VALUE));
        Random r = new Random(2);
        for (int i = 0; i < 500; i++) {
            txids.add(1 + (r.nextLong() >>> (1 + r.nextInt(62))));
        }
        List<String> snapshots = new ArrayList<>(txids.stream().map(ObjectKeys::snapshot).toList());
        snapshots.sort(Comparator.naturalOrder());
        List<Long> parsed = snapshots.stream().map(k -> ObjectKeys.parse(k).orElseThrow().firstTxid()).toList();
        assertEquals(txids.stream().sorted().toList(), parsed);

        List<String> segments = new ArrayList<>();
        for (long t : txids) {
            segments.add(ObjectKeys.segment(t, t));
            if (t < Long.MAX_VALUE) {
                segments.add(ObjectKeys.segment(t, t + 1));
            }
        }
        segments.sort(Comparator.naturalOrder());
        List<ObjectKeys.ObjectName> names = segments.stream().map(k -> ObjectKeys.parse(k).orElseThrow()).toList();
        for (int i = 1; i < names.size(); i++) {
            ObjectKeys.ObjectName a = names.get(i - 1);
            ObjectKeys.ObjectName b = names.get(i);
            assertTrue(a.firstTxid() < b.firstTxid() || a.firstTxid() == b.firstTxid() && a.lastTxid() <= b.lastTxid(),
                    a.key() + " before " + b.key());
        }
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "",
        "snapshots/",                                              // directory marker
        "segments/",                                               // directory marker
        "snapshots",
        "snapshots/0000000000000001.snapshot/",
        "snapshots/1.snapshot",                                    // not 16 digits
        "snapshots/00000000000000001.snapshot",                    // 17 digits
        "snapshots/000000000000000A.snapshot",                     // upper case
        "snapshots/000000000000000g.snapshot",
        "snapshots/0000000000000001.snapshot.walship-tmp",         // a temporary file of a put
        "snapshots/0000000000000001.snapshot.1a2b.walship-tmp",
        "snapshots/0000000000000001.segment",
        "segments/0000000000000001.segment",
        "segments/0000000000000001-0000000000000002.snapshot",
        "segments/0000000000000001_0000000000000002.segment",
        "segments/0000000000000002-0000000000000001.segment",      // last before first
        "segments/0000000000000000-0000000000000001.segment",      // txid 0 does not exist
        "segments/8000000000000000-8000000000000001.segment",      // beyond 2^63 - 1
        "segments/0000000000000001-8000000000000000.segment",
        "/snapshots/0000000000000001.snapshot",                    // keys are relative
        "db/snapshots/0000000000000001.snapshot",                  // nested under another folder
        "snapshots/0000000000000001.snapshot ",
        " snapshots/0000000000000001.snapshot",
        "snapshots\\0000000000000001.snapshot",
        "README.md",
    })
    void junkAndDirectoryMarkersAreNotObjects(String key) {
        assertEquals(Optional.empty(), ObjectKeys.parse(key));
    }

    /**
     * Txids start at 1 and fit in a signed 64-bit integer (ObjectHeader refuses anything else), so no object can have
     * these names; parsing them as txid 0 or as a negative txid would also break "lexicographic order = txid order".
     */
    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "snapshots/0000000000000000.snapshot",
        "snapshots/8000000000000000.snapshot",
        "snapshots/ffffffffffffffff.snapshot",
    })
    void snapshotKeysWithImpossibleTxidsAreNotObjects(String key) {
        assertEquals(Optional.empty(), ObjectKeys.parse(key));
    }
}
