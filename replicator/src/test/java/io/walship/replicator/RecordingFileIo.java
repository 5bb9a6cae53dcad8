package io.walship.replicator;

import io.walship.replica.FileIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real file operations that record every folder sync, with the files that existed under a watched folder at that
 * moment, so a test can tell which entries a sync made durable and in which order files went. Thread-safe.
 */
public final class RecordingFileIo implements FileIo {
    /** One sync of {@code dir}, and the files under the watched folder just before it. */
    public record Sync(Path dir, Set<Path> files) {
    }

    private final Path watched;
    private final List<Sync> syncs = new CopyOnWriteArrayList<>();

    public RecordingFileIo(Path watched) {
        this.watched = watched.toAbsolutePath().normalize();
    }

    public List<Sync> syncs() {
        return List.copyOf(syncs);
    }

    public List<Path> syncedDirs() {
        return syncs.stream().map(Sync::dir).toList();
    }

    public void clear() {
        syncs.clear();
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        Set<Path> files = Set.of();
        if (Files.isDirectory(watched)) {
            try (Stream<Path> s = Files.walk(watched)) {
                files = s.filter(Files::isRegularFile).collect(Collectors.toUnmodifiableSet());
            }
        }
        syncs.add(new Sync(dir.toAbsolutePath().normalize(), files));
        FileIo.DEFAULT.syncDirectory(dir);
    }
}
