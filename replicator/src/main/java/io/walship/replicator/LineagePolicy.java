package io.walship.replicator;

/**
 * What to do when a replica path holds a history (lineage) other than the one this walship captures. Every history
 * gets a random lineage id at its first snapshot, kept in the spool and written into every object, so that two
 * databases, or one database's two unrelated histories, are never mixed on one path.
 */
public enum LineagePolicy {
    /** The default: stop with an error naming both lineages. */
    REFUSE,
    /**
     * A spool that starts afresh takes the lineage the replica holds and continues its txids with a new snapshot: for
     * a spool that was lost, when the operator knows the database is the one the replica holds.
     */
    ADOPT,
    /** Start (or keep) this spool's own lineage beside the other one; restore then needs {@code --lineage}. */
    NEW
}
