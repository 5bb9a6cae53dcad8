package io.walship.replicator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a folder (walship's spool folder, in the disk-full tests), so that a test can make a real
 * file system run out of space: {@link #fill()} writes a filler file until the kernel answers ENOSPC,
 * {@link #unfill()} deletes it, {@link #resize} remounts the file system with another size.
 *
 * <p>Mounting needs root (or CAP_SYS_ADMIN): {@link #tryMount} says why it could not mount instead of failing, so a
 * test can skip what needs the mount. Every command runs with a timeout; none can hang a test.
 */
public final class TmpfsMount implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    private final Path dir;
    private final Path filler;
    private volatile long size;
    private boolean mounted;

    private TmpfsMount(Path dir, long size) {
        this.dir = dir;
        this.size = size;
        this.filler = dir.resolve("zz-test-filler");
        this.mounted = true;
    }

    /** Mounted, or the reason it is not. */
    public record Attempt(Optional<TmpfsMount> mount, String refusal) {
    }

    /**
     * Mounts a tmpfs of {@code bytes} (mode 0700, like walship's spool folder) on {@code dir}, creating the folder;
     * never throws for a refused mount (not root, no mount command, a container without the capability).
     */
    public static Attempt tryMount(Path dir, long bytes) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            return new Attempt(Optional.empty(), "cannot create " + dir + ": " + e);
        }
        Result r = run("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs", dir.toString());
        if (!r.ok()) {
            return new Attempt(Optional.empty(), "mount -t tmpfs refused: " + r);
        }
        return new Attempt(Optional.of(new TmpfsMount(dir, bytes)), null);
    }

    public Path dir() {
        return dir;
    }

    public long size() {
        return size;
    }

    /** Bytes in use on the file system (the tmpfs's own count, not walship's). */
    public long used() throws IOException {
        var store = Files.getFileStore(dir);
        return store.getTotalSpace() - store.getUsableSpace();
    }

    public long free() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** {@code mount -o remount,size=N}; false (with the reason printed) when the kernel refuses, e.g. below what is used. */
    public boolean resize(long bytes) {
        Result r = run("mount", "-o", "remount,size=" + bytes, dir.toString());
        if (r.ok()) {
            size = bytes;
            return true;
        }
        System.out.println("[TmpfsMount] resizing " + dir + " to " + bytes + " bytes refused: " + r);
        return false;
    }

    /**
     * Writes the filler file until the file system is full (the kernel answers ENOSPC); returns the bytes written.
     * Whatever walship writes next fails with "No space left on device" until {@link #unfill()}.
     */
    public long fill() throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
        long written = 0;
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (true) {
                chunk.clear();
                try {
                    while (chunk.hasRemaining()) {
                        int n = ch.write(chunk);
                        if (n <= 0) {
                            return written;
                        }
                        written += n;
                    }
                } catch (IOException e) {
                    if (String.valueOf(e.getMessage()).contains("No space left")) {
                        break;
                    }
                    throw e;
                }
            }
        }
        // The last partial page may still take a few bytes of another file: fill it with smaller writes.
        ByteBuffer small = ByteBuffer.allocate(512);
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (true) {
                small.clear();
                try {
                    int n = ch.write(small);
                    if (n <= 0) {
                        break;
                    }
                    written += n;
                } catch (IOException e) {
                    break;
                }
            }
        }
        return written;
    }

    /** Deletes the filler file: the space is back. */
    public void unfill() throws IOException {
        Files.deleteIfExists(filler);
    }

    public boolean filled() {
        return Files.exists(filler);
    }

    /** Unmounts; lazily ({@code umount -l}) when a process still has files open there. */
    @Override
    public synchronized void close() {
        if (!mounted) {
            return;
        }
        mounted = false;
        Result r = run("umount", dir.toString());
        if (!r.ok()) {
            Result lazy = run("umount", "-l", dir.toString());
            if (!lazy.ok()) {
                System.err.println("[TmpfsMount] cannot unmount " + dir + ": " + r + "; " + lazy);
            }
        }
    }

    @Override
    public String toString() {
        return "tmpfs of " + size + " bytes on " + dir;
    }

    private record Result(int code, String output) {
        boolean ok() {
            return code == 0;
        }

        @Override
        public String toString() {
            return "exit " + code + (output.isBlank() ? "" : ": " + output.strip());
        }
    }

    private static Result run(String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, String.join(" ", cmd) + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
