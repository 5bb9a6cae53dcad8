package io.walship.replicator.wal;

import static io.walship.replicator.wal.Sqlite.checkpointTruncate;
import static io.walship.replicator.wal.Sqlite.createWalDb;
import static io.walship.replicator.wal.Sqlite.exec;
import static io.walship.replicator.wal.Sqlite.open;
import static io.walship.replicator.wal.Sqlite.queryLong;
import static io.walship.replicator.wal.Sqlite.queryString;
import static io.walship.replicator.wal.Sqlite.scanAll;
import static io.walship.replicator.wal.Sqlite.sqliteView;
import static io.walship.replicator.wal.Sqlite.walOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walship.replicator.wal.Sqlite.Captured;
import io.walship.replicator.wal.Sqlite.Scan;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WAL files built in test code from page images of a real database. Real SQLite is the judge of validity: if SQLite,
 * given the base database and the hand-made WAL, ends up with exactly the database the statements produced, the
 * hand-made WAL (magic, header checksum, frame checksums in that byte order) is valid, and the scanner must read it.
 */
class WalHandmadeFixtureTest {
    private static final int PAGE_SIZE = 1024;
    private static final int SALT1 = 0x9e3779b9;
    private static final int SALT2 = 0x01234567;

    @TempDir
    Path dir;

    /** A database at three moments: {@code base} (3 rows), after tx1 (rows 4..40 added), after tx2 (row 2 renamed, row 3 deleted). */
    private record States(byte[] base, byte[] afterTx1, byte[] afterTx2) {
        List<Long> tx1Pages() {
            return changedPages(base, afterTx1);
        }

        List<Long> tx2Pages() {
            return changedPages(afterTx1, afterTx2);
        }

        long pages(byte[] image) {
            return image.length / PAGE_SIZE;
        }
    }

