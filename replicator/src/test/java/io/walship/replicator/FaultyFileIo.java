package io.walship.replicator;

import io.walship.replica.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * File operations that fail on purpose: every write, force, move and folder sync is numbered, and the ones a predicate
 * picks throw the I/O error a full disk (ENOSPC) or a failing device (EIO) gives ({@link #withBug}: the unchecked
 * exception of a bug instead). The failed write writes nothing, or, for a torn write, its first half, as a real
 * failure can. Operations on files outside its scope (all files unless
 * {@link #within} narrowed it) are neither numbered nor failed. Thread-safe: the counter is shared by every channel.
 */
public final class FaultyFileIo implements FileIo {
    /** Which error to throw. */
    public enum Kind {
        ENOSPC("No space left on device"), EIO("Input/output error");

        final String message;

        Kind(String message) {
            this.message = message;
        }
    }

    /** What an operation does. */
    public enum Op {
        WRITE, FORCE, MOVE, LINK, SYNC
    }

    /** Picks the operations that fail by their 1-based number and what they do. */
    @FunctionalInterface
    public interface Picker {
        boolean fails(long n, Op op);
    }

    private final AtomicLong operations = new AtomicLong();
    private final Picker fails;
    private final Kind kind;
    private final boolean tearWrites;
    private final AtomicLong failed = new AtomicLong();
    private final Predicate<Path> scope;
    /** What a failing operation throws: an I/O error, or what a bug would throw. */
    private final Injected injected;

    /** What a failing operation throws. */
    private enum Injected {
        IO_ERROR, RUNTIME_EXCEPTION, ERROR
    }

    /** Fails the operations whose 1-based number {@code fails} accepts. */
    public FaultyFileIo(LongPredicate fails, Kind kind, boolean tearWrites) {
        this((n, op) -> fails.test(n), kind, tearWrites, p -> true, Injected.IO_ERROR);
    }

    private FaultyFileIo(Picker fails, Kind kind, boolean tearWrites, Predicate<Path> scope, Injected injected) {
        this.fails = fails;
        this.kind = kind;
        this.tearWrites = tearWrites;
        this.scope = scope;
        this.injected = injected;
    }

    /**
     * Throws an {@link IllegalStateException}, as a bug in walship would, where an I/O error would be: for the
     * operations whose 1-based number {@code fails} accepts. The failed operation does nothing.
     */
    public static FaultyFileIo withBug(LongPredicate fails) {
        return new FaultyFileIo((n, op) -> fails.test(n), Kind.EIO, false, p -> true, Injected.RUNTIME_EXCEPTION);
    }

    /**
     * Throws an {@link AssertionError}, an {@link Error} as a failed native library or a stack overflow would be, for
     * the operations whose 1-based number {@code fails} accepts. The failed operation does nothing.
     */
    public static FaultyFileIo withError(LongPredicate fails) {
        return new FaultyFileIo((n, op) -> fails.test(n), Kind.EIO, false, p -> true, Injected.ERROR);
    }

    /**
     * Numbers and fails only operations on files and folders under {@code folder} (the folder included): the spool's
     * other files are written as usual.
     */
    public static FaultyFileIo within(Path folder, Picker fails, Kind kind) {
        Path root = folder.toAbsolutePath().normalize();
        return new FaultyFileIo(fails, kind, true, p -> p.toAbsolutePath().normalize().startsWith(root), Injected.IO_ERROR);
    }

    /** Fails exactly operation {@code n}. */
    public static FaultyFileIo failingAt(long n, Kind kind) {
        return new FaultyFileIo(i -> i == n, kind, true);
    }

    /** Operations counted so far. */
    public long operations() {
        return operations.get();
    }

    /** Operations failed so far. */
    public long failures() {
        return failed.get();
    }

    private void maybeFail(Path path, Op op, String what) throws IOException {
        if (!scope.test(path)) {
            return;
        }
        long n = operations.incrementAndGet();
        if (fails.fails(n, op)) {
            failed.incrementAndGet();
            switch (injected) {
                case RUNTIME_EXCEPTION -> throw new IllegalStateException("injected bug (in " + what + ", operation " + n + ")");
                case ERROR -> throw new AssertionError("injected error (in " + what + ", operation " + n + ")");
                case IO_ERROR -> {
                    // Thrown below.
                }
            }
            throw new IOException(kind.message + " (injected into " + what + ", operation " + n + ")");
        }
    }

    @Override
    public FileChannel open(Path path, StandardOpenOption... options) throws IOException {
        return new Channel(FileChannel.open(path, options), path);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        maybeFail(to, Op.MOVE, "move " + to.getFileName());
        FileIo.super.move(from, to);
    }

    @Override
    public void link(Path link, Path existing) throws IOException {
        maybeFail(link, Op.LINK, "link " + link.getFileName());
        FileIo.super.link(link, existing);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        maybeFail(dir, Op.SYNC, "sync of folder " + dir.getFileName());
        FileIo.super.syncDirectory(dir);
    }

    /** A channel whose writes and forces go through {@link #maybeFail}. */
    private final class Channel extends FileChannel {
        private final FileChannel d;
        private final Path path;

        Channel(FileChannel d, Path path) {
            this.d = d;
            this.path = path;
        }

        private int failingWrite(ByteBuffer src, long position) throws IOException {
            try {
                maybeFail(path, Op.WRITE, "write");
            } catch (IOException e) {
                if (tearWrites && src.remaining() > 1) {
                    ByteBuffer half = src.duplicate();
                    half.limit(half.position() + half.remaining() / 2);
                    if (position < 0) {
                        d.write(half);
                    } else {
                        d.write(half, position);
                    }
                }
                throw e;
            }
            return position < 0 ? d.write(src) : d.write(src, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return failingWrite(src, -1);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return failingWrite(src, position);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            maybeFail(path, Op.WRITE, "write");
            return d.write(srcs, offset, length);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            maybeFail(path, Op.FORCE, "force");
            d.force(metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return d.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return d.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return d.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return d.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            d.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return d.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            d.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return d.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            maybeFail(path, Op.WRITE, "write");
            return d.transferFrom(src, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return d.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return d.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return d.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            d.close();
        }
    }
}
