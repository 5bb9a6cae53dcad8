package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

// "deprecation": the version-1 key helpers make short, valid object names; the storage does not care which version.
@SuppressWarnings("deprecation")
class FileReplicaStorageTest {
    @TempDir
    Path dir;
    private Path root;
    private FileReplicaStorage storage;

    @BeforeEach
    void open() {
        root = dir.resolve("replica");
        storage = new FileReplicaStorage(root);
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Every regular file below the root, relative, with '/' separators. */
    private Set<String> filesOnDisk() throws IOException {
        if (!Files.exists(root)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void putCreatesNestedKeysWithExactlyTheBytesAndLeavesNoTemporaryFile() throws Exception {
        byte[] content = bytes(100_000, 1);
        String key = ObjectKeys.segment(1, 2);
        storage.put(key, file("src", content));
        assertArrayEquals(content, Files.readAllBytes(root.resolve(key)));
        assertEquals(Set.of(key), filesOnDisk());
        assertEquals("file://" + root.toAbsolutePath().normalize(), storage.describe());
        assertEquals(root.toAbsolutePath().normalize(), storage.root());
    }

    @Test
    void putOfTheSameBytesAgainSucceeds() throws Exception {
        String key = ObjectKeys.snapshot(7);
        byte[] content = bytes(5000, 2);
        storage.put(key, file("a", content));
        storage.put(key, file("b", content.clone()));
        assertArrayEquals(content, Files.readAllBytes(root.resolve(key)));
        assertEquals(Set.of(key), filesOnDisk());
    }

    @Test
    void putOfOtherBytesUnderAnExistingKeyFailsAndKeepsTheOriginal() throws Exception {
        String key = ObjectKeys.snapshot(7);
        byte[] original = bytes(5000, 2);
        storage.put(key, file("a", original));
        for (byte[] other : new byte[][] {bytes(5000, 3), Arrays.copyOf(original, 4999), Arrays.copyOf(original, 5001), new byte[0]}) {
            ObjectExistsException e = assertThrows(ObjectExistsException.class, () -> storage.put(key, file("b", other)));
            assertEquals(key, e.key());
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains(storage.describe()), e.getMessage());
        }
        assertArrayEquals(original, Files.readAllBytes(root.resolve(key)));
        assertEquals(Set.of(key), filesOnDisk(), "no temporary file left behind");
    }

    @Test
    void putOfAMissingSourceCreatesNothing() {
        assertThrows(NoSuchFileException.class, () -> storage.put(ObjectKeys.snapshot(1), dir.resolve("nope")));
        assertFalse(Files.exists(root.resolve(ObjectKeys.snapshot(1))));
    }

    @Test
    void emptyObject() throws Exception {
        storage.put("empty", file("e", new byte[0]));
        assertArrayEquals(new byte[0], storage.getRange("empty", 0, 10));
        try (InputStream in = storage.get("empty", 0)) {
            assertEquals(-1, in.read());
        }
    }

    /** A reader polling the key while puts run never sees a partial object: it sees nothing, or everything. */
    @Test
    void readersNeverSeeAPartialObject() throws Exception {
        int size = 4 << 20;
        int count = 12;
        byte[] content = bytes(size, 9);
        Path src = file("big", content);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger observed = new AtomicInteger();
        AtomicReference<String> problem = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get() && problem.get() == null) {
                for (int i = 0; i < count; i++) {
                    Path p = root.resolve(ObjectKeys.snapshot(i + 1));
                    try {
                        long len = Files.size(p);
                        observed.incrementAndGet();
                        if (len != size) {
                            problem.set(p + " seen with " + len + " bytes");
                        }
                    } catch (NoSuchFileException e) {
                        // not there yet: fine
                    } catch (IOException e) {
                        problem.set(e.toString());
                    }
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < count; i++) {
                storage.put(ObjectKeys.snapshot(i + 1), src);
            }
        } finally {
            done.set(true);
            reader.join();
        }
        assertEquals(null, problem.get());
        assertTrue(observed.get() > 0);
        for (int i = 0; i < count; i++) {
            assertEquals(-1, Files.mismatch(src, root.resolve(ObjectKeys.snapshot(i + 1))));
        }
    }

    @Test
    void getFromAnOffset() throws Exception {
        byte[] content = bytes(70_000, 4);
        storage.put("k", file("src", content));
        for (long offset : new long[] {0, 1, 64, 65_536, 69_999, 70_000, 80_000}) {
            try (InputStream in = storage.get("k", offset)) {
                byte[] expected = offset >= content.length ? new byte[0]
                        : Arrays.copyOfRange(content, (int) offset, content.length);
                assertArrayEquals(expected, in.readAllBytes(), "offset " + offset);
            }
        }
    }

    @Test
    void getRangeReturnsFewerBytesOnlyAtTheEnd() throws Exception {
        byte[] content = bytes(1000, 5);
        storage.put("k", file("src", content));
        assertArrayEquals(Arrays.copyOfRange(content, 0, 64), storage.getRange("k", 0, 64));
        assertArrayEquals(Arrays.copyOfRange(content, 100, 300), storage.getRange("k", 100, 200));
        assertArrayEquals(Arrays.copyOfRange(content, 900, 1000), storage.getRange("k", 900, 200), "crosses the end");
        assertArrayEquals(new byte[0], storage.getRange("k", 1000, 10), "starts at the end");
        assertArrayEquals(new byte[0], storage.getRange("k", 5000, 10), "starts past the end");
        assertArrayEquals(new byte[0], storage.getRange("k", 10, 0));
    }

    @Test
    void missingKeyIsObjectNotFound() {
        String key = ObjectKeys.snapshot(3);
        ObjectNotFoundException e = assertThrows(ObjectNotFoundException.class, () -> storage.get(key, 0));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(key));
        assertEquals(key, assertThrows(ObjectNotFoundException.class, () -> storage.getRange(key, 0, 64)).key());
        assertEquals(key, assertThrows(ObjectNotFoundException.class, () -> storage.get(key, 10)).key());
    }

