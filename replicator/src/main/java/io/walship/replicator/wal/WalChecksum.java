package io.walship.replicator.wal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SQLite's WAL checksum: a Fletcher-like sum over 32-bit words, read big- or little-endian as the WAL
 * header's magic says, accumulated from frame to frame. The state is two unsigned 32-bit sums.
 */
public record WalChecksum(int s1, int s2) {
    public static final WalChecksum ZERO = new WalChecksum(0, 0);

    private static final VarHandle BIG = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LITTLE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Continues this checksum over {@code length} bytes (a multiple of 8) of {@code data}. */
    public WalChecksum update(boolean bigEndian, byte[] data, int offset, int length) {
        if ((length & 7) != 0) {
            throw new IllegalArgumentException("checksummed length must be a multiple of 8: " + length);
        }
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("checksum of " + length + " bytes at " + offset + " in " + data.length);
        }
        // Capture checksums every byte the app writes to its WAL, so this loop is hot: one loop per byte order, each
        // reading a word with a single (byte-swapping) load, keeps it a few instructions per word.
        int a = s1;
        int b = s2;
        int end = offset + length;
        if (bigEndian) {
            for (int i = offset; i < end; i += 8) {
                a += (int) BIG.get(data, i) + b;
                b += (int) BIG.get(data, i + 4) + a;
            }
        } else {
            for (int i = offset; i < end; i += 8) {
                a += (int) LITTLE.get(data, i) + b;
                b += (int) LITTLE.get(data, i + 4) + a;
            }
        }
        return new WalChecksum(a, b);
    }
}
