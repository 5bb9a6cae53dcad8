package io.walship.replica;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way walship makes local state durable: write a temporary file beside the target, force it, publish it with
 * an atomic rename (or, create-only, a hard link that fails when the name exists), and sync the folder so the new name
 * survives a power loss. New folders are synced into their parents the same way. Files and folders walship creates are
 * private to its user (0600 and 0700): they hold copies of the database's pages.
 */
public final class DurableFiles {
    /** Owner read and write only: spool files, snapshots, outbox objects and file-replica objects. */
    public static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    /** Owner only: folders holding such files. */
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private DurableFiles() {
    }

    /** Writes the content of one file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Creates {@code dir} and every missing parent as private folders, syncing each parent in which an entry was
     * created, so that the folder itself survives a power loss. Existing folders are left as they are.
     */
    public static Path createDirectories(Path dir, FileIo io) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            try {
                if (POSIX) {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
                } else {
                    Files.createDirectory(p);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
                continue;
            }
            io.syncDirectory(p.getParent());
        }
        return dir;
    }

    /** Replaces {@code target} atomically with {@code content}: after a crash it holds the old or the new bytes, never a mix. */
    public static void write(Path target, Content content, FileIo io) throws IOException {
        Path temp = tempBeside(target);
        try {
            writeTemp(temp, content, io);
            io.move(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        io.syncDirectory(target.getParent());
    }

    /**
     * Creates {@code target} with {@code content}, atomically and only if no file has that name: fails with
     * {@link FileAlreadyExistsException} otherwise, leaving the existing file untouched.
     */
    public static void create(Path target, Content content, FileIo io) throws IOException {
        create(target, ".tmp", content, io);
    }

    /**
     * As {@link #create(Path, Content, FileIo)}, with the temporary file's name ending in {@code tempSuffix}: a folder
     * that others list (a file replica) names its temporary files so that a listing can leave them out.
     */
    public static void create(Path target, String tempSuffix, Content content, FileIo io) throws IOException {
        Path temp = tempBeside(target, tempSuffix);
        try {
            writeTemp(temp, content, io);
            io.link(target, temp);
        } finally {
            Files.deleteIfExists(temp);
        }
        io.syncDirectory(target.getParent());
    }

    /**
     * Writes {@code file} as a new private file and forces it, for a caller that publishes it later with
     * {@link #publish} once it knows the file is wanted (the spool's snapshots).
     */
    public static void writeForced(Path file, Content content, FileIo io) throws IOException {
        writeTemp(file, content, io);
    }

    /** Publishes {@code temp}, a file already written and forced, under {@code target} (replacing it), and syncs the folder. */
    public static void publish(Path temp, Path target, FileIo io) throws IOException {
        io.move(temp, target);
        io.syncDirectory(target.getParent());
    }

    /**
     * Publishes {@code temp}, a file already written and forced, under {@code target} only if no file has that name,
     * and syncs the folder. The file is hard-linked, which fails if the name exists; on a file system without hard
     * links it falls back to a rename after checking the name is free (an output appearing between the check and the
     * rename is the one case this cannot rule out there).
     *
     * @throws FileAlreadyExistsException when {@code target} exists; {@code temp} is then left as it was
     */
    public static void publishNew(Path temp, Path target, FileIo io) throws IOException {
        try {
            io.link(target, temp);
            Files.delete(temp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        io.syncDirectory(target.getParent());
    }

    /** Deletes {@code file} if it exists and syncs its folder, so that the deletion is durable before what follows. */
    public static void delete(Path file, FileIo io) throws IOException {
        if (Files.deleteIfExists(file)) {
            io.syncDirectory(file.getParent());
        }
    }

    /** Opens {@code path} for writing as a new private file, replacing any earlier file of that name. */
    public static FileChannel createPrivate(Path path, FileIo io, StandardOpenOption... more) throws IOException {
        Files.deleteIfExists(path);
        if (POSIX) {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        } else {
            Files.createFile(path);
        }
        StandardOpenOption[] options = new StandardOpenOption[more.length + 1];
        options[0] = StandardOpenOption.WRITE;
        System.arraycopy(more, 0, options, 1, more.length);
        return io.open(path, options);
    }

    /** Takes every permission but the owner's read and write from {@code file}, where the file system has POSIX modes. */
    public static void makePrivate(Path file) throws IOException {
        if (POSIX) {
            Files.setPosixFilePermissions(file, PRIVATE_FILE);
        }
    }

    /** Makes a rename, link or deletion in {@code dir} durable; Linux needs an fsync of the folder itself. */
    public static void syncDirectory(Path dir) throws IOException {
        FileIo.DEFAULT.syncDirectory(dir);
    }

    private static void writeTemp(Path temp, Content content, FileIo io) throws IOException {
        try (FileChannel ch = createPrivate(temp, io)) {
            content.writeTo(ch);
            ch.force(true);
        }
    }

    private static Path tempBeside(Path target) {
        return tempBeside(target, ".tmp");
    }

    private static Path tempBeside(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + suffix);
    }
}
