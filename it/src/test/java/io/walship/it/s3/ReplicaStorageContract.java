package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.ObjectExistsException;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ReplicaStorage} contract (see its Javadoc), run against every implementation: a subclass says how to
 * open a fresh, empty replica and how to put a directory marker with the backend's own tools.
 *
 * <p>Every test gets a new replica. Object names are walship-like ({@code segments/...}, {@code snapshots/...}) but
 * the contract does not care.
 */
@Timeout(60)
abstract class ReplicaStorageContract {
    /** The part size the multipart test opens the replica with: S3's minimum. */
    static final long PART_SIZE = 5L << 20;

    @TempDir
    Path tmp;

    protected ReplicaStorage storage;
    private final Random random = new Random(42);
    private int files;

    /** A fresh, empty replica; objects larger than {@code partSize} go up in parts where the backend has parts. */
    protected abstract ReplicaStorage open(long partSize) throws Exception;

    /** Puts a directory marker (an empty object or a folder whose key ends in '/') with the backend's own tools. */
    protected abstract void putDirectoryMarker(String key) throws Exception;

    /** How many objects the listing test stores: over 1000 where the backend pages its listings by 1000. */
    protected int manyObjects() {
        return 1100;
    }

    /** Extra checks on an object stored by a multipart upload (S3: its ETag names the part count). */
    protected void checkMultipartObject(String key, long size) throws Exception {
    }

    @BeforeEach
    void openStorage() throws Exception {
        storage = open(PART_SIZE);
    }

    @AfterEach
    void closeStorage() throws IOException {
        if (storage != null) {
            storage.close();
        }
    }

    // ---- put and get ------------------------------------------------------------------------------------------

