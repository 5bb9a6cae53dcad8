package io.walship.replica;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Object key names inside a replica. Txids are 16 lower-case hex digits so that keys sort
 * lexicographically in txid order:
 * <pre>
 *   snapshots/&lt;txid&gt;.snapshot
 *   segments/&lt;first txid&gt;-&lt;last txid&gt;.segment
 * </pre>
 */
public final class ObjectKeys {
    public static final String SNAPSHOTS = "snapshots/";
    public static final String SEGMENTS = "segments/";

    private static final Pattern SNAPSHOT = Pattern.compile("snapshots/([0-9a-f]{16})\\.snapshot");
    private static final Pattern SEGMENT = Pattern.compile("segments/([0-9a-f]{16})-([0-9a-f]{16})\\.segment");

    private ObjectKeys() {
    }

    /** What a key names: its kind and txid range. */
    public record ObjectName(ObjectKind kind, long firstTxid, long lastTxid, String key) {
    }

    public static String snapshot(long txid) {
        return SNAPSHOTS + hex(txid) + ".snapshot";
    }

    public static String segment(long firstTxid, long lastTxid) {
        return SEGMENTS + hex(firstTxid) + "-" + hex(lastTxid) + ".segment";
    }

    public static String hex(long txid) {
        return String.format("%016x", txid);
    }

    /** Parses a key relative to the replica root; empty for keys that are not walship objects. */
    public static Optional<ObjectName> parse(String key) {
        Matcher m = SNAPSHOT.matcher(key);
        if (m.matches()) {
            long txid = Long.parseUnsignedLong(m.group(1), 16);
            return txid >= 1 ? Optional.of(new ObjectName(ObjectKind.SNAPSHOT, txid, txid, key)) : Optional.empty();
        }
        m = SEGMENT.matcher(key);
        if (m.matches()) {
            long first = Long.parseUnsignedLong(m.group(1), 16);
            long last = Long.parseUnsignedLong(m.group(2), 16);
            if (first >= 1 && last >= first) {
                return Optional.of(new ObjectName(ObjectKind.SEGMENT, first, last, key));
            }
        }
        return Optional.empty();
    }
}
