package io.walship.it;

import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Looks at a file replica's folder directly (cheap polling without starting a JVM). */
public final class ReplicaDir {

    private ReplicaDir() {
    }

    /** A replica object named by its key: a snapshot has first == last. */
    public record Key(String key, boolean snapshot, long first, long last) {
    }

    public static List<Key> keys(Path replica) {
        for (int attempt = 0; ; attempt++) {
            try {
                return walk(replica);
            } catch (IOException | UncheckedIOException e) {
                // The daemon may be creating or deleting temporary files while we walk; look again.
                if (attempt >= 5) {
                    throw new IllegalStateException("cannot list " + replica, e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    private static List<Key> walk(Path replica) throws IOException {
        List<Key> out = new ArrayList<>();
        if (!Files.isDirectory(replica)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(replica)) {
            files.filter(Files::isRegularFile).forEach(p -> {
                String key = replica.relativize(p).toString().replace('\\', '/');
                // Keys of format version 1 and 2, parsed as walship itself parses them.
                ObjectKeys.parse(key).ifPresent(n -> out.add(new Key(key, n.kind() == ObjectKind.SNAPSHOT, n.firstTxid(),
                        n.lastTxid())));
            });
        }
        return out;
    }

    /** The highest txid named by any snapshot or segment key, 0 for an empty replica. */
    public static long latestTxid(Path replica) {
        return keys(replica).stream().mapToLong(Key::last).max().orElse(0);
    }

    public static List<Long> snapshotTxids(Path replica) {
        return keys(replica).stream().filter(Key::snapshot).map(Key::first).sorted().toList();
    }
}
