package io.walship.restore;

import io.walship.replica.DurableFiles;
import io.walship.replica.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The database being restored, in a temporary file beside the output so that the final rename is atomic and never
 * crosses file systems. Pages are written where they belong with positioned writes, so memory does not grow with the
 * database; the file is fsynced once, when it is complete. Used by one thread. Until {@link #publish} the output path
 * is untouched; {@link #discard} removes every trace.
 *
 * <p>Pages that follow one another in the file (a snapshot, a transaction that appended) are gathered into one write of
 * up to {@link #RUN_BYTES}: a 263 MiB restore made 65,624 write calls of one page each before. The gathered run is
 * written before any page outside it, and before the file is truncated or finished, so the writes reach the file in
 * the order they were made.
 *
 * <p>Public so that readers of other replica layouts ({@code io.walship.restore.litestream}) build their output the
 * same way; {@link Restorer#verifyAndPublish} puts a finished file in place.
 */
public final class StagedDatabase {
    /** Files SQLite keeps beside a database; any of them left next to a restored database would be applied to it. */
    static final List<String> SIDECAR_SUFFIXES = List.of("-wal", "-shm", "-journal");

    /** The most bytes of consecutive pages gathered into one write. */
    static final int RUN_BYTES = 1 << 20;

    private final Path path;
    private final int pageSize;
    private final Thread cleanupOnExit;
    private FileChannel channel;
    /** The file's length as this class last set it, so a commit that does not shrink the file costs no system call. */
    private long size;
    /** Consecutive page images not yet written, from page {@link #runStart} on; allocated with the first page. */
    private ByteBuffer run;
    private long runStart;

    private StagedDatabase(Path path, int pageSize, FileChannel channel) {
        this.path = path;
        this.pageSize = pageSize;
        this.channel = channel;
        // An operator who interrupts a long restore (Ctrl-C) must not be left with a hidden file as large as the database.
        this.cleanupOnExit = new Thread(this::deleteFiles, "walship-restore-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
    }

    /** Creates an empty temporary file named {@code .OUT.walship-restore-XXXXXXXX} in the output's folder. */
    public static StagedDatabase create(Path output, int pageSize) throws IOException {
        Path dir = output.getParent();
        Files.createDirectories(dir);
        while (true) {
            Path candidate = dir.resolve("." + output.getFileName() + ".walship-restore-"
                    + String.format("%08x", ThreadLocalRandom.current().nextInt()));
            try {
                FileChannel ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                return new StagedDatabase(candidate, pageSize, ch);
            } catch (FileAlreadyExistsException e) {
                // Another restore picked the same name; draw again.
            }
        }
    }

    public Path path() {
        return path;
    }

    int pageSize() {
        return pageSize;
    }

    /**
     * Writes one page image at its place in the file, {@code (pgno - 1) * pageSize}. The image is copied, so the caller
     * may reuse the array.
     */
    public void writePage(long pgno, byte[] page) throws IOException {
        if (run == null) {
            run = ByteBuffer.allocateDirect(Math.max(pageSize, RUN_BYTES / pageSize * pageSize));
        }
        if (run.position() > 0 && (pgno != runStart + run.position() / pageSize || run.remaining() < pageSize)) {
            writeRun();
        }
        if (run.position() == 0) {
            runStart = pgno;
        }
        run.put(page, 0, pageSize);
    }

    /** Writes the gathered run of pages, if any, where it belongs. */
    private void writeRun() throws IOException {
        if (run == null || run.position() == 0) {
            return;
        }
        run.flip();
        long position = (runStart - 1) * pageSize;
        while (run.hasRemaining()) {
            position += channel.write(run, position);
        }
        run.clear();
        size = Math.max(size, position);
    }

    /** Drops every page after {@code pages}, as a commit that shrank the database (such as a VACUUM) did. */
    public void truncate(long pages) throws IOException {
        writeRun();
        long target = pages * pageSize;
        if (size > target) {
            channel.truncate(target);
            size = target;
        }
    }

    /**
     * Makes the file exactly {@code pages} long and durable, then closes it. A file can be short only when its last
     * pages were never written, which leaves them zero, so the file is extended with zeros.
     */
    public void finish(long pages) throws IOException {
        truncate(pages);
        long target = pages * pageSize;
        if (channel.size() < target) {
            channel.write(ByteBuffer.allocate(1), target - 1);
        }
        // The only fsync of the restore: pages went in with positioned writes, in any order, all made durable here.
        channel.force(true);
        channel.close();
        channel = null;
    }

    /** Removes files SQLite left beside the temporary file; a clean close leaves none, but none may follow it. */
    void removeSidecars() throws IOException {
        for (Path p : sidecars(path)) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * Moves the finished file to {@code output} atomically and makes the rename durable. Without {@code replace},
     * an output that appeared meanwhile is never overwritten: the file is hard-linked, which fails if the name exists,
     * falling back to a checked rename on file systems without hard links. With {@code replace}, stale {@code -wal},
     * {@code -shm} and {@code -journal} files of the old database are deleted first, since SQLite would apply them to
     * the restored one.
     *
     * @throws FileAlreadyExistsException when the output exists and {@code replace} is false
     */
    void publish(Path output, boolean replace) throws IOException {
        if (replace) {
            for (Path p : sidecars(output)) {
                Files.deleteIfExists(p);
            }
            DurableFiles.publish(path, output, FileIo.DEFAULT);
            forgetCleanup();
            return;
        }
        DurableFiles.publishNew(path, output, FileIo.DEFAULT);
        forgetCleanup();
    }

    /** Gives the file the permission bits {@code mode} (such as 0600), where the file system has POSIX modes. */
    public void setMode(int mode) throws IOException {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
                java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        java.nio.file.attribute.PosixFilePermission[] all = java.nio.file.attribute.PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                perms.add(all[i]);
            }
        }
        java.nio.file.Files.setPosixFilePermissions(path, perms);
    }

    /** Keeps the file under another name, replacing what is there, for an operator to inspect. */
    void keepAs(Path target) throws IOException {
        DurableFiles.publish(path, target, FileIo.DEFAULT);
        forgetCleanup();
    }

    /** Closes and deletes the temporary file and anything SQLite created beside it; never throws. */
    public void discard() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Deleting is what matters.
            }
            channel = null;
        }
        deleteFiles();
        forgetCleanup();
    }

    private void deleteFiles() {
        List<Path> all = new ArrayList<>(sidecars(path));
        all.add(path);
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // Best effort: the caller is already reporting the failure that led here.
            }
        }
    }

    private void forgetCleanup() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs and finds nothing left to delete, or deletes the rest.
        }
    }

    /** The {@code -wal}, {@code -shm} and {@code -journal} paths SQLite uses beside {@code database}. */
    static List<Path> sidecars(Path database) {
        List<Path> out = new ArrayList<>();
        for (String suffix : SIDECAR_SUFFIXES) {
            out.add(database.resolveSibling(database.getFileName() + suffix));
        }
        return out;
    }
}
