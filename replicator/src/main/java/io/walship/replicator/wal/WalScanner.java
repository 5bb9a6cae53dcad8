package io.walship.replicator.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads a {@code -wal} file the way SQLite's recovery does: the header first, then frames one by one, each
 * accepted only if its salts match the header and its checksum continues the running checksum. The first frame
 * that fails either test ends the valid log (it is torn, or left over from an earlier generation). Only frames
 * up to the last commit frame are final; the frames after it belong to a transaction still being written.
 */
public final class WalScanner {
    private final Path walPath;

    public WalScanner(Path walPath) {
        this.walPath = walPath;
    }

    public Path path() {
        return walPath;
    }

    /** Receives every valid frame, in order. Frames after the last commit frame must be discarded by the sink. */
    @FunctionalInterface
    public interface FrameSink {
        void accept(WalFrame frame) throws IOException;
    }

    /**
     * What a scan found.
     *
     * @param committed the cursor after the last commit frame (unchanged from the start if none was found)
     * @param end the cursor after the last valid frame, committed or not
     * @param lastCommitSize database size in pages after that commit, 0 if no commit was found
     * @param uncommittedFrames valid frames after the last commit frame
     */
    public record ScanResult(WalCursor committed, WalCursor end, long lastCommitSize, long uncommittedFrames) {
    }

