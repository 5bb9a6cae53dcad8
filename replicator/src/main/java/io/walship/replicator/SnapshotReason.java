package io.walship.replicator;

/** Why a snapshot was taken; the label goes into logs and the snapshot metric. */
enum SnapshotReason {
    /** The first snapshot of a database with no history yet. */
    INITIAL("initial"),
    /** Continuity could not be proven; a new chain starts. */
    CONTINUITY("continuity"),
    /** A replica needs a snapshot to start from. */
    REPLICA("replica"),
    /** The snapshot interval passed. */
    INTERVAL("interval");

    private final String label;

    SnapshotReason(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
