package io.walship.restore.litestream;

import java.time.Instant;

/**
 * A Litestream 0.3 object as the replica's listing names it. Litestream keeps no time inside its objects: the time of a
 * snapshot or WAL segment is when the storage stored it (the file's modification time, S3's {@code LastModified}),
 * and Litestream's own restore uses exactly that, so walship does too.
 *
 * @param key        the key relative to the replica root
 * @param generation the generation it belongs to
 * @param kind       snapshot or WAL segment
 * @param index      the WAL index: for a snapshot, the WAL file whose frames come next
 * @param offset     for a WAL segment, where its bytes start in the index's WAL file; 0 for a snapshot
 * @param size       the stored (compressed) size in bytes
 * @param createdAt  when the storage stored it
 */
public record LitestreamObject(String key, String generation, Kind kind, long index, long offset, long size,
                               Instant createdAt) {

    /** The two kinds of Litestream 0.3 object. */
    public enum Kind {
        /** The whole database file, LZ4-compressed. */
        SNAPSHOT,
        /** A slice of one WAL file (whole frames of committed transactions), LZ4-compressed. */
        WAL_SEGMENT
    }

    static LitestreamObject of(LitestreamKeys.Name name, String key, long size, Instant createdAt) {
        return new LitestreamObject(key, name.generation(), name.kind(), name.index(), name.offset(), size, createdAt);
    }

    /** Litestream's position of the object's first byte, such as {@code 0a1b2c3d4e5f6a7b/0000000c:4152}. */
    public String position() {
        return LitestreamKeys.position(generation, index, offset);
    }
}
