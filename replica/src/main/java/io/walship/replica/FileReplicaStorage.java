package io.walship.replica;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * A replica in a local folder (or any mounted file system). Each key is a file below the root.
 *
 * <p>Writes are atomic and create-only: the bytes go to a temporary file beside the target, are fsynced,
 * and are then hard-linked to the final name, which fails if the name exists. The directory is fsynced
 * after the link, so an acknowledged put survives a power loss. Folders and objects are private to walship's user
 * (0700 and 0600): they hold the database's pages.
 */
public final class FileReplicaStorage implements ReplicaStorage {
    private static final String TEMP_SUFFIX = ".walship-tmp";

    private final Path root;
    private final FileIo io;

    public FileReplicaStorage(Path root) {
        this(root, FileIo.DEFAULT);
    }

    /** With the file operations {@code io} for puts: a seam for tests that watch or fail them. */
    public FileReplicaStorage(Path root, FileIo io) {
        this.root = root.toAbsolutePath().normalize();
        this.io = io;
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    @Override
    public void put(String key, Path source) throws IOException {
        Path target = resolve(key);
        // New folders are private and synced into their parents, so an acknowledged object's path survives a crash.
        DurableFiles.createDirectories(target.getParent(), io);
        try {
            // Objects hold the database's pages: the temporary file is private to walship's user from its creation.
            DurableFiles.create(target, TEMP_SUFFIX, out -> {
                try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                    long size = in.size();
                    for (long pos = 0; pos < size; ) {
                        pos += in.transferTo(pos, size - pos, out);
                    }
                }
            }, io);
        } catch (FileAlreadyExistsException e) {
            // A retried put of the same bytes is fine; anything else is another writer's object.
            if (!sameContent(target, source)) {
                throw new ObjectExistsException(key, describe());
            }
            // The earlier put may have failed before its folder was synced.
            io.syncDirectory(target.getParent());
        }
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        Path file = resolve(key);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
        ch.position(offset);
        return Channels.newInputStream(ch);
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        Path file = resolve(key);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long available = Math.max(0, ch.size() - offset);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, available));
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    break;
                }
            }
            return Arrays.copyOf(buf.array(), buf.position());
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        // Files come and go while we list (uploads finishing, retention deleting); a vanished entry is simply not listed.
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !p.getFileName().toString().endsWith(TEMP_SUFFIX)) {
                    String key = root.relativize(p).toString().replace('\\', '/');
                    if (key.startsWith(prefix)) {
                        out.add(new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return out;
    }

    @Override
    public void delete(Collection<String> keys) throws IOException {
        for (String key : keys) {
            Files.deleteIfExists(resolve(key));
        }
    }

    private Path resolve(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..") || key.endsWith("/")) {
            throw new IllegalArgumentException("invalid object key: " + key);
        }
        return root.resolve(key);
    }

    private static boolean sameContent(Path a, Path b) throws IOException {
        return Files.size(a) == Files.size(b) && Files.mismatch(a, b) == -1;
    }
}
