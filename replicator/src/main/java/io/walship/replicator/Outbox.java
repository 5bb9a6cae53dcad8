package io.walship.replicator;

import io.walship.replica.DatabasePages;
import io.walship.replica.DurableFiles;
import io.walship.replica.FileIo;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectKeys;
import io.walship.replica.Lineage;
import io.walship.replica.SegmentWriter;
import io.walship.replicator.spool.CapturePoint;
import io.walship.replicator.spool.SpoolReader;
import io.walship.replicator.spool.SpoolRecord;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One replica's outbox: a segment is built from spool records into a file here (forced and renamed into place) before
 * it is uploaded, and deleted once the replica acknowledged it. If the upload's outcome is unknown (a timeout, a
 * crash), the very same bytes go up again under the very same key, which the replica contract makes idempotent, so a
 * retry can never leave two segments with overlapping txids. Used by one shipping thread.
 */
final class Outbox {
    /** A transaction of a batch: its commit point and the newest spool record of each page it wrote. */
    record Tx(CapturePoint point, TreeMap<Long, SpoolRecord.Page> pages) {
    }

    /** A segment waiting in the outbox: its key and file. */
    record Entry(ObjectKeys.ObjectName name, Path file) {
    }

    private final Path dir;
    private final FileIo io;

    Outbox(Path dir, FileIo io) {
        this.dir = dir;
        this.io = io;
    }

    /** Segments left by an interrupted run, oldest first; other files (temporary ones) are removed. */
    List<Entry> leftovers() throws IOException {
        DurableFiles.createDirectories(dir, io);
        List<Entry> out = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(files::add);
        }
        files.sort(null);
        for (Path p : files) {
            var parsed = ObjectKeys.parse(keyOf(p));
            if (parsed.isPresent()) {
                out.add(new Entry(parsed.get(), p));
            } else {
                Files.deleteIfExists(p);
            }
        }
        return out;
    }

    /**
     * Builds the level-0 segment of {@code batch} in {@code lineage} into the outbox, durably, and returns it; the page
     * images come through {@code pages}.
     */
    Entry write(List<Tx> batch, Lineage lineage, SpoolReader.PageLoader pages) throws IOException {
        CapturePoint first = batch.get(0).point();
        CapturePoint last = batch.get(batch.size() - 1).point();
        int pageSize = first.pageSize();
        ObjectHeader header = ObjectHeader.segment(0, pageSize, last.databasePages(), first.txid(), last.txid(),
                first.time(), last.time(), lineage);
        String key = ObjectKeys.of(header);
        Path file = fileOf(key);
        byte[] page = new byte[pageSize];
        long lockPage = DatabasePages.lockPage(pageSize);
        DurableFiles.createDirectories(dir, io);
        DurableFiles.write(file, ch -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            SegmentWriter w = new SegmentWriter(out, header);
            for (Tx tx : batch) {
                if (tx.point().pageSize() != pageSize) {
                    throw new IllegalStateException("page size changed inside a batch without a snapshot");
                }
                long size = tx.point().databasePages();
                List<SpoolRecord.Page> kept = tx.pages().values().stream()
                        .filter(p -> p.pgno() <= size && p.pgno() != lockPage).toList();
                w.beginTransaction(tx.point().txid(), tx.point().time().toEpochMilli(), size, kept.size());
                for (SpoolRecord.Page p : kept) {
                    pages.load(p, page);
                    w.page(p.pgno(), page, 0);
                }
            }
            w.finish();
            out.flush();
        }, io);
        return new Entry(ObjectKeys.parse(key).orElseThrow(), file);
    }

    /** An outbox file is named after its key, with the key's folders flattened ({@code segments/00/x} becomes {@code 00~x}). */
    private Path fileOf(String key) {
        return dir.resolve(key.substring(ObjectKeys.SEGMENTS.length()).replace('/', '~'));
    }

    private static String keyOf(Path file) {
        return ObjectKeys.SEGMENTS + file.getFileName().toString().replace('~', '/');
    }

    void remove(Entry e) throws IOException {
        Files.deleteIfExists(e.file());
    }
}