    @Test
    void putThenGetReturnsTheSameBytes() throws Exception {
        Map<String, byte[]> objects = new TreeMap<>();
        objects.put("snapshots/0000000000000001.snapshot", bytes(64 * 1024 + 7));
        objects.put("segments/0000000000000002-0000000000000009.segment", bytes(1));
        objects.put("segments/000000000000000a-000000000000000a.segment", bytes(0));
        objects.put("deeper/a/b/c/object", bytes(1 << 20));
        for (var e : objects.entrySet()) {
            storage.put(e.getKey(), file(e.getValue()));
        }
        for (var e : objects.entrySet()) {
            assertArrayEquals(e.getValue(), readAll(e.getKey(), 0), e.getKey());
        }
        Map<String, Long> listed = storage.list("").stream().collect(Collectors.toMap(ObjectInfo::key, ObjectInfo::size));
        Map<String, Long> expected = objects.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> (long) e.getValue().length));
        assertEquals(expected, listed, "list(\"\") names every object with its size, keys relative to the replica root");
        for (ObjectInfo info : storage.list("")) {
            assertTrue(info.lastModified() != null, "lastModified of " + info.key());
        }
    }

    @Test
    void getFromAnOffsetReadsToTheEnd() throws Exception {
        byte[] data = bytes(300_000);
        String key = "snapshots/0000000000000005.snapshot";
        storage.put(key, file(data));
        for (int offset : new int[] {0, 1, 4096, 299_999}) {
            assertArrayEquals(Arrays.copyOfRange(data, offset, data.length), readAll(key, offset), "get at offset " + offset);
        }
    }

    @Test
    void getAtTheExactEndIsEmpty() throws Exception {
        byte[] data = bytes(1000);
        String key = "segments/0000000000000001-0000000000000001.segment";
        storage.put(key, file(data));
        // A download that broke right after its last byte resumes at offset == size; that must give no bytes, not fail.
        assertArrayEquals(new byte[0], readAll(key, data.length), "get at offset == size");
    }

    @Test
    void getRangeWithinAndPastTheEnd() throws Exception {
        byte[] data = bytes(10_000);
        String key = "snapshots/0000000000000003.snapshot";
        storage.put(key, file(data));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 64), storage.getRange(key, 0, 64), "header-sized range at 0");
        assertArrayEquals(Arrays.copyOfRange(data, 1234, 1234 + 100), storage.getRange(key, 1234, 100), "range inside");
        assertArrayEquals(Arrays.copyOfRange(data, 9_990, 10_000), storage.getRange(key, 9_990, 100),
                "a range crossing the end gives the bytes up to the end");
        assertArrayEquals(new byte[0], storage.getRange(key, 10_000, 100), "a range starting at the end is empty");
        assertArrayEquals(new byte[0], storage.getRange(key, 50_000, 100), "a range starting past the end is empty");
    }

    @Test
    void aMissingKeyIsNotFoundAndDeletingItIsFine() throws Exception {
        String key = "snapshots/00000000000000ff.snapshot";
        ObjectNotFoundException e1 = assertThrows(ObjectNotFoundException.class, () -> readAll(key, 0));
        assertEquals(key, e1.key());
        ObjectNotFoundException e2 = assertThrows(ObjectNotFoundException.class, () -> readAll(key, 10));
        assertEquals(key, e2.key());
        ObjectNotFoundException e3 = assertThrows(ObjectNotFoundException.class, () -> storage.getRange(key, 0, 64));
        assertEquals(key, e3.key());
        storage.delete(List.of(key));
        storage.delete(List.of(key, "segments/0000000000000001-0000000000000002.segment"));
        assertEquals(List.of(), storage.list(""));
    }

    // ---- create-only ------------------------------------------------------------------------------------------

    @Test
    void puttingTheSameBytesAgainSucceeds() throws Exception {
        byte[] data = bytes(50_000);
        String key = "segments/0000000000000001-0000000000000010.segment";
        storage.put(key, file(data));
        storage.put(key, file(data)); // a retried upload, from another copy of the same bytes
        storage.put(key, file(data));
        assertArrayEquals(data, readAll(key, 0));
        assertEquals(1, storage.list("").size());
    }

    @Test
    void puttingDifferentBytesUnderAnExistingKeyFailsAndKeepsTheOriginal() throws Exception {
        byte[] data = bytes(50_000);
        String key = "segments/0000000000000001-0000000000000010.segment";
        storage.put(key, file(data));

        byte[] sameSize = data.clone();
        sameSize[sameSize.length / 2] ^= 1;
        ObjectExistsException e = assertThrows(ObjectExistsException.class, () -> storage.put(key, file(sameSize)),
                "same size, one bit different");
        assertEquals(key, e.key());
        assertThrows(ObjectExistsException.class, () -> storage.put(key, file(bytes(10))), "shorter");
        assertThrows(ObjectExistsException.class, () -> storage.put(key, file(bytes(60_000))), "longer");
        byte[] prefix = Arrays.copyOf(data, 49_999);
        assertThrows(ObjectExistsException.class, () -> storage.put(key, file(prefix)), "a prefix of the stored bytes");

        assertArrayEquals(data, readAll(key, 0), "the first object is untouched");
    }

    @Test
    void concurrentPutsOfDifferentBytesHaveExactlyOneWinner() throws Exception {
        String key = "snapshots/0000000000000007.snapshot";
        int writers = 6;
        List<byte[]> contents = new ArrayList<>();
        List<Path> sources = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            byte[] b = bytes(200_000);
            contents.add(b);
            sources.add(file(b));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Path source = sources.get(i);
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        storage.put(key, source);
                        return true;
                    } catch (ObjectExistsException e) {
                        return false;
                    }
                }));
            }
            go.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                if (results.get(i).get()) {
                    winners.add(i);
                }
            }
            assertEquals(1, winners.size(), "exactly one of " + writers + " concurrent create-only puts wins: " + winners);
            assertArrayEquals(contents.get(winners.get(0)), readAll(key, 0), "the stored bytes are the winner's");
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- listing and delete -----------------------------------------------------------------------------------

    @Test
    void listingFollowsEveryPageAndDeleteRemovesEverything() throws Exception {
        int n = manyObjects();
        Map<String, Integer> expected = new HashMap<>();
        for (int i = 0; i < n; i++) {
            expected.put(String.format("segments/%016x-%016x.segment", 2L * i + 1, 2L * i + 2), 1 + i % 97);
        }
        for (int i = 0; i < 3; i++) {
            expected.put(String.format("snapshots/%016x.snapshot", 1000L * i + 1), 100 + i);
        }
        // Put them in parallel (and in no particular order) to keep the test fast.
        List<String> keys = new ArrayList<>(expected.keySet());
        Collections.shuffle(keys, random);
        Map<Integer, Path> bySize = new HashMap<>();
        for (int size : new TreeSet<>(expected.values())) {
            bySize.put(size, file(bytes(size)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (String k : keys) {
                puts.add(pool.submit(() -> {
                    storage.put(k, bySize.get(expected.get(k)));
                    return null;
                }));
            }
            for (Future<?> f : puts) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        List<ObjectInfo> all = storage.list("");
        assertEquals(n + 3, all.size(), "list(\"\") returns each of the " + (n + 3) + " objects exactly once");
        Map<String, Long> listed = all.stream().collect(Collectors.toMap(ObjectInfo::key, ObjectInfo::size));
        Map<String, Long> want = expected.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> (long) e.getValue()));
        assertEquals(want, listed, "keys and sizes");
        assertEquals(n, storage.list("segments/").size(), "list(\"segments/\")");
        assertEquals(Set.of("snapshots/0000000000000001.snapshot", "snapshots/00000000000003e9.snapshot",
                        "snapshots/00000000000007d1.snapshot"),
                storage.list("snapshots/").stream().map(ObjectInfo::key).collect(Collectors.toSet()), "list(\"snapshots/\")");
        assertEquals(List.of(), storage.list("nothing-here/"));

        // One delete call with more keys than one S3 DeleteObjects request takes (1000).
        storage.delete(keys);
        assertEquals(List.of(), storage.list(""), "everything deleted");
    }

    @Test
    void directoryMarkersAreNotListed() throws Exception {
        storage.put("segments/0000000000000001-0000000000000002.segment", file(bytes(10)));
        putDirectoryMarker("segments/");
        putDirectoryMarker("snapshots/");
        putDirectoryMarker("snapshots/old/");
        storage.put("snapshots/0000000000000001.snapshot", file(bytes(20)));
        Set<String> keys = storage.list("").stream().map(ObjectInfo::key).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("segments/0000000000000001-0000000000000002.segment", "snapshots/0000000000000001.snapshot"), keys,
                "directory markers are not objects");
        for (String k : keys) {
            assertFalse(k.endsWith("/"), k);
        }
        assertEquals(1, storage.list("snapshots/").size());
    }

    @Test
    void deleteRemovesOnlyTheNamedKeys() throws Exception {
        storage.put("segments/0000000000000001-0000000000000002.segment", file(bytes(10)));
        storage.put("segments/0000000000000003-0000000000000004.segment", file(bytes(10)));
        storage.put("snapshots/0000000000000001.snapshot", file(bytes(10)));
        storage.delete(List.of("segments/0000000000000001-0000000000000002.segment", "snapshots/0000000000000009.snapshot"));
        assertEquals(Set.of("segments/0000000000000003-0000000000000004.segment", "snapshots/0000000000000001.snapshot"),
                storage.list("").stream().map(ObjectInfo::key).collect(Collectors.toSet()));
        assertThrows(ObjectNotFoundException.class, () -> readAll("segments/0000000000000001-0000000000000002.segment", 0));
        storage.delete(List.of());
    }

    // ---- multipart --------------------------------------------------------------------------------------------

    @Test
    void anObjectLargerThanThePartSizeIsStoredWholeAndByteIdentical() throws Exception {
        int size = 12 * 1024 * 1024 + 12_345; // three parts of 5 MiB, the last one short
        byte[] data = bytes(size);
        String key = "snapshots/0000000000000042.snapshot";
        storage.put(key, file(data));

        assertArrayEquals(data, readAll(key, 0), "whole object");
        int boundary = (int) PART_SIZE;
        assertArrayEquals(Arrays.copyOfRange(data, boundary - 10, boundary + 10), storage.getRange(key, boundary - 10, 20),
                "a range across the first part boundary");
        assertArrayEquals(Arrays.copyOfRange(data, 2 * boundary + 5, size), readAll(key, 2 * boundary + 5), "get from the last part");
        List<ObjectInfo> listed = storage.list("snapshots/");
        assertEquals(1, listed.size());
        assertEquals(size, listed.get(0).size(), "listed size");
        checkMultipartObject(key, size);

        storage.put(key, file(data)); // retried multipart upload of the same bytes
        byte[] other = data.clone();
        other[size - 1] ^= 0x55;
        assertThrows(ObjectExistsException.class, () -> storage.put(key, file(other)), "multipart put of different bytes");
        assertArrayEquals(data, readAll(key, 0), "the first object is untouched");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    protected byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    protected Path file(byte[] content) throws IOException {
        Path p = tmp.resolve("src-" + (files++));
        Files.write(p, content);
        return p;
    }

    protected byte[] readAll(String key, long offset) throws IOException {
        try (InputStream in = storage.get(key, offset)) {
            return in.readAllBytes();
        }
    }
}
