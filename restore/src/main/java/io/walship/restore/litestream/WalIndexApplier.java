package io.walship.restore.litestream;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.RestoreException;
import io.walship.restore.Restorer;
import io.walship.restore.StagedDatabase;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one WAL index of a Litestream generation to the staged database with the result SQLite's own recovery and
 * checkpoint would give (Litestream's restore puts the index's segments together as the database's {@code -wal} and
 * runs {@code wal_checkpoint(TRUNCATE)}), in three steps:
 * <ol>
 *   <li>the segments are decompressed in offset order into a local file, the index's WAL, each starting exactly where
 *       the one before ended (a hole is a gap, an overlap a corrupt object);</li>
 *   <li>the WAL is verified as {@link WalFormat} describes: its header, then frame by frame the salts and the
 *       cumulative checksum, up to the last commit frame before the first frame that fails;</li>
 *   <li>the verified frames are written, each page at its place, and the database takes the size the last commit
 *       gives it.</li>
 * </ol>
 * Nothing is written before the whole index is verified, so uncommitted frames never reach the database. Frames after
 * the last commit are ignored, as SQLite ignores them, only at the end of the index's last segment and only when that
 * segment holds committed frames too: Litestream ships committed frames only, so a segment none of whose frames can
 * be used, or a failed frame with more segments after it, is a corrupt object, never skipped.
 */
final class WalIndexApplier {
    private static final Logger log = LoggerFactory.getLogger(WalIndexApplier.class);
    private static final int COPY_BUFFER = 1 << 16;

    private final ReplicaStorage storage;
    private final StagedDatabase staged;
    private final Path walFile;
    private final int pageSize;

    /**
     * @param walFile  where each index's WAL is put together (a temporary file beside the output, reused per index)
     * @param pageSize the database's page size, which every WAL header must declare
     */
    WalIndexApplier(ReplicaStorage storage, StagedDatabase staged, Path walFile, int pageSize) {
        this.storage = storage;
        this.staged = staged;
        this.walFile = walFile;
        this.pageSize = pageSize;
    }

    /**
     * What applying one index did.
     *
     * @param walEnd      the WAL offset after the last frame applied (Litestream's position within the index)
     * @param commitSize  the database size in pages after the last commit applied; empty when the index held none
     * @param frames      frames applied
     * @param lastSegment the segment that held the last commit applied; empty when the index held none
     */
    record Applied(long walEnd, Optional<Long> commitSize, long frames, Optional<LitestreamObject> lastSegment) {
    }

    /** The verdict of the verification pass: where the usable frames end and why the rest is not used. */
    private record Verified(WalFormat.Header header, long length, long validEnd, long commitSize, long frames,
                            long badFrame, String badReason) {
    }

    Applied apply(LitestreamPlan.WalIndex index) throws RestoreException {
        List<LitestreamObject> segments = index.segments();
        long[] ends = assemble(index);
        Verified v = verify(index, ends);
        int tailSegment = segmentAt(ends, v.validEnd());
        if (v.validEnd() < v.length()) {
            LitestreamObject last = segments.get(segments.size() - 1);
            if (tailSegment == segments.size() - 1 && v.validEnd() > last.offset()) {
                log.warn("ignoring the last {} bytes of {} (WAL offsets {}..{} of index {}): {}; SQLite's recovery"
                                + " ignores them too", v.length() - v.validEnd(), last.key(), v.validEnd(), v.length() - 1,
                        LitestreamKeys.hex(index.index()), tailReason(v));
            } else {
                int at = v.badFrame() >= 0 ? segmentAt(ends, v.badFrame()) : tailSegment;
                LitestreamObject bad = segments.get(at);
                int lost = segments.size() - 1 - at;
                throw RestoreException.fromReplica(new CorruptObjectException(bad.key(), tailReason(v)
                        + (v.validEnd() <= bad.offset() ? ", so none of its frames can be used" : "")
                        + (lost > 0 ? " and the " + lost + " segment" + (lost == 1 ? "" : "s") + " after it in WAL index "
                        + LitestreamKeys.hex(index.index()) + " cannot be applied" : "")), storage.describe());
            }
        }
        long frames = write(v);
        Optional<LitestreamObject> lastSegment = v.validEnd() > WalFormat.HEADER_SIZE && v.commitSize() > 0
                ? Optional.of(segments.get(segmentAt(ends, v.validEnd() - 1))) : Optional.empty();
        return new Applied(v.validEnd(), v.commitSize() > 0 ? Optional.of(v.commitSize()) : Optional.empty(), frames,
                lastSegment);
    }

