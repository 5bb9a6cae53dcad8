package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectKeysTest {
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