    @Test
    void listFindsNestedKeysByPrefixAndIgnoresTemporaryFilesAndFolders() throws Exception {
        assertEquals(List.of(), storage.list(""), "no root folder yet");
        Map<String, Integer> objects = new TreeMap<>(Map.of(
                ObjectKeys.snapshot(1), 10,
                ObjectKeys.snapshot(20), 20,
                ObjectKeys.segment(2, 5), 30,
                ObjectKeys.segment(6, 6), 40,
                "other/deeply/nested/key", 50));
        for (Map.Entry<String, Integer> o : objects.entrySet()) {
            storage.put(o.getKey(), file("src", bytes(o.getValue(), 0)));
        }
        // A put in progress, a crashed put and an empty folder.
        Files.write(root.resolve(ObjectKeys.snapshot(30) + ".0123abcd.walship-tmp"), new byte[5]);
        Files.write(root.resolve("segments/x.walship-tmp"), new byte[5]);
        Files.createDirectories(root.resolve("segments/empty-folder"));

        Instant before = Instant.now().plusSeconds(5);
        List<ObjectInfo> all = storage.list("");
        assertEquals(objects.keySet(), all.stream().map(ObjectInfo::key).collect(Collectors.toSet()));
        assertEquals(objects.size(), all.size());
        for (ObjectInfo i : all) {
            assertEquals((long) objects.get(i.key()), i.size(), i.key());
            assertTrue(i.lastModified().isBefore(before));
        }
        assertEquals(Set.of(ObjectKeys.snapshot(1), ObjectKeys.snapshot(20)),
                storage.list(ObjectKeys.SNAPSHOTS).stream().map(ObjectInfo::key).collect(Collectors.toSet()));
        assertEquals(Set.of(ObjectKeys.segment(2, 5), ObjectKeys.segment(6, 6)),
                storage.list(ObjectKeys.SEGMENTS).stream().map(ObjectInfo::key).collect(Collectors.toSet()));
        assertEquals(List.of("other/deeply/nested/key"), storage.list("other/deep").stream().map(ObjectInfo::key).toList());
        assertEquals(List.of(), storage.list("nothing/"));
    }

    @Test
    void deleteRemovesKeysAndIgnoresMissingOnes() throws Exception {
        storage.put("a/1", file("s", new byte[] {1}));
        storage.put("a/2", file("s", new byte[] {2}));
        storage.put("b/3", file("s", new byte[] {3}));
        storage.delete(List.of("a/1", "a/missing", "never/existed", "b/3"));
        assertEquals(Set.of("a/2"), filesOnDisk());
        storage.delete(List.of("a/1", "b/3")); // a retried delete
        storage.delete(new ArrayList<>());
        assertEquals(Set.of("a/2"), filesOnDisk());
        assertThrows(ObjectNotFoundException.class, () -> storage.get("a/1", 0));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "/etc/passwd", "../outside", "a/../../outside", "snapshots/"})
    void keysThatDoNotNameAFileBelowTheRootAreRefused(String key) throws Exception {
        Path src = file("s", new byte[] {1});
        assertThrows(IllegalArgumentException.class, () -> storage.put(key, src));
        assertThrows(IllegalArgumentException.class, () -> storage.get(key, 0));
        assertThrows(IllegalArgumentException.class, () -> storage.getRange(key, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> storage.delete(List.of(key)));
        assertFalse(Files.exists(dir.resolve("outside")));
    }

    /**
     * Issue 8 section 2: every folder a put creates (the replica's root, segments/, a level's folder) is synced into its
     * parent, and the object's folder after the object is in it, so that an acknowledged object survives a crash.
     */
    @Test
    void aPutSyncsEveryFolderItCreatesIntoItsParentAndTheObjectsFolderAfterIt() throws Exception {
        List<Path> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Boolean> objectThere = new java.util.concurrent.CopyOnWriteArrayList<>();
        Path root = dir.resolve("fresh").resolve("replica");
        Path object = root.resolve("segments").resolve("00").resolve("x.segment");
        FileIo recording = new FileIo() {
            @Override
            public void syncDirectory(Path folder) throws java.io.IOException {
                synced.add(folder);
                objectThere.add(java.nio.file.Files.exists(object));
                FileIo.super.syncDirectory(folder);
            }
        };
        Path source = java.nio.file.Files.write(dir.resolve("source"), new byte[] {1, 2, 3});
        new FileReplicaStorage(root, recording).put("segments/00/x.segment", source);
        for (Path folder : List.of(dir, dir.resolve("fresh"), root, root.resolve("segments"))) {
            org.junit.jupiter.api.Assertions.assertTrue(synced.contains(folder), "the parent " + folder
                    + " of a new folder was synced: " + synced);
        }
        int last = synced.lastIndexOf(object.getParent());
        org.junit.jupiter.api.Assertions.assertTrue(last >= 0 && objectThere.get(last),
                "the object's folder is synced once the object is in it: " + synced);
    }
}
