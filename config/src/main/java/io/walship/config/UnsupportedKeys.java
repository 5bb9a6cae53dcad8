package io.walship.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Litestream configuration keys walship does not take as they are, each with what walship does about it. Litestream
 * 0.3.13 silently ignores keys it does not know; walship never does:
 * <ul>
 *   <li>a key walship cannot honour and whose loss would change what is replicated or how it is protected (an
 *       encryption key, a directory to scan, another replica type's settings) is {@link Verdict.Rejected}: loading
 *       fails, naming the file, line and key and what to write instead;</li>
 *   <li>a key that changes no data (request signing, compaction tuning, a control socket, a heartbeat) is
 *       {@link Verdict.Ignored}: loading goes on and the key is reported as a {@link ConfigWarning}.</li>
 * </ul>
 * The table covers Litestream 0.3.13 and the keys Litestream 0.5 added; docs/CONFIG.md lists it for operators.
 */
final class UnsupportedKeys {
    private static final String ONLY_S3_AND_FILE = "walship replicates to s3 (any S3-compatible storage) and file only";

    /** What walship does with a key it does not take as is. */
    sealed interface Verdict {
        String reason();

        /** Loading fails. */
        record Rejected(String reason) implements Verdict {
        }

        /** Loading goes on with a warning. */
        record Ignored(String reason) implements Verdict {
        }
    }

    private static final Map<String, Verdict> GLOBAL = new HashMap<>();
    private static final Map<String, Verdict> LOGGING = new HashMap<>();
    private static final Map<String, Verdict> DATABASE = new HashMap<>();
    private static final Map<String, Verdict> REPLICA = new HashMap<>();

    static {
        // Litestream 0.5 top-level keys.
        reject(GLOBAL, "this is Litestream 0.5's name; walship's key is final-sync-timeout", "shutdown-sync-timeout");
        ignore(GLOBAL, "walship retries the final sync on its own schedule within final-sync-timeout",
                "shutdown-sync-interval");
        ignore(GLOBAL, "walship deletes compacted segments when l0-retention has passed, without polling for them",
                "l0-retention-check-interval");
        ignore(GLOBAL, "walship verifies every segment it compacts, and the result, before uploading it",
                "verify-compaction");
        reject(GLOBAL, "set retention on each replica instead (0 keeps everything)", "retention");
        ignore(GLOBAL, "walship has no control socket or MCP server; use addr for /status and /metrics",
                "socket", "mcp-addr");
        ignore(GLOBAL, "walship sends no heartbeat; alert on /readyz or walship_replica_lag_seconds instead",
                "heartbeat-url", "heartbeat-interval");
        // Litestream 0.5 also takes replica settings at the top level as defaults for every replica.
        reject(GLOBAL, "walship takes this per replica only; set it on each replica", "sync-interval", "region",
                "bucket", "endpoint", "force-path-style", "skip-verify", "storage-class", "part-size", "concurrency",
                "checksum", "age", "sse-customer-algorithm", "sse-customer-key",
                "sse-customer-key-path", "sse-kms-key-id");
        ignore(GLOBAL, "walship chooses request checksums with each replica's checksum: when-required or "
                + "when-supported", "sign-payload", "require-content-md5");
        ignore(GLOBAL, "Litestream 0.5's LTX sync has no walship equivalent", "max-sync-ltx-files", "auto-recover");

        ignore(LOGGING, "walship does not log source locations", "source");

        reject(DATABASE, "it names Litestream's metadata folder for a directory of databases; walship does not scan "
                + "directories, give each database its own meta-path", "meta-dir");
        reject(DATABASE, "walship does not scan directories; list each database under dbs with its own path",
                "dir", "pattern", "recursive", "watch");
        reject(DATABASE, "set snapshot: at the top level, or snapshot-interval and retention on each replica",
                "snapshot");
        ignore(DATABASE, "walship's emergency-wal-size (default 500MiB) decides when it runs a TRUNCATE checkpoint",
                "truncate-page-n");
        ignore(DATABASE, "walship ships every committed transaction; there is no sync size limit",
                "max-sync-wal-bytes");

        reject(REPLICA, "age encryption is not supported; remove it (use the bucket's server-side encryption)", "age");
        reject(REPLICA, "it is a setting of Litestream's abs (Azure Blob Storage) replicas; " + ONLY_S3_AND_FILE,
                "account-name", "account-key", "sas-token");
        reject(REPLICA, "it is a setting of Litestream's sftp replicas; " + ONLY_S3_AND_FILE,
                "host", "user", "password", "key-path", "host-key", "concurrent-writes");
        reject(REPLICA, "it is a setting of Litestream's webdav replicas; " + ONLY_S3_AND_FILE,
                "webdav-url", "webdav-username", "webdav-password");
        reject(REPLICA, "it is a setting of Litestream's nats replicas; " + ONLY_S3_AND_FILE,
                "jwt", "seed", "creds", "nkey", "username", "token", "tls", "root-cas", "client-cert", "client-key",
                "max-reconnects", "reconnect-wait", "timeout");
        reject(REPLICA, "S3 server-side encryption with customer or KMS keys is not supported; use the bucket's "
                + "default encryption", "sse-customer-algorithm", "sse-customer-key", "sse-customer-key-path",
                "sse-kms-key-id");
        ignore(REPLICA, "walship chooses request checksums with checksum: when-required or when-supported; its own "
                + "CRC32C protects every object either way", "sign-payload", "require-content-md5");
        ignore(REPLICA, "Litestream 0.5's LTX sync has no walship equivalent", "max-sync-ltx-files", "auto-recover");
    }

    /** Replica types Litestream knows and walship does not. */
    static final List<String> REPLICA_TYPES = List.of("abs", "gcs", "gs", "sftp", "webdav", "webdavs", "nats", "oss");

    private UnsupportedKeys() {
    }

    static Verdict global(String key) {
        return GLOBAL.get(key);
    }

    static Verdict logging(String key) {
        return LOGGING.get(key);
    }

    static Verdict database(String key) {
        return DATABASE.get(key);
    }

    static Verdict replica(String key) {
        return REPLICA.get(key);
    }

    private static void reject(Map<String, Verdict> table, String reason, String... keys) {
        for (String k : keys) {
            table.put(k, new Verdict.Rejected(reason));
        }
    }

    private static void ignore(Map<String, Verdict> table, String reason, String... keys) {
        for (String k : keys) {
            table.put(k, new Verdict.Ignored(reason));
        }
    }
}
