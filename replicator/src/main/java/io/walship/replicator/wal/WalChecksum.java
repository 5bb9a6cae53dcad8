package io.walship.replicator.wal;

/**
 * SQLite's WAL checksum: a Fletcher-like sum over 32-bit words, read big- or little-endian as the WAL
 * header's magic says, accumulated from frame to frame. The state is two unsigned 32-bit sums.
 */
public record WalChecksum(int s1, int s2) {
    public static final WalChecksum ZERO = new WalChecksum(0, 0);

    /** Continues this checksum over {@code length} bytes (a multiple of 8) of {@code data}. */
    public WalChecksum update(boolean bigEndian, byte[] data, int offset, int length) {
        if ((length & 7) != 0) {
            throw new IllegalArgumentException("checksummed length must be a multiple of 8: " + length);
        }
        int a = s1;
        int b = s2;
        for (int i = offset; i < offset + length; i += 8) {
            a += word(bigEndian, data, i) + b;
            b += word(bigEndian, data, i + 4) + a;
        }
        return new WalChecksum(a, b);
    }

    private static int word(boolean bigEndian, byte[] d, int i) {
        if (bigEndian) {
            return (d[i] & 0xff) << 24 | (d[i + 1] & 0xff) << 16 | (d[i + 2] & 0xff) << 8 | (d[i + 3] & 0xff);
        }
        return (d[i + 3] & 0xff) << 24 | (d[i + 2] & 0xff) << 16 | (d[i + 1] & 0xff) << 8 | (d[i] & 0xff);
    }
}
