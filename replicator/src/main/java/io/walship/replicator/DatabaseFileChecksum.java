package io.walship.replicator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The length and CRC32C of a whole database file, which proves at start that the file did not change while walship
 * was stopped. CRC32C runs at memory speed on current CPUs, so the cost is one read of the file.
 */
public record DatabaseFileChecksum(long bytes, int crc) {
    private static final int CHUNK = 1 << 20;

    static DatabaseFileChecksum of(DatabaseFile db) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[CHUNK];
        long length = db.length();
        for (long pos = 0; pos < length; ) {
            int n = db.read(pos, buf, (int) Math.min(CHUNK, length - pos));
            if (n <= 0) {
                length = pos;
                break;
            }
            crc.update(buf, 0, n);
            pos += n;
        }
        return new DatabaseFileChecksum(length, (int) crc.getValue());
    }

    /**
     * The checksum of the file at {@code path}, read through a descriptor of its own. Only for a file no SQLite
     * connection of this process has open (such as a database just restored, before replication starts): closing a
     * descriptor drops every POSIX lock the process holds on the file.
     */
    public static DatabaseFileChecksum of(Path path) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long total = 0;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            while (true) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                crc.update(buf.array(), 0, n);
                total += n;
            }
        }
        return new DatabaseFileChecksum(total, (int) crc.getValue());
    }

    @Override
    public String toString() {
        return String.format("%d bytes, CRC32C %08x", bytes, crc);
    }
}