    /** The WAL's size in bytes, 0 when it does not exist. */
    public long size() throws IOException {
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            return ch.size();
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** The current header, empty when the file is missing, shorter than a header or not a valid WAL. */
    public Optional<WalHeader> readHeader() throws IOException {
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(WalHeader.SIZE);
            readFully(ch, buf, 0);
            return buf.hasRemaining() ? Optional.empty() : WalHeader.parse(buf.array());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Scans frames after {@code from} in the generation {@code header} describes, handing each valid frame to
     * {@code sink}. {@code from} may point after an uncommitted frame: a caller that keeps an open transaction's
     * frames between scans continues from there instead of reading them again. Stops at the end of the file, at a torn frame, at a frame with other salts, or at a checksum
     * mismatch: all of these are the normal end of the valid log.
     */
    public ScanResult scan(WalHeader header, WalCursor from, FrameSink sink) throws IOException {
        return scan(header, from, Long.MAX_VALUE, sink);
    }

    /** Like {@link #scan(WalHeader, WalCursor, FrameSink)}, stopping after frame {@code lastFrame}. */
    public ScanResult scan(WalHeader header, WalCursor from, long lastFrame, FrameSink sink) throws IOException {
        int pageSize = header.pageSize();
        int frameSize = WalFrame.HEADER_SIZE + pageSize;
        // Frames are read through a window of many frames: one read per window instead of two per frame, which under
        // an app that commits tens of thousands of small transactions a second is most of capture's system calls. The
        // window is no larger than the frames asked for, so that a scan of a few frames allocates little.
        int framesPerWindow = (int) Math.max(1, Math.min(SCAN_WINDOW_BYTES / frameSize, lastFrame - from.frames()));
        byte[] window = new byte[framesPerWindow * frameSize];
        byte[] page = new byte[pageSize];
        boolean bigEndian = header.bigEndianChecksum();
        WalCursor committed = from;
        long lastCommitSize = 0;
        long uncommitted = 0;
        WalChecksum running = from.checksum();
        long index = from.frames();
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ByteBuffer wb = ByteBuffer.wrap(window);
            scanning:
            while (index < lastFrame) {
                int want = (int) Math.min(framesPerWindow, lastFrame - index);
                wb.clear().limit(want * frameSize);
                readFully(ch, wb, WalCursor.frameOffset(index + 1, pageSize));
                // A frame cut short (the app is writing it, or the file ends) ends the scan, as a torn frame does.
                int whole = wb.position() / frameSize;
                for (int f = 0; f < whole; f++) {
                    int at = f * frameSize;
                    if (wb.getInt(at + 8) != header.salt1() || wb.getInt(at + 12) != header.salt2()) {
                        break scanning;
                    }
                    WalChecksum sum = running.update(bigEndian, window, at, 8)
                            .update(bigEndian, window, at + WalFrame.HEADER_SIZE, pageSize);
                    if (sum.s1() != wb.getInt(at + 16) || sum.s2() != wb.getInt(at + 20)) {
                        break scanning;
                    }
                    long pgno = Integer.toUnsignedLong(wb.getInt(at));
                    if (pgno == 0) {
                        break scanning;
                    }
                    running = sum;
                    index++;
                    long commitSize = Integer.toUnsignedLong(wb.getInt(at + 4));
                    System.arraycopy(window, at + WalFrame.HEADER_SIZE, page, 0, pageSize);
                    sink.accept(new WalFrame(index, pgno, commitSize, page, sum));
                    if (commitSize != 0) {
                        committed = new WalCursor(index, sum);
                        lastCommitSize = commitSize;
                        uncommitted = 0;
                    } else {
                        uncommitted++;
                    }
                }
                if (whole < want) {
                    break;
                }
            }
        } catch (NoSuchFileException e) {
            // The WAL vanished mid-scan; what was read so far is still valid.
        }
        return new ScanResult(committed, new WalCursor(index, running), lastCommitSize, uncommitted);
    }

    /** How many bytes of frames one read of a scan takes at most (at least one frame). */
    static final int SCAN_WINDOW_BYTES = 1 << 20;

    /**
     * Reads the header fields of frame {@code frameIndex} and checks that it is still the frame that was captured:
     * same salts and the same stored checksum. Used to prove that a WAL was not rewritten under us.
     */
    public boolean frameMatches(WalGeneration generation, int pageSize, long frameIndex, WalChecksum expected)
            throws IOException {
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ByteBuffer hb = ByteBuffer.allocate(WalFrame.HEADER_SIZE);
            readFully(ch, hb, WalCursor.frameOffset(frameIndex, pageSize));
            return !hb.hasRemaining() && hb.getInt(8) == generation.salt1() && hb.getInt(12) == generation.salt2()
                    && hb.getInt(16) == expected.s1() && hb.getInt(20) == expected.s2();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** {@link #frameMatches(WalGeneration, int, long, WalChecksum)} for the generation {@code header} starts. */
    public boolean frameMatches(WalHeader header, long frameIndex, WalChecksum expected) throws IOException {
        return frameMatches(WalGeneration.of(header), header.pageSize(), frameIndex, expected);
    }

    /** {@link #readFramePage(FileChannel, WalGeneration, int, long, WalChecksum, byte[])} for {@code header}'s generation. */
    public static boolean readFramePage(FileChannel ch, WalHeader header, long frameIndex, WalChecksum expected, byte[] page)
            throws IOException {
        return readFramePage(ch, WalGeneration.of(header), header.pageSize(), frameIndex, expected, page);
    }

    /**
     * Reads the page image of frame {@code frameIndex} into {@code page} if that frame still carries the expected
     * salts and checksum; returns false (and leaves {@code page} undefined) otherwise.
     */
    public static boolean readFramePage(FileChannel ch, WalGeneration generation, int pageSize, long frameIndex,
                                        WalChecksum expected, byte[] page) throws IOException {
        long offset = WalCursor.frameOffset(frameIndex, pageSize);
        ByteBuffer hb = ByteBuffer.allocate(WalFrame.HEADER_SIZE);
        readFully(ch, hb, offset);
        ByteBuffer pb = ByteBuffer.wrap(page, 0, pageSize);
        readFully(ch, pb, offset + WalFrame.HEADER_SIZE);
        if (hb.hasRemaining() || pb.hasRemaining()) {
            return false;
        }
        // Check the header again after the page: a restart that overwrote the frame while we read it changes the salts.
        ByteBuffer again = ByteBuffer.allocate(WalFrame.HEADER_SIZE);
        readFully(ch, again, offset);
        return hb.getInt(8) == generation.salt1() && hb.getInt(12) == generation.salt2()
                && hb.getInt(16) == expected.s1() && hb.getInt(20) == expected.s2()
                && again.rewind().equals(hb.rewind());
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                return;
            }
        }
    }
}
