package io.walship.replicator.spool;

import io.walship.replica.Crc32c;
import io.walship.replica.FileReplicaStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe local spool of one database: captured transactions wait here until every replica has them, so
 * the WAL can be checkpointed as soon as its frames are durable here and a slow or absent replica never blocks
 * the app.
 *
 * <p>The spool is a folder of append-only files {@code <16-hex first txid>.wspool}, each starting with a 20-byte
 * header and followed by {@link SpoolRecord}s:
 * <pre>
 *  file header: magic "WSPL" | version u16 = 1 | reserved u16 | first txid u64 | CRC32C of the 16 bytes before u32
 * </pre>
 * and a folder {@code snapshots/} holding snapshot objects, each written to a temporary name, fsynced and renamed
 * before the snapshot record that names it is appended. Only the newest file is appended to; it is sealed (and a
 * new one started) past the configured size. Records are fsynced in batches by {@link #sync()}, which is also what
 * makes them visible to readers: a reader never sees a record that a crash could take back.
 *
 * <p>Opening a spool recovers it in passes: (1) list the files and check their headers; (2) read every record,
 * checking its CRC and that txids follow each other; a torn tail of the newest file (a record cut short, or a bad
 * CRC on the very last record, or zeros to the end) is truncated with a WARN, page records without their commit are
 * dropped, and damage anywhere else stops with {@link SpoolCorruptException}; (3) check that every snapshot record's
 * object exists and delete snapshot objects no record names.
 */
public final class Spool implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    static final String SUFFIX = ".wspool";
    static final int MAGIC = 0x5753504c; // "WSPL"
    static final int VERSION = 2;
    static final int FILE_HEADER = 20;

    private final Path dir;
    private final Path snapshotsDir;
    private final long rollBytes;
    private final List<SpoolFile> files = new ArrayList<>();
    private FileChannel active;
    private long committedEnd;
    private long pendingTxid;
    private CapturePoint last;
    private RestPoint lastRest;
    private long durableTxid;

    /** One spool file and how far its content is durable and complete. */
    static final class SpoolFile {
        final Path path;
        final long firstTxid;
        volatile long durableEnd;
        volatile boolean sealed;
        long maxTxid;
        final List<Long> snapshots = new ArrayList<>();

        SpoolFile(Path path, long firstTxid) {
            this.path = path;
            this.firstTxid = firstTxid;
        }
    }

    private Spool(Path dir, long rollBytes) {
        this.dir = dir;
        this.snapshotsDir = dir.resolve("snapshots");
        this.rollBytes = rollBytes;
    }

    /** Opens (creating if needed) and recovers the spool in {@code dir}. */
    public static Spool open(Path dir, long rollBytes) throws IOException {
        Spool s = new Spool(dir, rollBytes);
        s.recover();
        return s;
    }

    public Path directory() {
        return dir;
    }

    /** The last transaction or snapshot captured, empty for a new spool. */
    public synchronized Optional<CapturePoint> last() {
        return Optional.ofNullable(last);
    }

    /** The rest point, when the spool's last record is one (a clean stop); empty otherwise. */
    public synchronized Optional<RestPoint> lastRest() {
        return Optional.ofNullable(lastRest);
    }

    /** The txid of the newest snapshot the spool holds, 0 if none. */
    public synchronized long newestSnapshotTxid() {
        long newest = 0;
        for (SpoolFile f : files) {
            for (long t : f.snapshots) {
                newest = Math.max(newest, t);
            }
        }
        return newest;
    }

    /** The highest txid that is durable and visible to readers, 0 if none. */
    public synchronized long durableTxid() {
        return durableTxid;
    }

    /** The lowest txid the spool still holds (of any record), or 0 when it is empty. */
    public synchronized long firstTxid() throws IOException {
        try (SpoolReader r = reader()) {
            SpoolRecord rec = r.next();
            return rec == null ? 0 : rec.txid();
        }
    }

    /** Total bytes of spool files and snapshots on disk. */
    public long bytes() throws IOException {
        long[] total = {0};
        // Outbox and snapshot files come and go while shippers work; a vanished file simply does not count.
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    total[0] += attrs.size();
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return total[0];
    }

    // ---- capture side ---------------------------------------------------------------------------------------

    /** Appends a page image of transaction {@code txid}, which must be the transaction after the last one. */
    public synchronized void appendPage(long txid, long pgno, byte[] image, int pageSize) throws IOException {
        if (pendingTxid == 0) {
            expectNext(txid);
            rollIfFull(txid);
            pendingTxid = txid;
        } else if (txid != pendingTxid) {
            throw new IllegalStateException("page of txid " + txid + " while " + pendingTxid + " is open");
        }
        write(SpoolRecord.framePage(txid, pgno, image, 0, pageSize));
    }

    /** Ends the open transaction (or an empty one) with its commit record. Not durable until {@link #sync()}. */
    public synchronized void appendCommit(CapturePoint point) throws IOException {
        if (pendingTxid == 0) {
            expectNext(point.txid());
            rollIfFull(point.txid());
        } else if (point.txid() != pendingTxid) {
            throw new IllegalStateException("commit of txid " + point.txid() + " while " + pendingTxid + " is open");
        }
        write(SpoolRecord.framePoint(SpoolRecord.COMMIT, point));
        committed(point);
    }

    /**
     * Records a clean stop at the last txid (see {@link RestPoint}), durably. Readers skip it: it is local knowledge,
     * not part of the history shipped to replicas.
     */
    public synchronized void appendRest(RestPoint rest) throws IOException {
        if (pendingTxid != 0 || last == null || rest.point().txid() != last.txid()) {
            throw new IllegalStateException("rest point at txid " + rest.point().txid() + " while the spool is at "
                    + (last == null ? 0 : last.txid()) + (pendingTxid != 0 ? " with txid " + pendingTxid + " open" : ""));
        }
        write(SpoolRecord.frameRest(rest));
        committed(rest.point());
        lastRest = rest;
        sync();
    }

    /**
     * Starts an empty spool at a rest point: a database restored from a replica at {@code rest.point().txid()}, whose
     * history capture continues when the database file is still the restored one.
     */
    public synchronized void seed(RestPoint rest) throws IOException {
        if (last != null) {
            throw new IllegalStateException("only an empty spool can be seeded; this one is at txid " + last.txid());
        }
        rollIfFull(rest.point().txid());
        write(SpoolRecord.frameRest(rest));
        committed(rest.point());
        current().maxTxid = rest.point().txid();
        lastRest = rest;
        sync();
    }

    /** Drops page records written after the last commit: that transaction was not complete in the WAL yet. */
    public synchronized void discardUncommitted() throws IOException {
        if (pendingTxid != 0 || active.size() != committedEnd) {
            active.truncate(committedEnd);
            active.position(committedEnd);
            pendingTxid = 0;
        }
    }

    /** Where a snapshot object for {@code txid} is written before {@link #appendSnapshot} publishes it. */
    public Path snapshotTempPath(long txid) throws IOException {
        Files.createDirectories(snapshotsDir);
        return snapshotsDir.resolve(String.format("%016x.snapshot.tmp", txid));
    }

    /** The published snapshot object for {@code txid}. */
    public Path snapshotPath(long txid) {
        return snapshotsDir.resolve(String.format("%016x.snapshot", txid));
    }

    /**
     * Publishes a snapshot whose object was completely written (and fsynced) to {@link #snapshotTempPath}. The txid is
     * either the last txid (a snapshot of the current state) or the next one (a snapshot that starts a new chain).
     */
    public synchronized void appendSnapshot(CapturePoint point) throws IOException {
        if (pendingTxid != 0) {
            throw new IllegalStateException("snapshot while transaction " + pendingTxid + " is open");
        }
        // The first record of a new spool may start anywhere: after a lost spool the sequence continues the replica's.
        long lastTxid = last == null ? point.txid() - 1 : last.txid();
        if (point.txid() != lastTxid && point.txid() != lastTxid + 1) {
            throw new IllegalStateException("snapshot txid " + point.txid() + " after " + lastTxid);
        }
        if (point.txid() == lastTxid + 1) {
            rollIfFull(point.txid());
        }
        Path temp = snapshotTempPath(point.txid());
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(temp, snapshotPath(point.txid()), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        FileReplicaStorage.fsyncDirectory(snapshotsDir);
        write(SpoolRecord.framePoint(SpoolRecord.SNAPSHOT, point));
        current().snapshots.add(point.txid());
        committed(point);
        sync();
    }

    /** Whether the spool holds a snapshot at exactly {@code txid}. */
    public synchronized boolean hasSnapshot(long txid) {
        return files.stream().anyMatch(f -> f.snapshots.contains(txid));
    }

    /** Makes everything committed so far durable and visible to readers. */
    public synchronized void sync() throws IOException {
        active.force(false);
        current().durableEnd = committedEnd;
        durableTxid = last == null ? 0 : last.txid();
        notifyAll();
    }

    /** Waits up to {@code millis} for the durable txid to pass {@code txid}. */
    public synchronized void awaitDurableBeyond(long txid, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (durableTxid <= txid) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }

    /** Wakes threads waiting in {@link #awaitDurableBeyond}, e.g. at shutdown. */
    public synchronized void wakeUp() {
        notifyAll();
    }

    // ---- shipping side --------------------------------------------------------------------------------------

    /** A reader over every durable record, oldest first. */
    public synchronized SpoolReader reader() {
        return new SpoolReader(this);
    }

    /** The file after {@code f} (the first file for null, or when {@code f} was released), null if none. */
    synchronized SpoolFile fileAfter(SpoolFile f) {
        int i = f == null ? -1 : files.indexOf(f);
        return i + 1 < files.size() ? files.get(i + 1) : null;
    }

    /** Deletes sealed files (and their snapshot objects) whose every record is at or below {@code shippedTxid}. */
    public synchronized void release(long shippedTxid) throws IOException {
        while (files.size() > 1 && files.get(0).sealed && files.get(0).maxTxid <= shippedTxid) {
            SpoolFile f = files.remove(0);
            Files.deleteIfExists(f.path);
            for (long txid : f.snapshots) {
                Files.deleteIfExists(snapshotPath(txid));
            }
            log.debug("released spool file {} (up to txid {})", f.path.getFileName(), f.maxTxid);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (active != null) {
            active.close();
            active = null;
        }
    }

    // ---- internals ------------------------------------------------------------------------------------------

    private SpoolFile current() {
        return files.get(files.size() - 1);
    }

    private void expectNext(long txid) {
        long lastTxid = last == null ? 0 : last.txid();
        if (last != null && txid != lastTxid + 1) {
            throw new IllegalStateException("txid " + txid + " does not follow " + lastTxid);
        }
    }

    private void committed(CapturePoint point) throws IOException {
        committedEnd = active.position();
        pendingTxid = 0;
        last = point;
        lastRest = null;
        SpoolFile f = current();
        f.maxTxid = Math.max(f.maxTxid, point.txid());
    }

    private void write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            active.write(b);
        }
    }

    private void rollIfFull(long nextTxid) throws IOException {
        if (active != null && active.size() < rollBytes) {
            return;
        }
        if (active != null) {
            active.force(false);
            SpoolFile f = current();
            f.durableEnd = committedEnd;
            f.sealed = true;
            active.close();
        }
        createFile(nextTxid);
    }

    private void createFile(long firstTxid) throws IOException {
        Path path = dir.resolve(String.format("%016x", firstTxid) + SUFFIX);
        ByteBuffer h = ByteBuffer.allocate(FILE_HEADER);
        h.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(firstTxid);
        h.putInt(Crc32c.of(h.array(), 0, 16));
        Path temp = dir.resolve(path.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(h.flip());
            ch.force(true);
        }
        Files.move(temp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        FileReplicaStorage.fsyncDirectory(dir);
        active = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        active.position(FILE_HEADER);
        committedEnd = FILE_HEADER;
        SpoolFile f = new SpoolFile(path, firstTxid);
        f.durableEnd = FILE_HEADER;
        files.add(f);
    }

    private void recover() throws IOException {
        Files.createDirectories(snapshotsDir);
        // Pass 1: the files, oldest first; leftovers of interrupted file creation go.
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX + ".tmp")) {
                    Files.delete(p);
                } else if (name.endsWith(SUFFIX)) {
                    paths.add(p);
                }
            }
        }
        paths.sort(null);
        // Pass 2: every record of every file.
        for (int i = 0; i < paths.size(); i++) {
            recoverFile(paths.get(i), i == paths.size() - 1);
        }
        // Pass 3: snapshot objects against the records that name them.
        List<Long> named = new ArrayList<>();
        files.forEach(f -> named.addAll(f.snapshots));
        for (long txid : named) {
            if (!Files.isRegularFile(snapshotPath(txid))) {
                throw new SpoolCorruptException("spool " + dir + " names snapshot " + String.format("%016x", txid)
                        + " but its file is missing; move the spool folder aside and restart walship to take a new snapshot");
            }
        }
        try (Stream<Path> s = Files.list(snapshotsDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                boolean known = named.stream().anyMatch(t -> snapshotPath(t).getFileName().toString().equals(name));
                if (!known) {
                    log.info("removing unpublished snapshot {} left by an interrupted run", p.getFileName());
                    Files.delete(p);
                }
            }
        }
        if (files.isEmpty()) {
            createFile(1);
        } else {
            SpoolFile f = current();
            active = FileChannel.open(f.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            committedEnd = f.durableEnd;
            active.position(committedEnd);
        }
        durableTxid = last == null ? 0 : last.txid();
        if (last != null) {
            log.info("spool {} recovered: {} file(s), last txid {}", dir, files.size(), last.txid());
        }
    }

    private void recoverFile(Path path, boolean newest) throws IOException {
        long size = Files.size(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(FILE_HEADER);
            read(ch, h, 0);
            if (h.hasRemaining() || h.getInt(0) != MAGIC || h.getInt(16) != Crc32c.of(h.array(), 0, 16)) {
                if (newest && files.isEmpty() == false && size <= FILE_HEADER) {
                    log.warn("spool file {} has a torn header; removing it", path.getFileName());
                    Files.delete(path);
                    files.get(files.size() - 1).sealed = false;
                    return;
                }
                throw corrupt(path, 0, "bad file header");
            }
            if ((h.getShort(4) & 0xffff) != VERSION) {
                throw new SpoolCorruptException("spool file " + path + " has format version " + (h.getShort(4) & 0xffff)
                        + ", this walship reads version " + VERSION + "; use a matching walship or move the spool aside");
            }
            SpoolFile f = new SpoolFile(path, h.getLong(8));
            if (!files.isEmpty()) {
                files.get(files.size() - 1).sealed = true;
            }
            files.add(f);
            long pos = FILE_HEADER;
            long committed = FILE_HEADER;
            long open = 0;
            ByteBuffer frameHead = ByteBuffer.allocate(5);
            while (pos < size) {
                frameHead.clear();
                read(ch, frameHead, pos);
                long end = frameHead.hasRemaining() ? Long.MAX_VALUE : pos + SpoolRecord.FRAME_OVERHEAD + Integer.toUnsignedLong(frameHead.getInt(0));
                String problem = null;
                ByteBuffer rec = null;
                if (end > size) {
                    problem = "record cut short";
                } else {
                    rec = ByteBuffer.allocate((int) (end - pos));
                    read(ch, rec, pos);
                    int crcAt = rec.capacity() - 4;
                    if (rec.getInt(crcAt) != Crc32c.of(rec.array(), 0, crcAt)) {
                        problem = "record checksum mismatch";
                    }
                }
                if (problem == null) {
                    problem = apply(f, rec, pos, open);
                }
                if (problem != null) {
                    if (newest && (end >= size || zerosFrom(ch, pos, size))) {
                        log.warn("spool file {}: torn tail at offset {} ({}); truncating {} bytes", path.getFileName(), pos,
                                problem, size - committed);
                        ch.truncate(committed);
                        ch.force(true);
                        size = committed;
                        break;
                    }
                    throw corrupt(path, pos, problem);
                }
                byte type = rec.get(4);
                if (type == SpoolRecord.PAGE) {
                    open = rec.getLong(5);
                } else {
                    open = 0;
                    committed = end;
                }
                pos = end;
            }
            if (committed < size) {
                if (!newest) {
                    throw corrupt(path, committed, "transaction without commit record in a sealed file");
                }
                log.info("spool file {}: dropping {} bytes of a transaction whose capture did not finish", path.getFileName(),
                        size - committed);
                ch.truncate(committed);
                ch.force(true);
            }
            f.durableEnd = committed;
        }
    }

    /** Checks a record's meaning against the history so far and applies it; returns a problem or null. */
    private String apply(SpoolFile f, ByteBuffer rec, long pos, long open) {
        byte type = rec.get(4);
        ByteBuffer payload = rec.duplicate().position(5).limit(rec.capacity() - 4).slice();
        long lastTxid = last == null ? 0 : last.txid();
        switch (type) {
            case SpoolRecord.PAGE -> {
                if (payload.remaining() < 12 + 512) {
                    return "page record too short";
                }
                long txid = payload.getLong(0);
                if (open != 0 ? txid != open : (last != null && txid != lastTxid + 1)) {
                    return "page of txid " + txid + " out of order after " + lastTxid;
                }
                return null;
            }
            case SpoolRecord.REST -> {
                if (payload.remaining() != SpoolRecord.REST_PAYLOAD) {
                    return "bad record length";
                }
                RestPoint r = SpoolRecord.parseRest(payload);
                if (open != 0 || last == null || r.point().txid() != lastTxid) {
                    return "rest point at txid " + r.point().txid() + " out of order after " + lastTxid;
                }
                last = r.point();
                lastRest = r;
                return null;
            }
            case SpoolRecord.COMMIT, SpoolRecord.SNAPSHOT -> {
                if (payload.remaining() != SpoolRecord.POINT_PAYLOAD) {
                    return "bad record length";
                }
                CapturePoint p = SpoolRecord.parsePoint(payload);
                boolean ok = last == null
                        || p.txid() == lastTxid + 1
                        || (type == SpoolRecord.SNAPSHOT && p.txid() == lastTxid && open == 0);
                if (!ok || (open != 0 && p.txid() != open)) {
                    return "txid " + p.txid() + " out of order after " + lastTxid;
                }
                if (type == SpoolRecord.SNAPSHOT) {
                    f.snapshots.add(p.txid());
                }
                last = p;
                lastRest = null;
                f.maxTxid = Math.max(f.maxTxid, p.txid());
                return null;
            }
            default -> {
                return "unknown record type " + type;
            }
        }
    }

    private static boolean zerosFrom(FileChannel ch, long pos, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        for (long p = pos; p < size; p += b.capacity()) {
            b.clear();
            read(ch, b, p);
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private SpoolCorruptException corrupt(Path path, long offset, String problem) {
        return new SpoolCorruptException("spool file " + path + " is corrupt at offset " + offset + " (" + problem
                + "); walship cannot trust this spool: move " + dir + " aside and restart, walship then takes a new snapshot");
    }

    static void read(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                return;
            }
        }
    }

}
