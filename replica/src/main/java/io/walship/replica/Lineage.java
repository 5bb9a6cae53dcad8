package io.walship.replica;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * The history an object belongs to. A replicator draws a random, non-zero lineage id when it starts a replica's
 * history and writes it into every object's header and key, so that two writers pointed at one path, or a replica
 * started over, can be told apart: restores never combine objects of two lineages. Objects of format version 1 carry
 * no lineage; they all belong to the {@link #LEGACY} lineage, id 0, which counts as one lineage of its own.
 *
 * @param id the lineage id; 0 only for legacy (version 1) objects
 */
public record Lineage(long id) implements Comparable<Lineage> {
    /** The lineage of every version-1 object, which has no lineage field. */
    public static final Lineage LEGACY = new Lineage(0);

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new random lineage, never {@link #LEGACY}. */
    public static Lineage random() {
        while (true) {
            long id = RANDOM.nextLong();
            if (id != 0) {
                return new Lineage(id);
            }
        }
    }

    /**
     * Parses what an operator types to choose a lineage: its 16 hex digits as {@code walship ls} shows them, or
     * {@code legacy} for version-1 objects.
     *
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static Lineage parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("legacy")) {
            return LEGACY;
        }
        if (!s.matches("[0-9a-f]{1,16}")) {
            throw new IllegalArgumentException("'" + text + "' is not a lineage: give its 16 hex digits as 'walship ls'"
                    + " shows them, or 'legacy' for objects of format version 1");
        }
        return new Lineage(Long.parseUnsignedLong(s, 16));
    }

    public boolean isLegacy() {
        return id == 0;
    }

    /** The id as 16 lower-case hex digits, as in object keys. */
    public String hex() {
        return String.format("%016x", id);
    }

    /** How messages and listings name the lineage: its hex id, or {@code legacy}. */
    @Override
    public String toString() {
        return isLegacy() ? "legacy" : hex();
    }

    /** Orders by the unsigned id, so {@link #LEGACY} comes first and the order matches the hex keys. */
    @Override
    public int compareTo(Lineage other) {
        return Long.compareUnsigned(id, other.id);
    }
}
