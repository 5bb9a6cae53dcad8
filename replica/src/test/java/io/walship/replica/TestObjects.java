package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Builders and full readers for replica objects, shared by the replica tests. */
final class TestObjects {
    static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
    static final Lineage LINEAGE = new Lineage(0x0123456789abcdefL);

    private TestObjects() {
    }

    /** Content the tests can recognise: the page number in the first 8 bytes, then half random, half zeros. */
    static byte[] page(int pageSize, long pgno, long seed) {
        byte[] p = new byte[pageSize];
        new Random(pgno * 31 + seed).nextBytes(p);
        java.util.Arrays.fill(p, pageSize / 2, pageSize, (byte) 0);
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (pgno >>> (56 - 8 * i));
        }
        return p;
    }

    static ObjectHeader snapshotHeader(int pageSize, long databasePages, long txid) {
        return ObjectHeader.snapshot(pageSize, databasePages, txid, T0, LINEAGE, 0600);
    }

    /** The same snapshot header in format version 1, which walship still reads. */
    @SuppressWarnings("deprecation")
    static ObjectHeader snapshotHeaderV1(int pageSize, long databasePages, long txid) {
        return new ObjectHeader(ObjectKind.SNAPSHOT, pageSize, databasePages, txid, txid, T0, T0,
                SnapshotWriter.storedPages(databasePages, pageSize));
    }

    static byte[] snapshot(int pageSize, long databasePages, long txid, long seed) throws IOException {
        return snapshot(snapshotHeader(pageSize, databasePages, txid), seed);
    }

    /** A version-1 snapshot, as walship wrote before lineages. */
    static byte[] snapshotV1(int pageSize, long databasePages, long txid, long seed) throws IOException {
        return snapshot(snapshotHeaderV1(pageSize, databasePages, txid), seed);
    }

    static byte[] snapshot(ObjectHeader header, long seed) throws IOException {
        int pageSize = header.pageSize();
        long databasePages = header.databasePages();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotWriter w = new SnapshotWriter(out, header);
        for (long p = 1; p <= databasePages; p++) {
            if (p != DatabasePages.lockPage(pageSize)) {
                assertEquals(p, w.nextPageNumber());
                w.page(page(pageSize, p, seed), 0);
            }
        }
        w.finish();
        return out.toByteArray();
    }

    /** One transaction of a test segment. */
    record Tx(long txid, long timeMillis, long commitSize, long[] pgnos) {
    }

    static ObjectHeader segmentHeader(int pageSize, List<Tx> txs) {
        Tx first = txs.get(0);
        Tx last = txs.get(txs.size() - 1);
        return ObjectHeader.segment(0, pageSize, last.commitSize(), first.txid(), last.txid(),
                Instant.ofEpochMilli(first.timeMillis()), Instant.ofEpochMilli(last.timeMillis()), LINEAGE);
    }

    static byte[] segment(int pageSize, List<Tx> txs, long seed) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SegmentWriter w = new SegmentWriter(out, segmentHeader(pageSize, txs));
        for (Tx tx : txs) {
            w.beginTransaction(tx.txid(), tx.timeMillis(), tx.commitSize(), tx.pgnos().length);
            for (long pgno : tx.pgnos()) {
                w.page(pgno, page(pageSize, pgno, seed + tx.txid()), 0);
            }
        }
        w.finish();
        return out.toByteArray();
    }

    /** A small segment of three transactions with 4 KiB pages. */
    static List<Tx> threeTransactions() {
        return List.of(
                new Tx(5, T0.toEpochMilli(), 3, new long[] {1, 2, 3}),
                new Tx(6, T0.toEpochMilli() + 10, 3, new long[] {2}),
                new Tx(7, T0.toEpochMilli() + 20, 5, new long[] {1, 4, 5}));
    }

    /** Any content behind a valid envelope: how the tests make objects that no writer would. */
    interface Content {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] raw(ObjectHeader header, Content content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ObjectWriter w = new ObjectWriter(out, header);
        content.write(w.content());
        w.finish();
        return out.toByteArray();
    }

    /** Reads a snapshot to its verified end; returns the page numbers in order. Checks page contents too. */
    static List<Long> readSnapshot(String key, byte[] bytes, long seed) throws IOException {
        List<Long> pgnos = new ArrayList<>();
        try (SnapshotReader r = new SnapshotReader(key, new ByteArrayInputStream(bytes))) {
            byte[] buf = new byte[r.header().pageSize()];
            long p;
            while ((p = r.nextPage(buf)) != 0) {
                pgnos.add(p);
                if (seed >= 0 && !java.util.Arrays.equals(page(r.header().pageSize(), p, seed), buf)) {
                    fail("page " + p + " content differs");
                }
            }
        }
        return pgnos;
    }

    /** Reads a segment to its verified end; returns the transactions it held. */
    static List<Tx> readSegment(String key, byte[] bytes) throws IOException {
        List<Tx> txs = new ArrayList<>();
        try (SegmentReader r = new SegmentReader(key, new ByteArrayInputStream(bytes))) {
            byte[] buf = new byte[r.header().pageSize()];
            SegmentReader.TransactionHeader t;
            while ((t = r.nextTransaction()) != null) {
                List<Long> pgnos = new ArrayList<>(); // not sized by pageCount: a damaged count can be huge
                for (int i = 0; i < t.pageCount(); i++) {
                    pgnos.add(r.nextPage(buf));
                }
                txs.add(new Tx(t.txid(), t.time().toEpochMilli(), t.commitSize(),
                        pgnos.stream().mapToLong(Long::longValue).toArray()));
            }
        }
        return txs;
    }

    /** Reads an object of either kind completely, the way a restore would. */
    static void readFully(String key, byte[] bytes) throws IOException {
        ObjectKind kind = ObjectKind.ofCode(bytes.length > 6 ? bytes[6] : 0);
        if (kind == ObjectKind.SEGMENT) {
            readSegment(key, bytes);
        } else {
            readSnapshot(key, bytes, -1);
        }
    }

    /**
     * Reads an object of either kind completely and returns a SHA-256 of everything the reader handed out (header,
     * transaction headers, page numbers, page images): two objects with equal digests restore identically.
     */
    static String decodedDigest(String key, byte[] bytes) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        ObjectHeader h = ObjectHeader.decode(key, bytes);
        md.update(h.encode());
        byte[] buf = new byte[h.pageSize()];
        if (h.kind() == ObjectKind.SEGMENT) {
            try (SegmentReader r = new SegmentReader(key, new ByteArrayInputStream(bytes))) {
                SegmentReader.TransactionHeader t;
                while ((t = r.nextTransaction()) != null) {
                    md.update(t.toString().getBytes(StandardCharsets.UTF_8));
                    for (int i = 0; i < t.pageCount(); i++) {
                        md.update(Long.toString(r.nextPage(buf)).getBytes(StandardCharsets.UTF_8));
                        md.update(buf);
                    }
                }
            }
        } else {
            try (SnapshotReader r = new SnapshotReader(key, new ByteArrayInputStream(bytes))) {
                long p;
                while ((p = r.nextPage(buf)) != 0) {
                    md.update(Long.toString(p).getBytes(StandardCharsets.UTF_8));
                    md.update(buf);
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static void assertCorruptNamingKey(String key, CorruptObjectException e) {
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
