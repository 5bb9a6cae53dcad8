package io.walship.replicator;

import java.nio.file.Path;
import org.slf4j.MDC;

/**
 * The structured fields of a thread's log lines: every line a database's capture thread logs carries {@code db}, and
 * every line a replica's shipping thread logs carries {@code db} and {@code replica} (in the JSON log format; see
 * docs/OPERATIONS.md, "Logs"). Set once when the thread starts, through the logging API's MDC.
 */
public final class LogContext {
    /** The field that names the database, by its absolute path. */
    public static final String DB = "db";
    /** The field that names the replica, by its name in the configuration. */
    public static final String REPLICA = "replica";

    private LogContext() {
    }

    /** {@code body}, with every line it logs tagged with the database (and the replica, when not null). */
    public static Runnable tagged(Path db, String replica, Runnable body) {
        return () -> {
            MDC.put(DB, db.toString());
            if (replica != null) {
                MDC.put(REPLICA, replica);
            }
            try {
                body.run();
            } finally {
                MDC.clear();
            }
        };
    }
}