    private static String tailReason(Verified v) {
        if (v.badFrame() >= 0) {
            return "the frame at WAL offset " + v.badFrame() + " " + v.badReason();
        }
        return "the frames from WAL offset " + v.validEnd() + " on are never committed";
    }

    /** The index of the segment holding WAL byte {@code offset}. */
    private static int segmentAt(long[] ends, long offset) {
        for (int i = 0; i < ends.length; i++) {
            if (offset < ends[i]) {
                return i;
            }
        }
        return ends.length - 1;
    }

    /** Decompresses the segments into the local WAL file; returns where each segment's bytes end in the WAL. */
    private long[] assemble(LitestreamPlan.WalIndex index) throws RestoreException {
        List<LitestreamObject> segments = index.segments();
        long[] ends = new long[segments.size()];
        byte[] buf = new byte[COPY_BUFFER];
        FileChannel out;
        try {
            out = FileChannel.open(walFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw Restorer.localFailure("cannot create " + walFile, e);
        }
        try (out) {
            long position = 0;
            for (int i = 0; i < segments.size(); i++) {
                LitestreamObject s = segments.get(i);
                if (s.offset() > position) {
                    throw new RestoreException(RestoreException.Reason.NOT_RESTORABLE, "cannot restore generation "
                            + s.generation() + " of replica " + storage.describe() + ": bytes " + position + ".."
                            + (s.offset() - 1) + " of WAL index " + LitestreamKeys.hex(index.index()) + " are missing"
                            + " (no segment starts at offset " + position + "; the next is " + s.key() + "); restore"
                            + " --generation " + s.generation() + " --timestamp with a time before " + s.createdAt()
                            + " to accept the loss, or restore from another replica");
                }
                if (s.offset() < position) {
                    throw RestoreException.fromReplica(new CorruptObjectException(s.key(), "starts at WAL offset "
                            + s.offset() + " but the segments before it in WAL index " + LitestreamKeys.hex(index.index())
                            + " already reach offset " + position), storage.describe());
                }
                try (InputStream in = new Lz4ObjectStream(s.key(), storage.get(s.key(), 0))) {
                    int n;
                    while ((n = in.read(buf, 0, buf.length)) >= 0) {
                        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                        try {
                            while (b.hasRemaining()) {
                                out.write(b);
                            }
                        } catch (IOException e) {
                            throw Restorer.localFailure("cannot write " + walFile, e);
                        }
                        position += n;
                    }
                } catch (IOException e) {
                    throw RestoreException.fromReplica(e, storage.describe());
                }
                ends[i] = position;
            }
        } catch (IOException e) {
            throw Restorer.localFailure("cannot write " + walFile, e);
        }
        return ends;
    }

    private Verified verify(LitestreamPlan.WalIndex index, long[] ends) throws RestoreException {
        LitestreamObject first = index.segments().get(0);
        try (InputStream in = open()) {
            long length = ends[ends.length - 1];
            byte[] head = in.readNBytes(WalFormat.HEADER_SIZE);
            if (head.length < WalFormat.HEADER_SIZE) {
                throw corrupt(first, "WAL index " + LitestreamKeys.hex(index.index()) + " is " + length
                        + " bytes, shorter than a WAL header");
            }
            StringBuilder problem = new StringBuilder();
            WalFormat.Header header = WalFormat.parseHeader(head, problem);
            if (header == null) {
                throw corrupt(first, problem + "; SQLite would ignore the whole WAL index "
                        + LitestreamKeys.hex(index.index()));
            }
            if (header.pageSize() != pageSize) {
                throw corrupt(first, "its WAL header says pages of " + header.pageSize() + " bytes but the snapshot's"
                        + " database has pages of " + pageSize + "; the objects are not from one database");
            }
            int frameSize = WalFormat.FRAME_HEADER_SIZE + pageSize;
            byte[] frame = new byte[frameSize];
            ByteBuffer fields = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
            WalFormat.Checksum sum = new WalFormat.Checksum(header.checksum1(), header.checksum2());
            long position = WalFormat.HEADER_SIZE;
            long validEnd = position;
            long commitSize = 0;
            long frames = 0;
            long validFrames = 0;
            while (true) {
                int n = in.readNBytes(frame, 0, frameSize);
                if (n == 0) {
                    return new Verified(header, length, validEnd, commitSize, validFrames, -1, null);
                }
                if (n < frameSize) {
                    return new Verified(header, length, validEnd, commitSize, validFrames, position,
                            "is cut short (" + n + " of " + frameSize + " bytes)");
                }
                String bad = null;
                if (fields.getInt(8) != header.salt1() || fields.getInt(12) != header.salt2()) {
                    bad = "has salts that differ from the WAL header's";
                } else if (fields.getInt(0) == 0) {
                    bad = "has page number 0";
                } else {
                    sum = WalFormat.checksum(header.checksumOrder(), sum, frame, 0, 8);
                    sum = WalFormat.checksum(header.checksumOrder(), sum, frame, WalFormat.FRAME_HEADER_SIZE, pageSize);
                    if (sum.s1() != fields.getInt(16) || sum.s2() != fields.getInt(20)) {
                        bad = "fails its checksum";
                    }
                }
                if (bad != null) {
                    return new Verified(header, length, validEnd, commitSize, validFrames, position, bad);
                }
                position += frameSize;
                frames++;
                int commit = fields.getInt(4);
                if (commit != 0) {
                    validEnd = position;
                    commitSize = Integer.toUnsignedLong(commit);
                    validFrames = frames;
                }
            }
        } catch (IOException e) {
            throw Restorer.localFailure("cannot read " + walFile, e);
        }
    }

    /** Writes the verified frames' pages; returns how many frames were written. */
    private long write(Verified v) throws RestoreException {
        int frameSize = WalFormat.FRAME_HEADER_SIZE + pageSize;
        byte[] frame = new byte[frameSize];
        byte[] page = new byte[pageSize];
        ByteBuffer fields = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
        long frames = 0;
        try (InputStream in = open()) {
            in.skipNBytes(WalFormat.HEADER_SIZE);
            for (long position = WalFormat.HEADER_SIZE; position < v.validEnd(); position += frameSize) {
                if (in.readNBytes(frame, 0, frameSize) != frameSize) {
                    throw new IOException(walFile + " changed while restoring");
                }
                System.arraycopy(frame, WalFormat.FRAME_HEADER_SIZE, page, 0, pageSize);
                staged.writePage(Integer.toUnsignedLong(fields.getInt(0)), page);
                frames++;
            }
            if (v.commitSize() > 0) {
                staged.truncate(v.commitSize());
            }
        } catch (IOException e) {
            throw Restorer.localFailure("cannot apply " + walFile + " to " + staged.path(), e);
        }
        return frames;
    }

    private InputStream open() throws IOException {
        return new BufferedInputStream(Channels.newInputStream(FileChannel.open(walFile, StandardOpenOption.READ)),
                COPY_BUFFER);
    }

    private RestoreException corrupt(LitestreamObject object, String problem) {
        return RestoreException.fromReplica(new CorruptObjectException(object.key(), problem), storage.describe());
    }
}
