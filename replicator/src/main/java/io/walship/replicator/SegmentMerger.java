package io.walship.replicator;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.SegmentReader;
import io.walship.replica.SegmentWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Merges a run of consecutive segments into one segment of a higher level that holds every one of their transactions
 * as it was: the same txids, times, commit sizes and page images, transaction by transaction, so that a restore can
 * still stop after any of them. Nothing is combined across transactions; the merged object is smaller in number, not
 * in history.
 *
 * <p>The inputs are streamed one after another from the replica (one GET each, plus one small range request for the
 * last one's header, which the merged header needs first: its page size and database size). Each input is verified to
 * its end (header against its key, LZ4 and CRC32C checksums, every structural rule), and the merged file is read back
 * and verified the same way before it is handed out; any failure throws and leaves nothing but the caller's temporary
 * file. Used by one thread at a time.
 */
final class SegmentMerger {
    private static final int BUFFER = 1 << 16;

    private SegmentMerger() {
    }

    /** The merged segment: its key and the file holding its bytes, ready to upload. */
    record Merged(ObjectKeys.ObjectName name, Path file, long transactions) {
    }

    /**
     * Writes the segment of {@code level} holding exactly the transactions of {@code inputs} (consecutive segments of
     * lower levels, in txid order, of {@code lineage}) into {@code target}.
     *
     * @param stopping checked between inputs: a merge is given up (with {@link InterruptedIOException}) when it is true
     * @throws CorruptObjectException naming the input (or the merged file) that failed verification
     * @throws IOException            when the replica cannot be read, or the merge was given up
     */
    static Merged merge(ReplicaStorage storage, int level, List<ObjectKeys.ObjectName> inputs, Lineage lineage,
                        Path target, BooleanSupplier stopping) throws IOException {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("a merge needs at least two segments, got " + inputs.size());
        }
        ObjectKeys.ObjectName first = inputs.get(0);
        ObjectKeys.ObjectName last = inputs.get(inputs.size() - 1);
        for (int i = 0; i < inputs.size(); i++) {
            ObjectKeys.ObjectName in = inputs.get(i);
            if (in.level() >= level || !in.lineage().equals(lineage) || !in.hasTimes()
                    || i > 0 && in.firstTxid() != inputs.get(i - 1).lastTxid() + 1) {
                throw new IllegalArgumentException("segment " + in.key() + " cannot go into a level-" + level
                        + " segment of lineage " + lineage + " after " + (i > 0 ? inputs.get(i - 1).key() : "nothing"));
            }
        }
        ObjectHeader lastHeader = ObjectHeader.decode(last.key(),
                storage.getRange(last.key(), 0, ObjectHeader.SIZE));
        ObjectKeys.checkHeaderMatchesKey(last, lastHeader);
        ObjectHeader header = ObjectHeader.segment(level, lastHeader.pageSize(), lastHeader.databasePages(),
                first.firstTxid(), last.lastTxid(), first.firstTime().orElseThrow(), last.lastTime().orElseThrow(),
                lineage);
        byte[] page = new byte[header.pageSize()];
        long transactions = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), BUFFER)) {
            SegmentWriter writer = new SegmentWriter(out, header);
            for (ObjectKeys.ObjectName in : inputs) {
                if (stopping.getAsBoolean()) {
                    throw new InterruptedIOException("stopped while merging into " + ObjectKeys.of(header));
                }
                try (SegmentReader reader = new SegmentReader(in.key(), buffered(storage.get(in.key(), 0)))) {
                    ObjectKeys.checkHeaderMatchesKey(in, reader.header());
                    if (reader.header().pageSize() != header.pageSize()) {
                        throw new CorruptObjectException(in.key(), "holds " + reader.header().pageSize()
                                + "-byte pages, but the segments it follows without a snapshot between hold "
                                + header.pageSize() + "-byte pages");
                    }
                    SegmentReader.TransactionHeader tx;
                    while ((tx = reader.nextTransaction()) != null) {
                        writer.beginTransaction(tx.txid(), tx.time().toEpochMilli(), tx.commitSize(), tx.pageCount());
                        for (int p = 0; p < tx.pageCount(); p++) {
                            long pgno = reader.nextPage(page);
                            writer.page(pgno, page, 0);
                        }
                        transactions++;
                    }
                }
            }
            writer.finish();
        }
        verify(ObjectKeys.of(header), target, header);
        return new Merged(ObjectKeys.parse(ObjectKeys.of(header)).orElseThrow(), target, transactions);
    }

    /**
     * Reads the merged file back to its end, as a restore would: a writer bug must never reach the replica, where it
     * would stand in for the segments it replaces.
     */
    private static void verify(String key, Path file, ObjectHeader expected) throws IOException {
        try (SegmentReader reader = new SegmentReader(key, buffered(Files.newInputStream(file)))) {
            if (!reader.header().equals(expected)) {
                throw new CorruptObjectException(key, "merged header " + reader.header() + " is not " + expected);
            }
            byte[] page = new byte[expected.pageSize()];
            SegmentReader.TransactionHeader tx;
            while ((tx = reader.nextTransaction()) != null) {
                for (int p = 0; p < tx.pageCount(); p++) {
                    reader.nextPage(page);
                }
            }
        }
    }

    private static InputStream buffered(InputStream in) {
        return new BufferedInputStream(in, BUFFER);
    }
}
