package io.walship.replicator;

import java.time.Instant;

/**
 * What the replicas of a database already hold when capture starts: the highest txid and its time. A spool that starts
 * afresh continues the txid sequence after it, and transaction times never fall below it.
 */
record ReplicaPosition(long txid, Instant time) {
    static final ReplicaPosition NONE = new ReplicaPosition(0, Instant.EPOCH);
}
