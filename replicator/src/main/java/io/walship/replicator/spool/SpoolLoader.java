package io.walship.replicator.spool;

import io.walship.replica.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers a spool folder after a clean stop or a crash, in passes (Kafka's {@code LogLoader} is the model):
 * <ol>
 *   <li>list the spool files, oldest first, and remove leftovers of interrupted file creation;</li>
 *   <li>read every record of every file, checking its CRC and that txids follow each other. In the newest file,
 *       damage at or after the durable end its header records is a torn tail (bytes a crash left that no completed
 *       fsync covered): it is truncated with a WARN, as are the page records of a transaction whose commit record
 *       never made it. Damage anywhere else, in a sealed file or before the durable end, stops with
 *       {@link SpoolCorruptException}: acknowledged history cannot be trusted;</li>
 *   <li>check that every snapshot a record names (and no release record let go) exists, and remove snapshot objects
 *       no record names.</li>
 * </ol>
 */
final class SpoolLoader {
    private static final Logger log = LoggerFactory.getLogger(SpoolLoader.class);

    /** What recovery found; the files' states are published, the newest file is truncated to its last record. */
    record Loaded(List<SpoolFile> files, long lineage, CapturePoint last, RestPoint lastRest, long activeEnd) {
    }

    private final Path dir;
    private final Path snapshotsDir;
    private final FileIo io;
    private final List<SpoolFile> files = new ArrayList<>();
    private final Set<Long> released = new HashSet<>();
    private CapturePoint last;
    private RestPoint lastRest;
    private long lineage;
    private long activeEnd;

    private SpoolLoader(Path dir, FileIo io) {
        this.dir = dir;
        this.snapshotsDir = dir.resolve(Spool.SNAPSHOTS);
        this.io = io;
    }

    static Loaded load(Path dir, FileIo io) throws IOException {
        return new SpoolLoader(dir, io).run();
    }

    private Loaded run() throws IOException {
        // Pass 1: the files, oldest first; leftovers of interrupted file creation go.
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(p);
                } else if (name.endsWith(Spool.SUFFIX)) {
                    paths.add(p);
                }
            }
        }
        paths.sort(null);
        // Pass 2: every record of every file.
        for (int i = 0; i < paths.size(); i++) {
            loadFile(paths.get(i), i == paths.size() - 1);
        }
        // Pass 3: snapshot objects against the records that name them and were not released.
        Set<String> named = new HashSet<>();
        for (SpoolFile f : files) {
            f.snapshots.removeAll(released);
            for (long txid : f.snapshots) {
                Path p = Spool.snapshotPath(snapshotsDir, txid);
                if (!Files.isRegularFile(p)) {
                    throw new SpoolCorruptException("spool " + dir + " names snapshot " + p.getFileName() + " but its file is"
                            + " missing; move the spool folder aside and restart walship with -adopt-lineage to continue"
                            + " the replica's history with a new snapshot");
                }
                named.add(p.getFileName().toString());
            }
        }
        if (Files.isDirectory(snapshotsDir)) {
            try (Stream<Path> s = Files.list(snapshotsDir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (!named.contains(p.getFileName().toString())) {
                        log.info("removing snapshot {} that no spool record names (left by an interrupted run)", p.getFileName());
                        Files.delete(p);
                    }
                }
            }
        }
        if (last != null) {
            log.info("spool {} recovered: {} file(s), last txid {}", dir, files.size(), last.txid());
        }
        return new Loaded(List.copyOf(files), lineage, last, lastRest, activeEnd);
    }

    private void loadFile(Path path, boolean newest) throws IOException {
        long size = Files.size(path);
        try (FileChannel ch = io.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(SpoolFormat.HEADER);
            read(ch, h, 0);
            h.flip();
            String problem = SpoolFormat.headerProblem(h);
            if (problem != null) {
                throw corrupt(path, 0, problem);
            }
            SpoolFormat.FileHeader header = SpoolFormat.parseHeader(h);
            if (files.isEmpty()) {
                lineage = header.lineage();
            } else if (header.lineage() != lineage) {
                throw corrupt(path, SpoolFormat.LINEAGE_AT, String.format("lineage %016x differs from the spool's %016x", header.lineage(), lineage));
            }
            // A sealed file was fully fsynced when the next one began: all of it is acknowledged history.
            long durableEnd = newest ? Math.min(header.durableEnd(), size) : size;
            SpoolFile f = new SpoolFile(path, header.firstTxid(), new SpoolFile.State(SpoolFormat.HEADER, !newest));
            files.add(f);
            long pos = SpoolFormat.HEADER;
            long complete = SpoolFormat.HEADER;
            long open = 0;
            ByteBuffer head = ByteBuffer.allocate(SpoolFormat.FRAME_HEAD);
            while (pos < size) {
                head.clear();
                read(ch, head, pos);
                long end = head.hasRemaining() ? Long.MAX_VALUE : pos + SpoolFormat.recordLength(head);
                String bad = null;
                ByteBuffer rec = null;
                if (end > size) {
                    bad = "record cut short";
                } else {
                    rec = ByteBuffer.allocate((int) (end - pos));
                    read(ch, rec, pos);
                    if (!SpoolFormat.intact(rec)) {
                        bad = "record checksum mismatch";
                    }
                }
                if (bad == null) {
                    bad = apply(f, rec, open);
                }
                if (bad != null) {
                    if (newest && pos >= durableEnd) {
                        log.warn("spool file {}: torn tail at offset {} ({}), after the last fsync; dropping {} bytes",
                                path.getFileName(), pos, bad, size - complete);
                        break;
                    }
                    throw corrupt(path, pos, bad + (newest ? ", before the durable end " + durableEnd : " in a sealed file"));
                }
                if (SpoolFormat.type(rec) == SpoolFormat.TYPE_PAGE) {
                    open = SpoolFormat.pageTxid(SpoolFormat.payload(rec));
                } else {
                    open = 0;
                    complete = end;
                }
                pos = end;
            }
            if (complete < size) {
                if (!newest) {
                    throw corrupt(path, complete, "transaction without commit record in a sealed file");
                }
                if (complete < durableEnd) {
                    throw corrupt(path, complete, "transaction without commit record before the durable end " + durableEnd);
                }
                log.info("spool file {}: dropping {} bytes after the last complete record", path.getFileName(), size - complete);
                ch.truncate(complete);
                ch.force(true);
            }
            f.publish(new SpoolFile.State(complete, !newest));
            if (newest) {
                activeEnd = complete;
            }
        }
    }

    /** Checks a record's meaning against the history so far and applies it; returns a problem or null. */
    private String apply(SpoolFile f, ByteBuffer rec, long open) {
        byte type = SpoolFormat.type(rec);
        ByteBuffer payload = SpoolFormat.payload(rec);
        long lastTxid = last == null ? 0 : last.txid();
        OptionalInt expected = SpoolFormat.payloadLength(type);
        if (type != SpoolFormat.TYPE_PAGE && (expected.isEmpty() || payload.remaining() != expected.getAsInt())) {
            return expected.isEmpty() ? "unknown record type " + type : "bad record length";
        }
        switch (type) {
            case SpoolFormat.TYPE_PAGE -> {
                if (payload.remaining() < SpoolFormat.PAGE_IDS + 512) {
                    return "page record too short";
                }
                long txid = SpoolFormat.pageTxid(payload);
                if (open != 0 ? txid != open : (last != null && txid != lastTxid + 1)) {
                    return "page of txid " + txid + " out of order after " + lastTxid;
                }
                return null;
            }
            case SpoolFormat.TYPE_COMMIT, SpoolFormat.TYPE_SNAPSHOT -> {
                CapturePoint p = SpoolFormat.parsePoint(payload);
                boolean ok = last == null || p.txid() == lastTxid + 1
                        || (type == SpoolFormat.TYPE_SNAPSHOT && p.txid() == lastTxid && open == 0);
                if (!ok || (open != 0 && p.txid() != open)) {
                    return "txid " + p.txid() + " out of order after " + lastTxid;
                }
                if (type == SpoolFormat.TYPE_SNAPSHOT) {
                    f.snapshots.add(p.txid());
                }
                last = p;
                lastRest = null;
                f.maxTxid = Math.max(f.maxTxid, p.txid());
                return null;
            }
            case SpoolFormat.TYPE_REST -> {
                RestPoint r = SpoolFormat.parseRest(payload);
                if (open != 0 || (last != null && r.point().txid() != lastTxid)) {
                    return "rest point at txid " + r.point().txid() + " out of order after " + lastTxid;
                }
                last = r.point();
                lastRest = r;
                f.maxTxid = Math.max(f.maxTxid, r.point().txid());
                return null;
            }
            case SpoolFormat.TYPE_RELEASED -> {
                if (open != 0) {
                    return "snapshot release inside a transaction";
                }
                released.add(payload.getLong(0));
                return null;
            }
            default -> {
                return "unknown record type " + type;
            }
        }
    }

    private SpoolCorruptException corrupt(Path path, long offset, String problem) {
        return new SpoolCorruptException("spool file " + path + " is corrupt at offset " + offset + " (" + problem
                + "); walship cannot trust this spool: move " + dir + " aside and restart with -adopt-lineage, walship then"
                + " continues the replica's history with a new snapshot");
    }

    static void read(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                return;
            }
        }
    }
}