    private States states() throws Exception {
        Path src = dir.resolve("src.db");
        try (Connection c = createWalDb(src, PAGE_SIZE)) {
            exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)");
            for (int i = 1; i <= 3; i++) {
                insert(c, i, 50);
            }
            checkpointTruncate(c);
            byte[] base = Files.readAllBytes(src);
            exec(c, "BEGIN");
            for (int i = 4; i <= 40; i++) {
                insert(c, i, 400);
            }
            exec(c, "COMMIT");
            checkpointTruncate(c);
            byte[] afterTx1 = Files.readAllBytes(src);
            exec(c, "BEGIN", "UPDATE t SET name = 'changed' WHERE id = 2", "DELETE FROM t WHERE id = 3", "COMMIT");
            checkpointTruncate(c);
            byte[] afterTx2 = Files.readAllBytes(src);
            assertEquals(0, Files.size(walOf(src)));
            return new States(base, afterTx1, afterTx2);
        }
    }

    private static void insert(Connection c, int id, int blobSize) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?)")) {
            p.setInt(1, id);
            p.setString(2, "row" + id);
            p.setBytes(3, Sqlite.blob(blobSize, id));
            p.executeUpdate();
        }
    }

    /** Pages of {@code to} that differ from {@code from} (or lie beyond its end), ascending. */
    static List<Long> changedPages(byte[] from, byte[] to) {
        List<Long> out = new ArrayList<>();
        for (long p = 1; p * PAGE_SIZE <= to.length; p++) {
            int off = Math.toIntExact((p - 1) * PAGE_SIZE);
            if (off + PAGE_SIZE > from.length
                    || !Arrays.equals(from, off, off + PAGE_SIZE, to, off, off + PAGE_SIZE)) {
                out.add(p);
            }
        }
        return out;
    }

    private static WalBuilder twoTransactions(WalBuilder b, States s) {
        return b.transaction(s.afterTx1(), s.tx1Pages(), s.pages(s.afterTx1()))
                .transaction(s.afterTx2(), s.tx2Pages(), s.pages(s.afterTx2()));
    }

    /** Opens base + WAL with SQLite and returns "rows|name of row 2|integrity". */
    private String sqliteRows(byte[] base, byte[] wal) throws Exception {
        Path db = dir.resolve("check-" + System.nanoTime() + ".db");
        Files.write(db, base);
        Files.write(walOf(db), wal);
        try (Connection c = open(db)) {
            return queryLong(c, "SELECT count(*) FROM t") + "|"
                    + queryString(c, "SELECT coalesce((SELECT name FROM t WHERE id = 2), '-')") + "|"
                    + queryString(c, "PRAGMA integrity_check");
        }
    }

    @ParameterizedTest(name = "big-endian checksums: {0}")
    @ValueSource(booleans = {true, false})
    void handMadeWalIsAcceptedBySqliteAndReadByTheScanner(boolean bigEndian) throws Exception {
        States s = states();
        assertTrue(s.tx1Pages().size() > 5 && s.tx1Pages().contains(1L), "tx1 grows the file: " + s.tx1Pages());
        assertTrue(s.tx2Pages().size() >= 1);
        WalBuilder builder = twoTransactions(new WalBuilder(bigEndian, PAGE_SIZE, 7, SALT1, SALT2), s);
        byte[] wal = builder.bytes();
        assertEquals(bigEndian ? 0x377f0683 : 0x377f0682, ByteBuffer.wrap(wal).getInt(0));

        // SQLite's verdict: both transactions are valid, so it sees the final state exactly.
        assertEquals("39|changed|ok", sqliteRows(s.base(), wal));
        assertArrayEquals(s.afterTx2(), sqliteView(dir, s.base(), wal));
        assertEquals("3|row2|ok", sqliteRows(s.base(), new byte[0]), "control: without the WAL SQLite sees the base");

        Path file = dir.resolve("fixture.wal");
        Files.write(file, wal);
        Scan scan = scanAll(file);
        assertEquals(bigEndian, scan.header().bigEndianChecksum());
        assertEquals(PAGE_SIZE, scan.header().pageSize());
        assertEquals(7, scan.header().checkpointSequence());
        assertEquals(SALT1, scan.header().salt1());
        assertEquals(SALT2, scan.header().salt2());

        List<Long> expectedPgnos = new ArrayList<>(s.tx1Pages());
        expectedPgnos.addAll(s.tx2Pages());
        assertEquals(expectedPgnos, scan.pgnos());
        assertEquals(builder.checksums(), scan.frames().stream().map(Captured::checksum).toList());
        int n1 = s.tx1Pages().size();
        for (int i = 0; i < scan.frames().size(); i++) {
            Captured f = scan.frames().get(i);
            byte[] image = i < n1 ? s.afterTx1() : s.afterTx2();
            int off = Math.toIntExact((f.pgno() - 1) * PAGE_SIZE);
            assertArrayEquals(Arrays.copyOfRange(image, off, off + PAGE_SIZE), f.page(), "frame " + f.index());
            long expectedCommit = i == n1 - 1 ? s.pages(s.afterTx1()) : i == scan.frames().size() - 1 ? s.pages(s.afterTx2()) : 0;
            assertEquals(expectedCommit, f.commitSize(), "frame " + f.index());
        }
        assertEquals(scan.frames().size(), scan.result().committed().frames());
        assertEquals(s.pages(s.afterTx2()), scan.result().lastCommitSize());
        assertArrayEquals(s.afterTx2(), Sqlite.applyCommitted(s.base(), scan));
    }

    @ParameterizedTest(name = "magic says big-endian: {0}")
    @ValueSource(booleans = {true, false})
    void frameChecksumsInTheOtherByteOrderAreRejectedBySqliteAndTheScanner(boolean magicBigEndian) throws Exception {
        States s = states();
        byte[] header = WalHeader.encode(magicBigEndian, PAGE_SIZE, 0, SALT1, SALT2);
        byte[] wal = twoTransactions(new WalBuilder(header, !magicBigEndian, PAGE_SIZE), s).bytes();

        assertEquals("3|row2|ok", sqliteRows(s.base(), wal), "SQLite ignores every frame");
        Path file = dir.resolve("wrong-order.wal");
        Files.write(file, wal);
        Scan scan = scanAll(file);
        assertEquals(magicBigEndian, scan.header().bigEndianChecksum(), "the header itself is valid");
        assertEquals(List.of(), scan.frames());
        assertEquals(0, scan.result().committed().frames());
    }

    @Test
    void bigEndianFixtureIsAlsoAcceptedByTheSqliteCommandLineShell() throws Exception {
        Optional<Path> cli = Stream.of("/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3").map(Path::of)
                .filter(Files::isExecutable).findFirst();
        assumeTrue(cli.isPresent(), "no sqlite3 command-line shell installed");
        States s = states();
        byte[] wal = twoTransactions(new WalBuilder(true, PAGE_SIZE, 0, SALT1, SALT2), s).bytes();
        Path db = dir.resolve("cli.db");
        Files.write(db, s.base());
        Files.write(walOf(db), wal);
        Process p = new ProcessBuilder(cli.get().toString(), db.toString(),
                "SELECT count(*) FROM t; SELECT name FROM t WHERE id = 2; PRAGMA integrity_check;")
                .redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        p.getInputStream().transferTo(output);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("39\nchanged\nok\n", output.toString(StandardCharsets.UTF_8));
        assertEquals(0, p.exitValue());
    }

    @Test
    void frameWithForeignSaltsEndsTheLogEvenWithAValidChecksum() throws Exception {
        States s = states();
        WalBuilder b = new WalBuilder(true, PAGE_SIZE, 0, SALT1, SALT2)
                .transaction(s.afterTx1(), s.tx1Pages(), s.pages(s.afterTx1()))
                .salts(SALT1 + 1, SALT2) // checksums cover only bytes 0..7 of a frame header, so they stay valid
                .transaction(s.afterTx2(), s.tx2Pages(), s.pages(s.afterTx2()));
        byte[] wal = b.bytes();
        assertArrayEquals(s.afterTx1(), sqliteView(dir, s.base(), wal), "SQLite stops at the foreign salts");

        Path file = dir.resolve("salts.wal");
        Files.write(file, wal);
        Scan scan = scanAll(file);
        assertEquals(s.tx1Pages(), scan.pgnos());
        assertEquals(0, scan.result().uncommittedFrames());
        assertArrayEquals(s.afterTx1(), Sqlite.applyCommitted(s.base(), scan));
    }

    @Test
    void frameForPageZeroEndsTheLogEvenWithAValidChecksum() throws Exception {
        States s = states();
        WalBuilder b = new WalBuilder(false, PAGE_SIZE, 0, SALT1, SALT2)
                .transaction(s.afterTx1(), s.tx1Pages(), s.pages(s.afterTx1()))
                .frame(0, 0, s.afterTx2(), 0)
                .transaction(s.afterTx2(), s.tx2Pages(), s.pages(s.afterTx2()));
        byte[] wal = b.bytes();
        assertArrayEquals(s.afterTx1(), sqliteView(dir, s.base(), wal), "SQLite stops at page number 0");

        Path file = dir.resolve("zero.wal");
        Files.write(file, wal);
        Scan scan = scanAll(file);
        assertEquals(s.tx1Pages(), scan.pgnos());
        assertEquals(s.tx1Pages().size(), scan.result().committed().frames());
    }

    static Stream<Arguments> badHeaders() {
        int v = WalHeader.VERSION;
        int le = WalHeader.MAGIC_LE;
        return Stream.of(
                Arguments.of("checksum does not match", corruptChecksum(WalBuilder.rawHeader(le, v, PAGE_SIZE, 0, SALT1, SALT2, false))),
                Arguments.of("big-endian magic, little-endian header checksum",
                        WalBuilder.rawHeader(WalHeader.MAGIC_BE, v, PAGE_SIZE, 0, SALT1, SALT2, false)),
                Arguments.of("unknown magic 0x377f0684", WalBuilder.rawHeader(0x377f0684, v, PAGE_SIZE, 0, SALT1, SALT2, false)),
                Arguments.of("unknown magic 0x377f0681", WalBuilder.rawHeader(0x377f0681, v, PAGE_SIZE, 0, SALT1, SALT2, false)),
                Arguments.of("page size 1000", WalBuilder.rawHeader(le, v, 1000, 0, SALT1, SALT2, false)),
                Arguments.of("page size 256", WalBuilder.rawHeader(le, v, 256, 0, SALT1, SALT2, false)),
                Arguments.of("page size 131072", WalBuilder.rawHeader(le, v, 131072, 0, SALT1, SALT2, false)),
                Arguments.of("page size 0", WalBuilder.rawHeader(le, v, 0, 0, SALT1, SALT2, false)),
                Arguments.of("page size -2^31", WalBuilder.rawHeader(le, v, Integer.MIN_VALUE, 0, SALT1, SALT2, false)),
                Arguments.of("version 3007001", WalBuilder.rawHeader(le, v + 1, PAGE_SIZE, 0, SALT1, SALT2, false)),
                Arguments.of("all zeros", new byte[WalHeader.SIZE]));
    }

    private static byte[] corruptChecksum(byte[] header) {
        header[27] ^= 1;
        return header;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void invalidHeaderMeansNoValidWal(String why, byte[] header) throws Exception {
        assertEquals(Optional.empty(), WalHeader.parse(header));
        States s = states();
        byte[] wal = twoTransactions(new WalBuilder(header, false, PAGE_SIZE), s).bytes();
        Path file = dir.resolve("bad.wal");
        Files.write(file, wal);
        assertEquals(Optional.empty(), new WalScanner(file).readHeader());

        if (why.startsWith("version")) {
            // SQLite does not ignore a WAL of an unknown version: it refuses to open the database (SQLITE_CANTOPEN).
            assertThrows(SQLException.class, () -> sqliteRows(s.base(), wal));
        } else {
            assertEquals("3|row2|ok", sqliteRows(s.base(), wal), "SQLite ignores the whole WAL");
        }
    }

    @Test
    void validHeadersOfBothByteOrdersParse() {
        for (boolean be : new boolean[] {true, false}) {
            for (int pageSize = 512; pageSize <= 65536; pageSize *= 2) {
                byte[] h = WalHeader.encode(be, pageSize, -1, -2, 3);
                WalHeader parsed = WalHeader.parse(h).orElseThrow();
                assertEquals(be, parsed.bigEndianChecksum());
                assertEquals(pageSize, parsed.pageSize());
                assertEquals(-1, parsed.checkpointSequence(), "checkpoint sequence is an unsigned 32-bit field");
                assertEquals(-2, parsed.salt1());
                assertEquals(3, parsed.salt2());
                assertEquals(WalChecksum.ZERO.update(be, h, 0, 24), parsed.checksum());
                assertEquals(ByteBuffer.wrap(h).getInt(24), parsed.checksum().s1());
                assertEquals(ByteBuffer.wrap(h).getInt(28), parsed.checksum().s2());
                // Longer input: only the first 32 bytes count.
                assertEquals(Optional.of(parsed), WalHeader.parse(Arrays.copyOf(h, 100)));
                assertEquals(Optional.empty(), WalHeader.parse(Arrays.copyOf(h, 31)));
            }
        }
    }

    @Test
    void missingEmptyOrShortWalFileHasNoHeaderAndNoFrames() throws Exception {
        Path missing = dir.resolve("missing.wal");
        WalScanner scanner = new WalScanner(missing);
        assertEquals(Optional.empty(), scanner.readHeader());
        assertEquals(0, scanner.size());
        WalHeader h = WalHeader.parse(WalHeader.encode(false, PAGE_SIZE, 0, 1, 2)).orElseThrow();
        WalScanner.ScanResult r = scanner.scan(h, WalCursor.start(h), f -> {
            throw new AssertionError("no frame expected");
        });
        assertEquals(new WalScanner.ScanResult(WalCursor.start(h), WalCursor.start(h), 0, 0), r);

        Path empty = dir.resolve("empty.wal");
        Files.write(empty, new byte[0]);
        assertEquals(Optional.empty(), new WalScanner(empty).readHeader());

        Path shortFile = dir.resolve("short.wal");
        Files.write(shortFile, Arrays.copyOf(WalHeader.encode(false, PAGE_SIZE, 0, 1, 2), 31));
        assertEquals(Optional.empty(), new WalScanner(shortFile).readHeader());
        assertEquals(31, new WalScanner(shortFile).size());

        // A header and nothing else: a valid, empty generation.
        Path headerOnly = dir.resolve("header-only.wal");
        Files.write(headerOnly, WalHeader.encode(false, PAGE_SIZE, 0, 1, 2));
        Scan scan = scanAll(headerOnly);
        assertEquals(List.of(), scan.frames());
        assertEquals(WalCursor.start(scan.header()), scan.result().committed());
    }
}
