package io.walship.restore;

/**
 * How far a restore reads ahead of the database it writes: at most {@code objects} replica objects are downloaded and
 * decompressed at once, each on its own thread, and at most {@code bytes} of their decoded pages wait to be written.
 * Memory for the restore is about {@code bytes} plus a few LZ4 blocks per object, whatever the database size.
 *
 * @param objects objects in flight, 1 or more
 * @param bytes   decoded bytes waiting to be written, across all objects in flight; at least 256 KiB per object
 */
public record Prefetch(int objects, long bytes) {
    /** The most objects read at once by default. */
    public static final int DEFAULT_OBJECTS = 8;
    /** The most decoded bytes waiting by default, unless the heap is small (see {@link #defaults()}). */
    public static final long DEFAULT_BYTES = 64L << 20;
    /** The least any one object may buffer: two pages of the largest page size, and some headroom. */
    static final long MIN_BYTES_PER_OBJECT = 256L << 10;

    public Prefetch {
        if (objects < 1 || objects > 256) {
            throw new IllegalArgumentException("prefetch objects must be 1..256, not " + objects);
        }
        if (bytes < objects * MIN_BYTES_PER_OBJECT) {
            throw new IllegalArgumentException("prefetch memory " + bytes + " bytes is too small for " + objects
                    + " objects in flight; give at least " + (objects * MIN_BYTES_PER_OBJECT) + " bytes");
        }
    }

    /**
     * {@value #DEFAULT_OBJECTS} objects and {@link #DEFAULT_BYTES} bytes, or a quarter of the JVM's maximum heap if
     * that is less, so that a restore run with a small {@code -Xmx} stays within it.
     */
    public static Prefetch defaults() {
        return withObjects(DEFAULT_OBJECTS);
    }

    /** {@code objects} in flight with the default memory bound. */
    public static Prefetch withObjects(int objects) {
        long quarterHeap = Runtime.getRuntime().maxMemory() / 4;
        return new Prefetch(objects, Math.max(objects * MIN_BYTES_PER_OBJECT, Math.min(DEFAULT_BYTES, quarterHeap)));
    }
}
