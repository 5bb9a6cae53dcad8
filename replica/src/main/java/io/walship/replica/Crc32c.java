package io.walship.replica;

import java.util.zip.CRC32C;

/** CRC32C (Castagnoli), the checksum of every byte walship persists. */
public final class Crc32c {
    private Crc32c() {
    }

    public static int of(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    public static int of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }
}
