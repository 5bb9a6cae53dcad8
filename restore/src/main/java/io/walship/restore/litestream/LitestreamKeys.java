package io.walship.restore.litestream;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object keys of a Litestream 0.3 replica, relative to the replica's root (Litestream's {@code path}, or the
 * folder of a {@code file://} replica), as Litestream 0.3.13 writes them to a folder and to S3 alike:
 * <pre>
 *   generations/&lt;generation&gt;/snapshots/&lt;index&gt;.snapshot.lz4
 *   generations/&lt;generation&gt;/wal/&lt;index&gt;_&lt;offset&gt;.wal.lz4
 * </pre>
 * <ul>
 *   <li>generation: 16 lower-case hex digits, drawn at random whenever Litestream loses track of the database's WAL
 *       (its first start, a restart after the WAL changed behind its back); each generation is a history of its own
 *       that starts with a snapshot;</li>
 *   <li>index: 8 lower-case hex digits, the number of a WAL file within the generation; it grows by one each time
 *       SQLite restarts its WAL after a checkpoint, so one index holds one WAL header and one salt pair;</li>
 *   <li>offset: 8 lower-case hex digits, the byte offset in that WAL file at which the segment's bytes begin.</li>
 * </ul>
 * The patterns are Litestream's own ({@code ParseSnapshotPath}, {@code ParseWALSegmentPath}, {@code IsGenerationName});
 * keys that do not match them, such as the {@code .tmp} files of an upload in progress, are not Litestream objects.
 *
 * <p>Litestream 0.5 writes another layout, LTX files under {@code ltx/<level>/<min txid>-<max txid>.ltx}, which is only
 * recognised here so that it can be reported; walship cannot read it.
 */
public final class LitestreamKeys {
    /** The prefix of every Litestream 0.3 object. */
    public static final String GENERATIONS = "generations/";
    /** The prefix of every Litestream 0.5 LTX file. */
    public static final String LTX = "ltx/";

    private static final Pattern SNAPSHOT =
            Pattern.compile("generations/([0-9a-f]{16})/snapshots/([0-9a-f]{8})\\.snapshot\\.lz4");
    private static final Pattern WAL_SEGMENT =
            Pattern.compile("generations/([0-9a-f]{16})/wal/([0-9a-f]{8})_([0-9a-f]{8})\\.wal\\.lz4");
    private static final Pattern LTX_FILE = Pattern.compile("ltx/[0-9]+/[0-9a-f]{16}-[0-9a-f]{16}\\.ltx");
    private static final Pattern GENERATION_NAME = Pattern.compile("[0-9a-f]{16}");

    private LitestreamKeys() {
    }

    /** What a Litestream 0.3 key names. {@code offset} is 0 for a snapshot. */
    public record Name(String generation, LitestreamObject.Kind kind, long index, long offset) {
    }

    /** Parses a key relative to the replica root; empty for keys that are not Litestream 0.3 objects. */
    public static Optional<Name> parse(String key) {
        Matcher m = SNAPSHOT.matcher(key);
        if (m.matches()) {
            return Optional.of(new Name(m.group(1), LitestreamObject.Kind.SNAPSHOT, Long.parseLong(m.group(2), 16), 0));
        }
        m = WAL_SEGMENT.matcher(key);
        if (m.matches()) {
            return Optional.of(new Name(m.group(1), LitestreamObject.Kind.WAL_SEGMENT, Long.parseLong(m.group(2), 16),
                    Long.parseLong(m.group(3), 16)));
        }
        return Optional.empty();
    }

    /** Whether {@code key} is a Litestream 0.5 LTX file. */
    public static boolean isLtxFile(String key) {
        return LTX_FILE.matcher(key).matches();
    }

    /** Whether {@code name} is a well-formed generation name, as an operator may type it. */
    public static boolean isGenerationName(String name) {
        return GENERATION_NAME.matcher(name).matches();
    }

    /** An index or offset as Litestream prints it in keys and positions: 8 lower-case hex digits. */
    public static String hex(long value) {
        return String.format("%08x", value);
    }

    /** A position in Litestream's own notation, {@code generation/index:offset}, as its logs show it. */
    public static String position(String generation, long index, long offset) {
        return generation + "/" + hex(index) + ":" + offset;
    }
}
