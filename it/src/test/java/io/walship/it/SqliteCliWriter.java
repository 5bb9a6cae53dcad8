package io.walship.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An application that is the {@code sqlite3} command-line shell (SQLite 3.40, C): a generated SQL script piped into
 * {@code sqlite3 DB}. Its transactions are deterministic, so this class computes the expected items after each
 * transaction i in Java and writes the same digest file as {@code writer.py} (blobs stay empty).
 */
public final class SqliteCliWriter {
    private final Path db;
    private final Path dir;
    private final int txs;
    private Process process;

    private record Row(String v, long n) {
    }

    public SqliteCliWriter(Path db, Path dir, int txs) {
        this.db = db;
        this.dir = dir;
        this.txs = txs;
    }

    public Path digestFile() {
        return dir.resolve("digests.txt");
    }

    public Path log() {
        return dir.resolve("sqlite3-cli.log");
    }

    public Path scriptFile() {
        return dir.resolve("sqlite3-cli.sql");
    }

    static String value(long i) {
        StringBuilder b = new StringBuilder("r").append(i).append('-');
        int reps = (int) (i % 37 == 0 ? 500 : i % 40);
        for (int k = 0; k < reps; k++) {
            b.append("abcdefghij");
        }
        return b.toString();
    }

    static long number(long i) {
        return (i * 1_000_003L) % 997 - 498;
    }

    /** Writes the script and the expected digest for every i, then starts {@code sqlite3 DB < script}. */
    public SqliteCliWriter start() {
        TreeMap<Long, Row> items = new TreeMap<>();
        StringBuilder sql = new StringBuilder();
        StringBuilder digests = new StringBuilder();
        sql.append(".bail on\n.timeout 60000\n");
        sql.append("PRAGMA journal_mode=WAL;\n");
        sql.append("BEGIN IMMEDIATE;\n");
        sql.append("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL);\n");
        sql.append("CREATE TABLE IF NOT EXISTS blobs(id INTEGER PRIMARY KEY, b BLOB NOT NULL);\n");
        sql.append("CREATE TABLE IF NOT EXISTS progress(k INTEGER PRIMARY KEY CHECK (k=0), tx INTEGER NOT NULL);\n");
        sql.append("INSERT OR IGNORE INTO progress(k, tx) VALUES (0, 0);\n");
        sql.append("COMMIT;\n");
        digests.append("0 ").append(digest(items)).append('\n');
        for (long i = 1; i <= txs; i++) {
            sql.append("BEGIN IMMEDIATE;\n");
            sql.append("INSERT INTO items(id, v, n) VALUES (").append(i).append(", '").append(value(i)).append("', ")
                    .append(number(i)).append(");\n");
            items.put(i, new Row(value(i), number(i)));
            if (i % 3 == 0 && i > 5) {
                sql.append("DELETE FROM items WHERE id = ").append(i - 5).append(";\n");
                items.remove(i - 5);
            }
            if (i % 4 == 0) {
                sql.append("UPDATE items SET n = n + ").append(i).append(" WHERE id = ").append(i - 2).append(";\n");
                Row r = items.get(i - 2);
                if (r != null) {
                    items.put(i - 2, new Row(r.v, r.n + i));
                }
            }
            if (i % 10 == 0) {
                sql.append("UPDATE items SET v = v || 'u' WHERE id % 10 = 1;\n");
                for (Map.Entry<Long, Row> e : items.entrySet()) {
                    if (e.getKey() % 10 == 1) {
                        e.setValue(new Row(e.getValue().v + "u", e.getValue().n));
                    }
                }
            }
            if (i % 50 == 0) {
                sql.append("DELETE FROM items WHERE id < ").append(i - 100).append(" AND id % 2 = 0;\n");
                long bound = i - 100;
                items.keySet().removeIf(id -> id < bound && id % 2 == 0);
            }
            sql.append("UPDATE progress SET tx = ").append(i).append(" WHERE k = 0;\n");
            sql.append("COMMIT;\n");
            digests.append(i).append(' ').append(digest(items)).append('\n');
            if (i == txs / 2) {
                sql.append("PRAGMA wal_checkpoint(PASSIVE);\n");
            }
            if (i % 5 == 0) {
                sql.append(".shell sleep 0.02\n");
            }
        }
        sql.append("PRAGMA integrity_check;\n");
        try {
            Files.writeString(scriptFile(), sql.toString(), StandardCharsets.UTF_8);
            Files.writeString(digestFile(), digests.toString(), StandardCharsets.UTF_8);
            process = new ProcessBuilder("sqlite3", db.toString())
                    .redirectInput(scriptFile().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run sqlite3", e);
        }
        return this;
    }

    public void awaitSuccess(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("sqlite3 did not finish within " + timeout + "\n" + Logs.tail(log(), 30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        List<String> out = Logs.lines(log());
        if (process.exitValue() != 0 || out.isEmpty() || !out.get(out.size() - 1).equals("ok")) {
            throw new AssertionError("sqlite3 exited with " + process.exitValue() + " (last line should be integrity_check's ok)\n"
                    + Logs.tail(log(), 30));
        }
    }

    static String digest(TreeMap<Long, Row> items) {
        MessageDigest md = Digest.sha256();
        for (Map.Entry<Long, Row> e : items.entrySet()) {
            md.update(Digest.itemLine(e.getKey(), e.getValue().v, e.getValue().n).getBytes(StandardCharsets.UTF_8));
        }
        return Digest.hex(md.digest());
    }
}
