package io.walship.replica;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Object key names inside a replica. Txids are 16 lower-case hex digits, times 12 lower-case hex digits of
 * milliseconds since the epoch, lineages 16 lower-case hex digits, so that within a folder keys sort lexicographically
 * in txid order. Format version 2 keys carry everything a restore plans with, so planning needs only a listing:
 * <pre>
 *   snapshots/&lt;txid&gt;-&lt;time&gt;-&lt;lineage&gt;.snapshot
 *   segments/&lt;level, 2 decimal digits&gt;/&lt;first txid&gt;-&lt;last txid&gt;-&lt;first time&gt;-&lt;last time&gt;-&lt;lineage&gt;.segment
 * </pre>
 * Version 1 keys, still read, carry txids only (lineage {@link Lineage#LEGACY}, level 0, times unknown until the
 * header is read):
 * <pre>
 *   snapshots/&lt;txid&gt;.snapshot
 *   segments/&lt;first txid&gt;-&lt;last txid&gt;.segment
 * </pre>
 */
public final class ObjectKeys {
    public static final String SNAPSHOTS = "snapshots/";
    public static final String SEGMENTS = "segments/";

    private static final String TXID = "([0-9a-f]{16})";
    private static final String TIME = "([0-9a-f]{12})";
    private static final Pattern SNAPSHOT_V1 = Pattern.compile("snapshots/" + TXID + "\\.snapshot");
    private static final Pattern SEGMENT_V1 = Pattern.compile("segments/" + TXID + "-" + TXID + "\\.segment");
    private static final Pattern SNAPSHOT_V2 = Pattern.compile("snapshots/" + TXID + "-" + TIME + "-" + TXID
            + "\\.snapshot");
    private static final Pattern SEGMENT_V2 = Pattern.compile("segments/([0-9]{2})/" + TXID + "-" + TXID + "-" + TIME
            + "-" + TIME + "-" + TXID + "\\.segment");

    private ObjectKeys() {
    }

    /**
     * What a key names. A version-1 key names no times (they are in the object's header) and belongs to the legacy
     * lineage at level 0; a version-2 key names everything here, and the object's header must agree with all of it.
     *
     * @param firstTime the first transaction's time (a snapshot's time), empty for a version-1 key
     * @param lastTime  the last transaction's time, empty for a version-1 key
     */
    public record ObjectName(ObjectKind kind, int level, long firstTxid, long lastTxid, Optional<Instant> firstTime,
                             Optional<Instant> lastTime, Lineage lineage, String key) {

        /**
         * What a version-1 key names.
         *
         * @deprecated version-1 keys carry no lineage, level or times; kept for callers that still name v1 objects.
         */
        @Deprecated
        public ObjectName(ObjectKind kind, long firstTxid, long lastTxid, String key) {
            this(kind, 0, firstTxid, lastTxid, Optional.empty(), Optional.empty(), Lineage.LEGACY, key);
        }

        /** Whether the key holds the times (format version 2), so no header needs to be read for them. */
        public boolean hasTimes() {
            return firstTime.isPresent();
        }
    }

    /**
     * A version-1 snapshot key.
     *
     * @deprecated version 1 has no lineage; use {@link #snapshot(long, Instant, Lineage)}.
     */
    @Deprecated
    public static String snapshot(long txid) {
        return SNAPSHOTS + hex(txid) + ".snapshot";
    }

    /**
     * A version-1 segment key.
     *
     * @deprecated version 1 has no lineage; use {@link #segment(int, long, long, Instant, Instant, Lineage)}.
     */
    @Deprecated
    public static String segment(long firstTxid, long lastTxid) {
        return SEGMENTS + hex(firstTxid) + "-" + hex(lastTxid) + ".segment";
    }

    /** The version-2 key of a snapshot at {@code txid}, taken at {@code time}. */
    public static String snapshot(long txid, Instant time, Lineage lineage) {
        return SNAPSHOTS + hex(txid) + "-" + timeHex(time) + "-" + lineage.hex() + ".snapshot";
    }

    /** The version-2 key of a segment of {@code level} holding {@code firstTxid..lastTxid}. */
    public static String segment(int level, long firstTxid, long lastTxid, Instant firstTime, Instant lastTime,
                                 Lineage lineage) {
        if (level < 0 || level > ObjectHeader.MAX_LEVEL) {
            throw new IllegalArgumentException("level " + level + " is not 0.." + ObjectHeader.MAX_LEVEL);
        }
        return SEGMENTS + String.format("%02d", level) + "/" + hex(firstTxid) + "-" + hex(lastTxid) + "-"
                + timeHex(firstTime) + "-" + timeHex(lastTime) + "-" + lineage.hex() + ".segment";
    }

    /** The key an object with this header is stored under: a version-2 key for a version-2 header, else version 1. */
    @SuppressWarnings("deprecation")
    public static String of(ObjectHeader h) {
        if (h.version() == 1) {
            return h.kind() == ObjectKind.SNAPSHOT ? snapshot(h.firstTxid()) : segment(h.firstTxid(), h.lastTxid());
        }
        return h.kind() == ObjectKind.SNAPSHOT ? snapshot(h.firstTxid(), h.firstTime(), h.lineage())
                : segment(h.level(), h.firstTxid(), h.lastTxid(), h.firstTime(), h.lastTime(), h.lineage());
    }

    public static String hex(long txid) {
        return String.format("%016x", txid);
    }

    private static String timeHex(Instant time) {
        long ms = time.toEpochMilli();
        if (ms < 0 || ms > ObjectHeader.MAX_TIME_MILLIS) {
            throw new IllegalArgumentException("time " + time + " cannot be spelled in a key");
        }
        return String.format("%012x", ms);
    }

    /** Parses a key relative to the replica root; empty for keys that are not walship objects. */
    public static Optional<ObjectName> parse(String key) {
        Matcher m = SNAPSHOT_V2.matcher(key);
        if (m.matches()) {
            long txid = Long.parseUnsignedLong(m.group(1), 16);
            Instant time = Instant.ofEpochMilli(Long.parseLong(m.group(2), 16));
            Lineage lineage = new Lineage(Long.parseUnsignedLong(m.group(3), 16));
            return txid >= 1 && !lineage.isLegacy()
                    ? Optional.of(new ObjectName(ObjectKind.SNAPSHOT, 0, txid, txid, Optional.of(time),
                            Optional.of(time), lineage, key))
                    : Optional.empty();
        }
        m = SEGMENT_V2.matcher(key);
        if (m.matches()) {
            int level = Integer.parseInt(m.group(1));
            long first = Long.parseUnsignedLong(m.group(2), 16);
            long last = Long.parseUnsignedLong(m.group(3), 16);
            long firstTime = Long.parseLong(m.group(4), 16);
            long lastTime = Long.parseLong(m.group(5), 16);
            Lineage lineage = new Lineage(Long.parseUnsignedLong(m.group(6), 16));
            if (first >= 1 && last >= first && lastTime >= firstTime && !lineage.isLegacy()) {
                return Optional.of(new ObjectName(ObjectKind.SEGMENT, level, first, last,
                        Optional.of(Instant.ofEpochMilli(firstTime)), Optional.of(Instant.ofEpochMilli(lastTime)),
                        lineage, key));
            }
            return Optional.empty();
        }
        m = SNAPSHOT_V1.matcher(key);
        if (m.matches()) {
            long txid = Long.parseUnsignedLong(m.group(1), 16);
            return txid >= 1 ? Optional.of(legacy(ObjectKind.SNAPSHOT, txid, txid, key)) : Optional.empty();
        }
        m = SEGMENT_V1.matcher(key);
        if (m.matches()) {
            long first = Long.parseUnsignedLong(m.group(1), 16);
            long last = Long.parseUnsignedLong(m.group(2), 16);
            if (first >= 1 && last >= first) {
                return Optional.of(legacy(ObjectKind.SEGMENT, first, last, key));
            }
        }
        return Optional.empty();
    }

    private static ObjectName legacy(ObjectKind kind, long first, long last, String key) {
        return new ObjectName(kind, 0, first, last, Optional.empty(), Optional.empty(), Lineage.LEGACY, key);
    }

    /**
     * Checks that a header says what its key says: kind, txids, level, lineage and, for a version-2 key, times. A
     * mismatch makes the object corrupt.
     */
    public static void checkHeaderMatchesKey(ObjectName name, ObjectHeader header) throws CorruptObjectException {
        String key = name.key();
        if (header.kind() != name.kind()) {
            throw new CorruptObjectException(key, "header says " + header.kind() + " but the key names a "
                    + name.kind());
        }
        if (header.firstTxid() != name.firstTxid() || header.lastTxid() != name.lastTxid()) {
            throw new CorruptObjectException(key, "header holds txids " + header.firstTxid() + ".."
                    + header.lastTxid() + " but the key names " + name.firstTxid() + ".." + name.lastTxid());
        }
        if (!header.lineage().equals(name.lineage())) {
            throw new CorruptObjectException(key, "header names lineage " + header.lineage() + " but the key names "
                    + name.lineage());
        }
        if (header.level() != name.level()) {
            throw new CorruptObjectException(key, "header names level " + header.level() + " but the key names "
                    + name.level());
        }
        if (name.hasTimes() && (!header.firstTime().equals(name.firstTime().get())
                || !header.lastTime().equals(name.lastTime().get()))) {
            throw new CorruptObjectException(key, "header holds times " + header.firstTime() + ".."
                    + header.lastTime() + " but the key names " + name.firstTime().get() + ".."
                    + name.lastTime().get());
        }
    }
}
