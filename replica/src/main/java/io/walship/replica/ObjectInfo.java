package io.walship.replica;

import java.time.Instant;

/** One object of a listing: its key relative to the replica root, its size in bytes and when it was stored. */
public record ObjectInfo(String key, long size, Instant lastModified) {
}
