package io.walship.replica;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file operations walship's durable local state goes through: opening a channel, moving and linking a file, and
 * syncing a folder. Production code uses {@link #DEFAULT}; tests substitute an implementation that fails a chosen
 * write, force or move with ENOSPC or EIO, to prove that every failure leaves a recoverable state (tape's
 * {@code BrokenRandomAccessFile} is the model).
 */
public interface FileIo {
    FileIo DEFAULT = new FileIo() {
    };

    default FileChannel open(Path path, StandardOpenOption... options) throws IOException {
        return FileChannel.open(path, options);
    }

    /** Renames {@code from} to {@code to} atomically, replacing {@code to}. */
    default void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Gives {@code existing} a second name {@code link}; fails when {@code link} exists (create-only publishing). */
    default void link(Path link, Path existing) throws IOException {
        Files.createLink(link, existing);
    }

    /** Makes the folder's entries (a created, renamed, linked or deleted file) durable. */
    default void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
