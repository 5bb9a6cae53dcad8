package io.walship.cli;

import io.walship.restore.RestoreException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of every walship command. Scripts and other tools rely on them, so they never change meaning:
 * <ul>
 *   <li>{@value #OK}: success, including a restore skipped on purpose by {@code --if-db-not-exists} or
 *       {@code --if-replica-exists};</li>
 *   <li>{@value #INTERNAL_ERROR}: an unexpected internal error (a bug; rerun with {@code WALSHIP_LOG_LEVEL=DEBUG} for
 *       the stack trace);</li>
 *   <li>{@value #USAGE}: a usage error, such as an unknown or missing option, a bad value or an unusable replica
 *       URL;</li>
 *   <li>{@value #NOT_RESTORABLE}: the target cannot be restored from the replica: a gap in the txids, a txid beyond the
 *       replica, a time before its first snapshot, or no snapshot at all;</li>
 *   <li>{@value #CORRUPT_OBJECT}: a replica object is corrupt, or was listed but is missing, or the replica holds
 *       objects no restore may combine: several lineages (unless {@code --lineage} chooses one), overlapping segments
 *       of one level, or two snapshots at one txid; or {@code verify --restore -config} found that the replica diverged
 *       from the live database;</li>
 *   <li>{@value #OUTPUT_EXISTS}: the output database (or a {@code -wal}, {@code -shm} or {@code -journal} file beside
 *       it) exists and {@code --force} was not given;</li>
 *   <li>{@value #INTEGRITY_FAILED}: the restored database failed {@code PRAGMA integrity_check};</li>
 *   <li>{@value #IO_ERROR}: an I/O error on local files, or reading the replica's storage;</li>
 *   <li>{@value #REPLICATION_FAILED}: {@code replicate} stopped for good: its spool is damaged, or another writer owns the
 *       replica path;</li>
 *   <li>{@value #BUCKET_NOT_FOUND}, {@value #ACCESS_DENIED}, {@value #UNREACHABLE}: the replica's bucket (for
 *       {@code ls}, also its folder) does not exist, the replica refused the credentials or none were found, or it
 *       cannot be reached;</li>
 *   <li>{@value #DAEMON_UNREACHABLE}: {@code walship status}, or {@code verify --restore -config}, found no walship
 *       daemon answering at the address;</li>
 *   <li>{@value #SPOOL_LOCKED}: {@code replicate}: another walship holds the database's spool;</li>
 *   <li>{@value #LINEAGE_CONFLICT}: {@code replicate}: the replica path holds another lineage (another database's
 *       history);</li>
 *   <li>{@value #FINAL_SYNC_INCOMPLETE}: {@code replicate}: the final sync could not ship everything; the spool keeps
 *       the rest for the next start.</li>
 * </ul>
 * Each command's {@code --help} lists the codes it can return ({@link #helpList}).
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int USAGE = 2;
    public static final int NOT_RESTORABLE = 3;
    public static final int CORRUPT_OBJECT = 4;
    public static final int OUTPUT_EXISTS = 5;
    public static final int INTEGRITY_FAILED = 6;
    public static final int IO_ERROR = 7;
    public static final int REPLICATION_FAILED = 8;
    public static final int BUCKET_NOT_FOUND = 10;
    public static final int ACCESS_DENIED = 11;
    public static final int UNREACHABLE = 12;
    public static final int DAEMON_UNREACHABLE = 13;
    public static final int SPOOL_LOCKED = 14;
    public static final int LINEAGE_CONFLICT = 15;
    public static final int FINAL_SYNC_INCOMPLETE = 16;

    /** What {@code walship replicate} can return (besides, with {@code -exec}, the app's own exit code). */
    static final int[] REPLICATE = {OK, INTERNAL_ERROR, USAGE, NOT_RESTORABLE, CORRUPT_OBJECT, INTEGRITY_FAILED, IO_ERROR,
        REPLICATION_FAILED, BUCKET_NOT_FOUND, ACCESS_DENIED, UNREACHABLE, SPOOL_LOCKED, LINEAGE_CONFLICT,
        FINAL_SYNC_INCOMPLETE};
    /** What {@code walship restore} can return. */
    static final int[] RESTORE = {OK, INTERNAL_ERROR, USAGE, NOT_RESTORABLE, CORRUPT_OBJECT, OUTPUT_EXISTS,
        INTEGRITY_FAILED, IO_ERROR, BUCKET_NOT_FOUND, ACCESS_DENIED, UNREACHABLE};
    /** What {@code walship ls} can return. */
    static final int[] LS = {OK, INTERNAL_ERROR, USAGE, CORRUPT_OBJECT, IO_ERROR, BUCKET_NOT_FOUND, ACCESS_DENIED,
        UNREACHABLE};
    /** What {@code walship verify} can return. */
    static final int[] VERIFY = {OK, INTERNAL_ERROR, USAGE, NOT_RESTORABLE, CORRUPT_OBJECT, INTEGRITY_FAILED, IO_ERROR,
        BUCKET_NOT_FOUND, ACCESS_DENIED, UNREACHABLE, DAEMON_UNREACHABLE};
    /** Every code, for {@code walship --help}. */
    static final int[] ALL = {OK, INTERNAL_ERROR, USAGE, NOT_RESTORABLE, CORRUPT_OBJECT, OUTPUT_EXISTS, INTEGRITY_FAILED,
        IO_ERROR, REPLICATION_FAILED, BUCKET_NOT_FOUND, ACCESS_DENIED, UNREACHABLE, DAEMON_UNREACHABLE, SPOOL_LOCKED,
        LINEAGE_CONFLICT, FINAL_SYNC_INCOMPLETE};

    private static final Map<Integer, String> DESCRIPTIONS = new LinkedHashMap<>();

    static {
        DESCRIPTIONS.put(OK, "success (also a restore skipped by --if-db-not-exists or --if-replica-exists)");
        DESCRIPTIONS.put(INTERNAL_ERROR, "unexpected internal error");
        DESCRIPTIONS.put(USAGE, "usage error: bad option, value, replica URL or config file");
        DESCRIPTIONS.put(NOT_RESTORABLE, "target not restorable: gap in txids, txid beyond the replica, time before"
                + " its first snapshot, or empty replica");
        DESCRIPTIONS.put(CORRUPT_OBJECT, "a replica object is corrupt or missing, or objects conflict (several"
                + " lineages without --lineage, overlapping segments), or verify found the replica diverged from the live"
                + " database");
        DESCRIPTIONS.put(OUTPUT_EXISTS, "the output database exists and --force was not given");
        DESCRIPTIONS.put(INTEGRITY_FAILED, "the restored database failed PRAGMA integrity_check");
        DESCRIPTIONS.put(IO_ERROR, "I/O error on local files or reading the replica");
        DESCRIPTIONS.put(BUCKET_NOT_FOUND, "the replica's bucket (ls: or folder) does not exist");
        DESCRIPTIONS.put(ACCESS_DENIED, "the replica refused the credentials, or none were found");
        DESCRIPTIONS.put(UNREACHABLE, "the replica's endpoint cannot be reached, or answers only server errors (HTTP 5xx, 429)");
        DESCRIPTIONS.put(DAEMON_UNREACHABLE, "no walship daemon answers at the address (status, verify --restore -config)");
        DESCRIPTIONS.put(REPLICATION_FAILED, "replication stopped for good: damaged spool, or another writer owns the replica path");
        DESCRIPTIONS.put(SPOOL_LOCKED, "replicate: another walship holds the database's spool");
        DESCRIPTIONS.put(LINEAGE_CONFLICT, "replicate: the replica path holds another lineage (another database's history)");
        DESCRIPTIONS.put(FINAL_SYNC_INCOMPLETE, "replicate: the final sync could not ship everything; the spool keeps the rest");
    }

    private ExitCodes() {
    }

    /** The exit code for a restore failure; exhaustive, so a new reason cannot compile without a code. */
    public static int of(RestoreException.Reason reason) {
        return switch (reason) {
            case NOT_RESTORABLE -> NOT_RESTORABLE;
            case CORRUPT_OBJECT, MISSING_OBJECT, CONFLICTING_OBJECTS -> CORRUPT_OBJECT;
            case OUTPUT_EXISTS -> OUTPUT_EXISTS;
            case INTEGRITY_FAILED -> INTEGRITY_FAILED;
            case LOCAL_IO, REPLICA_IO -> IO_ERROR;
        };
    }

    /** The exit code for a replica storage failure. */
    public static int of(io.walship.replica.StorageException.Problem problem) {
        return switch (problem) {
            case BUCKET_NOT_FOUND -> BUCKET_NOT_FOUND;
            case ACCESS_DENIED -> ACCESS_DENIED;
            case UNREACHABLE -> UNREACHABLE;
            case OTHER -> IO_ERROR;
        };
    }

    /**
     * The {@code --help} lines for the given codes, as picocli's exit code list wants them: code to description. Codes
     * are right-aligned to two digits, so the descriptions line up.
     */
    static Map<String, String> helpList(int... codes) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int code : codes) {
            out.put(String.format("%2d", code), DESCRIPTIONS.get(code));
        }
        return out;
    }
}
