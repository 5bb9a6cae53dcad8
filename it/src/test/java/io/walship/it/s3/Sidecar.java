package io.walship.it.s3;

import java.nio.file.Path;

/**
 * The files of the sidecar scenarios, where walship runs the app ({@code -exec}): a walship.yml with one database and
 * one S3 replica, and a small Python app writing that database.
 */
final class Sidecar {
    private Sidecar() {
    }

    /**
     * One database with one S3 replica named {@code s3}, synced every 100 ms, logs on stderr, and a 10 s final sync so
     * that a stopped sidecar ships everything. {@code logging} and {@code database} are more lines (indented, each
     * ending with a newline) for the logging section and the database's entry; empty for none.
     */
    static String config(Path db, String url, String logging, String database) {
        return "logging:\n" + logging + """
                  stderr: true
                final-sync-timeout: 10s
                dbs:
                  - path: %s
                """.formatted(db) + database + """
                    replicas:
                      - name: s3
                        url: %s
                        sync-interval: 100ms
                """.formatted(url);
    }

    /**
     * A Python app that puts its database (its first argument) in WAL mode and inserts {@code rows} rows into table
     * {@code t}, one transaction each, {@code pause} seconds apart.
     */
    static String app(int rows, double pause) {
        return """
                import sqlite3, sys, time
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                c.execute("PRAGMA journal_mode=WAL")
                c.execute("CREATE TABLE IF NOT EXISTS t(n INTEGER)")
                for i in range(%d):
                    c.execute("INSERT INTO t(n) VALUES (?)", (i,))
                    time.sleep(%s)
                """.formatted(rows, pause);
    }
}
