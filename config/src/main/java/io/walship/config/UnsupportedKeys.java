package io.walship.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Litestream configuration keys whose meaning walship does not support, with the reason and, where there is one,
 * what to write instead. Litestream 0.3.13 silently ignores keys it does not know; walship refuses them instead,
 * because a setting that quietly does nothing (an encryption key, a replica type) is worse than a clear error. The
 * table covers Litestream 0.3.13 and the keys Litestream 0.5 added, since walship also takes 0.5's {@code replica:}
 * and {@code busy-timeout}.
 */
final class UnsupportedKeys {
    private static final String ONLY_S3_AND_FILE = "walship replicates to s3 (any S3-compatible storage) and file only";

    private static final Map<String, String> GLOBAL = new HashMap<>();
    private static final Map<String, String> DATABASE = new HashMap<>();
    private static final Map<String, String> REPLICA = new HashMap<>();

    static {
        // Litestream 0.5 top-level keys.
        GLOBAL.put("shutdown-sync-timeout", "this is Litestream 0.5's name; walship's key is final-sync-timeout");
        GLOBAL.put("shutdown-sync-interval", "walship retries the final sync on its own schedule; remove it");
        put(GLOBAL, "Litestream 0.5's LTX compaction has no walship equivalent; remove it",
                "levels", "l0-retention", "l0-retention-check-interval", "verify-compaction");
        GLOBAL.put("snapshot", "set snapshot-interval and retention on each replica instead");
        GLOBAL.put("retention", "set retention on each replica instead");
        GLOBAL.put("validation", "walship does not validate replicas periodically; run walship restore to check one");
        put(GLOBAL, "walship has no control socket, MCP server or heartbeat; remove it",
                "socket", "mcp-addr", "heartbeat-url", "heartbeat-interval");
        // Litestream 0.5 also takes replica settings at the top level as defaults for every replica.
        put(GLOBAL, "walship takes this per replica only; set it on each replica", "sync-interval", "region", "bucket",
                "endpoint", "force-path-style", "skip-verify", "storage-class", "part-size", "concurrency", "checksum");

        DATABASE.put("meta-path", "walship keeps its spool beside the database (.NAME-walship/); remove it");
        DATABASE.put("meta-dir", "walship keeps its spool beside the database (.NAME-walship/); remove it");
        put(DATABASE, "walship does not scan directories; list each database under dbs with its own path",
                "dir", "pattern", "recursive", "watch");
        DATABASE.put("snapshot", "set snapshot-interval and retention on each replica instead");
        DATABASE.put("truncate-page-n", "use max-checkpoint-page-count or emergency-wal-size instead");
        DATABASE.put("max-sync-wal-bytes", "walship ships every committed transaction; remove it");
        DATABASE.put("restore-if-db-not-exists", "run walship restore before walship replicate instead");

        REPLICA.put("validation-interval",
                "walship does not validate replicas periodically; run walship restore to check one");
        REPLICA.put("age", "age encryption is not supported; remove it (use the bucket's server-side encryption)");
        put(REPLICA, "it is a setting of Litestream's abs (Azure Blob Storage) replicas; " + ONLY_S3_AND_FILE,
                "account-name", "account-key", "sas-token");
        put(REPLICA, "it is a setting of Litestream's sftp replicas; " + ONLY_S3_AND_FILE,
                "host", "user", "password", "key-path", "host-key", "concurrent-writes");
        put(REPLICA, "it is a setting of Litestream's webdav replicas; " + ONLY_S3_AND_FILE,
                "webdav-url", "webdav-username", "webdav-password");
        put(REPLICA, "it is a setting of Litestream's nats replicas; " + ONLY_S3_AND_FILE,
                "jwt", "seed", "creds", "nkey", "username", "token", "tls", "root-cas", "client-cert", "client-key",
                "max-reconnects", "reconnect-wait", "timeout");
        put(REPLICA, "S3 server-side encryption with customer or KMS keys is not supported; use the bucket's default "
                + "encryption", "sse-customer-algorithm", "sse-customer-key", "sse-customer-key-path", "sse-kms-key-id");
        put(REPLICA, "walship chooses request checksums with checksum: when-required or when-supported",
                "sign-payload", "require-content-md5");
        put(REPLICA, "Litestream 0.5's LTX sync has no walship equivalent; remove it", "max-sync-ltx-files", "auto-recover");
    }

    /** Replica types Litestream knows and walship does not. */
    static final List<String> REPLICA_TYPES = List.of("abs", "gcs", "gs", "sftp", "webdav", "webdavs", "nats", "oss");

    private UnsupportedKeys() {
    }

    static String global(String key) {
        return GLOBAL.get(key);
    }

    static String database(String key) {
        return DATABASE.get(key);
    }

    static String replica(String key) {
        return REPLICA.get(key);
    }

    private static void put(Map<String, String> table, String reason, String... keys) {
        for (String k : keys) {
            table.put(k, reason);
        }
    }
}
