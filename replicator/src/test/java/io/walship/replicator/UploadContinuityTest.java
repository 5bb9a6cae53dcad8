package io.walship.replicator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replicator.Shipper.FailureKind;
import io.walship.replicator.Shipper.OwnerConflictException;
import org.junit.jupiter.api.Test;

/**
 * The invariant checked before every upload (issue 8, section 1): a segment starts at the replica's last txid + 1, a
 * snapshot is at or after it; anything else stops the replica as a broken invariant instead of being uploaded.
 */
class UploadContinuityTest {
    private static final String REPLICA = "s3://bucket/app";

    @Test
    void aSegmentMustStartRightAfterTheReplicasLastTxid() {
        assertDoesNotThrow(() -> UploadContinuity.checkSegment(10, 11, 15, REPLICA));
        assertDoesNotThrow(() -> UploadContinuity.checkSegment(10, 11, 11, REPLICA), "a segment of one transaction");

        OwnerConflictException hole = assertThrows(OwnerConflictException.class,
                () -> UploadContinuity.checkSegment(10, 12, 15, REPLICA), "txid 11 would be missing");
        assertEquals(FailureKind.BROKEN_INVARIANT, hole.kind);
        assertTrue(hole.getMessage().contains("segment of txids 12..15") && hole.getMessage().contains(REPLICA)
                && hole.getMessage().contains("whose last txid is 10"), hole.getMessage());

        OwnerConflictException overlap = assertThrows(OwnerConflictException.class,
                () -> UploadContinuity.checkSegment(10, 10, 15, REPLICA), "txid 10 would be there twice");
        assertEquals(FailureKind.BROKEN_INVARIANT, overlap.kind);
        assertEquals(FailureKind.BROKEN_INVARIANT, assertThrows(OwnerConflictException.class,
                () -> UploadContinuity.checkSegment(10, 3, 8, REPLICA), "a segment wholly before the replica's end").kind);
    }

    @Test
    void aSnapshotMustBeAtOrAfterTheReplicasLastTxid() {
        assertDoesNotThrow(() -> UploadContinuity.checkSnapshot(0, 1, REPLICA), "the first snapshot of an empty replica");
        assertDoesNotThrow(() -> UploadContinuity.checkSnapshot(10, 10, REPLICA), "a snapshot of the replica's last txid");
        assertDoesNotThrow(() -> UploadContinuity.checkSnapshot(10, 25, REPLICA),
                "a snapshot after a gap the spool dropped: restore starts from it");

        OwnerConflictException behind = assertThrows(OwnerConflictException.class,
                () -> UploadContinuity.checkSnapshot(10, 9, REPLICA), "a snapshot before the replica's end");
        assertEquals(FailureKind.BROKEN_INVARIANT, behind.kind);
        assertTrue(behind.getMessage().contains("snapshot 9") && behind.getMessage().contains(REPLICA)
                && behind.getMessage().contains("whose last txid is 10"), behind.getMessage());
    }
}
