package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentReader;
import io.walship.restore.DatabaseHistory.Transaction;
import io.walship.restore.ReplicaObjects;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A database history made up in memory, transaction by transaction (random page images, a database that grows and
 * sometimes shrinks), written to a replica the way the shipper writes it: snapshots and level-0 segments. It keeps the
 * exact transactions, so that a test can check what a replica holds against what was committed, transaction by
 * transaction, whatever level holds it.
 */
final class SyntheticHistory {
    static final int PAGE_SIZE = 512;
    static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");
    static final Lineage LINEAGE = new Lineage(0x0c0ffee0c0ffee01L);

    private final Random random = new Random(42);
    private final Path scratch;
    private final Map<Long, Transaction> transactions = new TreeMap<>();
    private final Map<Long, byte[]> states = new TreeMap<>();
    private final Set<Long> breaks = new HashSet<>();
    private byte[] current = new byte[0];
    private long txid;

    SyntheticHistory(Path scratch) {
        this.scratch = scratch;
    }

    long latestTxid() {
        return txid;
    }

    Transaction transaction(long txid) {
        return transactions.get(txid);
    }

    /** Commits one transaction at {@code time}: one to three pages changed, the database grows now and then. */
    long commit(Instant time) {
        long size = current.length / PAGE_SIZE;
        long newSize = size == 0 ? 2 : random.nextInt(10) == 0 && size > 2 ? size - 1 : size + random.nextInt(2);
        byte[] next = Arrays.copyOf(current, (int) (newSize * PAGE_SIZE));
        SortedMap<Long, byte[]> pages = new TreeMap<>();
        for (long p = size + 1; p <= newSize; p++) {
            pages.put(p, randomPage());
        }
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
            pages.put(1 + (long) random.nextInt((int) newSize), randomPage());
        }
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            System.arraycopy(e.getValue(), 0, next, (int) ((e.getKey() - 1) * PAGE_SIZE), PAGE_SIZE);
        }
        txid++;
        transactions.put(txid, new Transaction(txid, time, newSize, pages));
        states.put(txid, next);
        current = next;
        return txid;
    }

    /** A snapshot under a new txid that no transaction holds, as the replicator takes when it lost continuity. */
    long breakContinuity() {
        txid++;
        breaks.add(txid);
        states.put(txid, current);
        return txid;
    }

    private byte[] randomPage() {
        byte[] b = new byte[PAGE_SIZE];
        // Half random, half zeros: compressible, like real pages.
        byte[] r = new byte[PAGE_SIZE / 2];
        random.nextBytes(r);
        System.arraycopy(r, 0, b, 0, r.length);
        return b;
    }

    /** Writes the snapshot of the state at {@code txid}, taken at {@code time}. */
    String writeSnapshot(ReplicaStorage storage, long txid, Instant time) throws IOException {
        byte[] state = states.get(txid);
        long pages = state.length / PAGE_SIZE;
        ObjectHeader header = ObjectHeader.snapshot(PAGE_SIZE, pages, txid, time, LINEAGE, 0600);
        return ReplicaObjects.putSnapshot(storage, scratch, header, state, PAGE_SIZE);
    }

    /** Writes the level-0 segment of transactions {@code first..last}. */
    String writeSegment(ReplicaStorage storage, long first, long last) throws IOException {
        Transaction a = transactions.get(first);
        Transaction b = transactions.get(last);
        ObjectHeader header = ObjectHeader.segment(0, PAGE_SIZE, b.commitSize(), first, last, a.time(), b.time(),
                LINEAGE);
        List<Transaction> txs = new ArrayList<>();
        for (long t = first; t <= last; t++) {
            txs.add(transactions.get(t));
        }
        return ReplicaObjects.putSegment(storage, scratch, header, txs);
    }

    /** The lineage's segments in the replica, by key. */
    static List<ObjectKeys.ObjectName> segments(ReplicaStorage storage) throws IOException {
        List<ObjectKeys.ObjectName> out = new ArrayList<>();
        for (ObjectInfo info : storage.list("")) {
            ObjectKeys.parse(info.key()).filter(n -> n.kind() == ObjectKind.SEGMENT).ifPresent(out::add);
        }
        out.sort((x, y) -> x.firstTxid() != y.firstTxid() ? Long.compare(x.firstTxid(), y.firstTxid())
                : Integer.compare(x.level(), y.level()));
        return out;
    }

    /**
     * Checks what matters after anything the compactor did or a crash left: no two segments a restore would refuse to
     * combine (same-level overlaps, partial overlaps across levels), every segment holds exactly the committed
     * transactions it names (same txid, time, commit size and page images), and every transaction after the oldest
     * snapshot is held by some segment, so every txid restores. Segments in {@code unreadable} are not read.
     */
    void assertRestoresEveryTxid(ReplicaStorage storage, Set<String> unreadable) throws IOException {
        List<ObjectKeys.ObjectName> segments = segments(storage);
        for (ObjectKeys.ObjectName a : segments) {
            for (ObjectKeys.ObjectName b : segments) {
                if (a == b || a.lastTxid() < b.firstTxid() || b.lastTxid() < a.firstTxid()) {
                    continue;
                }
                if (a.level() == b.level()) {
                    fail("segments " + a.key() + " and " + b.key() + " of one level overlap");
                }
                ObjectKeys.ObjectName hi = a.level() > b.level() ? a : b;
                ObjectKeys.ObjectName lo = hi == a ? b : a;
                assertTrue(hi.firstTxid() <= lo.firstTxid() && lo.lastTxid() <= hi.lastTxid(),
                        hi.key() + " holds part of " + lo.key());
            }
        }
        Set<Long> held = new HashSet<>();
        for (ObjectKeys.ObjectName s : segments) {
            if (unreadable.contains(s.key())) {
                for (long t = s.firstTxid(); t <= s.lastTxid(); t++) {
                    held.add(t);
                }
                continue;
            }
            try (InputStream in = storage.get(s.key(), 0); SegmentReader r = new SegmentReader(s.key(), in)) {
                ObjectKeys.checkHeaderMatchesKey(s, r.header());
                SegmentReader.TransactionHeader tx;
                byte[] page = new byte[PAGE_SIZE];
                while ((tx = r.nextTransaction()) != null) {
                    Transaction expected = transactions.get(tx.txid());
                    assertNotNull(expected, s.key() + " holds txid " + tx.txid() + ", which was never committed");
                    assertEquals(expected.time(), tx.time(), s.key() + " txid " + tx.txid());
                    assertEquals(expected.commitSize(), tx.commitSize(), s.key() + " txid " + tx.txid());
                    assertEquals(expected.pages().size(), tx.pageCount(), s.key() + " txid " + tx.txid());
                    for (Map.Entry<Long, byte[]> e : expected.pages().entrySet()) {
                        assertEquals(e.getKey(), r.nextPage(page), s.key() + " txid " + tx.txid());
                        assertArrayEquals(e.getValue(), page, s.key() + " txid " + tx.txid() + " page " + e.getKey());
                    }
                    held.add(tx.txid());
                }
            }
        }
        long oldestSnapshot = Long.MAX_VALUE;
        for (ObjectInfo info : storage.list(ObjectKeys.SNAPSHOTS)) {
            oldestSnapshot = Math.min(oldestSnapshot, ObjectKeys.parse(info.key()).orElseThrow().firstTxid());
        }
        assertTrue(oldestSnapshot < Long.MAX_VALUE, "the replica holds a snapshot");
        for (long t = oldestSnapshot + 1; t <= txid; t++) {
            if (!breaks.contains(t)) {
                assertTrue(held.contains(t), "txid " + t + " is in no segment: it could not be restored");
            }
        }
    }

    void assertRestoresEveryTxid(ReplicaStorage storage) throws IOException {
        assertRestoresEveryTxid(storage, Set.of());
    }
}
