package io.walship.replicator.spool;

import io.walship.replicator.wal.WalChecksum;
import io.walship.replicator.wal.WalCursor;
import io.walship.replicator.wal.WalGeneration;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/** Spool records for the tests: pages whose bytes name their transaction and page, and the capture point of a txid. */
public final class SpoolFixtures {
    /** The page size of the fixtures' pages. */
    public static final int PAGE = 512;
    /** The WAL generation of the capture points of {@link #point(long)}. */
    public static final WalGeneration GEN = new WalGeneration(5, 6);

    private SpoolFixtures() {
    }

    /** A page filled with one byte derived from {@code txid} and {@code pgno}. */
    public static byte[] page(long txid, long pgno) {
        byte[] b = new byte[PAGE];
        Arrays.fill(b, (byte) (txid * 31 + pgno));
        return b;
    }

    /** The capture point after {@code txid} in WAL generation {@code gen}; every field derives from the txid. */
    public static CapturePoint point(long txid, WalGeneration gen) {
        return new CapturePoint(txid, Instant.ofEpochMilli(1_000 * txid), 10 + txid, PAGE, gen,
                new WalCursor(txid * 2, new WalChecksum((int) txid, (int) -txid)));
    }

    /** The capture point after {@code txid} in {@link #GEN}. */
    public static CapturePoint point(long txid) {
        return point(txid, GEN);
    }

    /** Appends transaction {@code t}: page 1, page {@code 2 + t % 5}, and its commit (not synced). */
    public static void transaction(Spool spool, long t, WalGeneration gen) throws IOException {
        spool.appendPage(t, 1, page(t, 1), PAGE);
        spool.appendPage(t, 2 + t % 5, page(t, 2 + t % 5), PAGE);
        spool.appendCommit(point(t, gen));
    }

    /** Flips one bit of the byte at {@code offset}, as a torn or rotten write would. */
    public static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x40);
        }
    }
}
