package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ObjectInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's lease on a real folder replica, with a clock the test moves: a second writer waits for an unexpired
 * lease and fails once the holder renews it; it takes over an expired or released lease only after its take-over check
 * confirmed the replica did not move (the check's failure leaves the lease untouched); a writer that restarts with the
 * same spool takes its own lease back without the check; the lease object's bytes are the ones docs/FORMAT.md shows.
 */
class ReplicaLeaseTest {
    private static final long LINEAGE = 0x0123456789abcdefL;

    @TempDir
    Path dir;
    private FileReplicaStorage storage;
    private final TestClock clock = new TestClock(Instant.parse("2026-11-30T12:00:00Z"));
    private final AtomicInteger checks = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        storage = new FileReplicaStorage(dir.resolve("replica"));
        Files.createDirectories(dir.resolve("scratch"));
    }

    private ReplicaLease lease(String holder, ReplicaLease.TakeOverCheck check) {
        return new ReplicaLease(storage, clock, holder, LINEAGE, dir.resolve("scratch"), () -> {
            checks.incrementAndGet();
            check.confirm();
        });
    }

    private static final ReplicaLease.TakeOverCheck PASS = () -> {
    };

    @Test
    void aSecondWriterWaitsAndFailsOnceTheHolderRenews() throws Exception {
        ReplicaLease a = lease("aaaaaaaaaaaaaaaa", PASS);
        ReplicaLease b = lease("bbbbbbbbbbbbbbbb", PASS);
        a.beforeUpload();
        assertThrows(ReplicaLease.LeaseWaitException.class, b::beforeUpload, "an unexpired lease: wait");
        clock.advance(Duration.ofSeconds(5));
        assertThrows(ReplicaLease.LeaseWaitException.class, b::beforeUpload, "still unexpired, not renewed: wait");
        clock.advance(ReplicaLease.RENEW_EVERY);
        a.beforeUpload();
        ReplicaLease.HeldException held = assertThrows(ReplicaLease.HeldException.class, b::beforeUpload,
                "the holder renewed while b waited: it is alive");
        assertTrue(held.getMessage().contains("pid " + ProcessHandle.current().pid()), held.getMessage());
        assertEquals(0, checks.get(), "nothing was taken over");
        assertEquals("aaaaaaaaaaaaaaaa", newestHolder());
    }

    @Test
    void anExpiredLeaseIsTakenOverOnlyAfterTheCheckPasses() throws Exception {
        ReplicaLease a = lease("aaaaaaaaaaaaaaaa", PASS);
        a.beforeUpload();
        IOException moved = new IOException("the replica moved");
        ReplicaLease refused = lease("bbbbbbbbbbbbbbbb", () -> {
            throw moved;
        });
        assertThrows(ReplicaLease.LeaseWaitException.class, refused::beforeUpload);
        clock.advance(ReplicaLease.DURATION.plusSeconds(1));
        List<String> before = leaseKeys();
        assertSame(moved, assertThrows(IOException.class, refused::beforeUpload), "the check's failure reaches the caller");
        assertEquals(before, leaseKeys(), "a failed check takes nothing");
        assertEquals("aaaaaaaaaaaaaaaa", newestHolder());

        ReplicaLease b = lease("bbbbbbbbbbbbbbbb", PASS);
        b.beforeUpload();
        assertEquals("bbbbbbbbbbbbbbbb", newestHolder(), "with the check passing, the expired lease is taken over");
    }

    @Test
    void anExpiredLeaseIsTakenOverAndItsIdleHolderStops() throws Exception {
        ReplicaLease a = lease("aaaaaaaaaaaaaaaa", PASS);
        ReplicaLease b = lease("bbbbbbbbbbbbbbbb", PASS);
        a.beforeUpload();
        assertThrows(ReplicaLease.LeaseWaitException.class, b::beforeUpload);
        clock.advance(ReplicaLease.DURATION.plusSeconds(1));
        b.beforeUpload();
        assertEquals(1, checks.get(), "the take-over ran the check once");
        assertEquals("bbbbbbbbbbbbbbbb", newestHolder());
        ReplicaLease.HeldException held = assertThrows(ReplicaLease.HeldException.class, a::beforeUpload);
        assertTrue(held.getMessage().contains("took it over while this one was idle"), held.getMessage());
    }

    @Test
    void aReleasedLeaseIsTakenAtOnceAfterTheCheck() throws Exception {
        ReplicaLease a = lease("aaaaaaaaaaaaaaaa", PASS);
        ReplicaLease b = lease("bbbbbbbbbbbbbbbb", PASS);
        a.beforeUpload();
        assertThrows(ReplicaLease.LeaseWaitException.class, b::beforeUpload);
        a.release();
        b.beforeUpload();
        assertEquals(1, checks.get());
        assertEquals("bbbbbbbbbbbbbbbb", newestHolder());
    }

    @Test
    void theSameSpoolTakesItsOwnLeaseBackWithoutTheCheck() throws Exception {
        lease("aaaaaaaaaaaaaaaa", PASS).beforeUpload();
        // A crash leaves the lease unexpired; the restarted walship with the same spool is the same writer.
        lease("aaaaaaaaaaaaaaaa", PASS).beforeUpload();
        assertEquals(0, checks.get());
        assertEquals(List.of("lease/0000000000000000", "lease/0000000000000001"), leaseKeys());
    }

    @Test
    void renewalsWithinTheRenewIntervalCostNoRequest() throws Exception {
        ReplicaLease a = lease("aaaaaaaaaaaaaaaa", PASS);
        a.beforeUpload();
        clock.advance(ReplicaLease.RENEW_EVERY.minusSeconds(1));
        a.beforeUpload();
        assertEquals(List.of("lease/0000000000000000"), leaseKeys());
        clock.advance(Duration.ofSeconds(1));
        a.beforeUpload();
        assertEquals(List.of("lease/0000000000000000", "lease/0000000000000001"), leaseKeys());
    }

    @Test
    void theLeaseObjectIsTheDocumentedText() {
        ReplicaLease.Holder h = new ReplicaLease.Holder("5f0e3c2a9b7d4e61", "db-host-1", 4242, LINEAGE,
                Instant.ofEpochMilli(1764504000000L), Instant.ofEpochMilli(1764504030000L));
        String text = ReplicaLease.encode(h);
        assertEquals("""
                walship-lease 1
                holder 5f0e3c2a9b7d4e61
                host db-host-1
                pid 4242
                lineage 0123456789abcdef
                started 1764504000000
                expires 1764504030000
                crc32c b06037dd
                """, text);
        assertEquals(h, ReplicaLease.parse(text).orElseThrow());
        assertTrue(ReplicaLease.parse(text.replace("pid 4242", "pid 4243")).isEmpty(), "a damaged lease reads as none");
    }

    private List<String> leaseKeys() throws IOException {
        return storage.list(ReplicaLease.PREFIX).stream().map(ObjectInfo::key).sorted().toList();
    }

    private String newestHolder() throws IOException {
        List<String> keys = leaseKeys();
        byte[] bytes = storage.getRange(keys.get(keys.size() - 1), 0, 4096);
        return ReplicaLease.parse(new String(bytes, StandardCharsets.UTF_8)).orElseThrow().id();
    }
}
