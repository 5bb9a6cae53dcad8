package io.walship.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one replica of the configuration file: an item of {@code replicas:} or the {@code replica:} mapping. It owns
 * Litestream's rules for replicas: the type comes from the URL's scheme or {@code type}, and is {@code file} when
 * neither is given; a URL and a {@code bucket} or {@code path} are not given together; separate keys such as
 * {@code endpoint} and {@code region} override what the URL implies; top-level credentials apply when the replica sets
 * none. The location itself is read by {@link ReplicaLocation}'s grammar ({@link S3Location#parseUrl},
 * {@link FolderLocation#parseFileUrl}), the same one the command line uses.
 */
final class ReplicaReader {
    static final Set<String> KEYS = Set.of("name", "type", "url", "path", "bucket", "endpoint", "region",
            "access-key-id", "secret-access-key", "force-path-style", "skip-verify", "sync-interval", "snapshot-interval",
            "retention", "retention-check-interval", "validation-interval", "part-size", "concurrency", "storage-class",
            "checksum");

    /** Keys that only mean something for an S3 replica. */
    static final List<String> S3_ONLY = List.of("bucket", "endpoint", "region", "access-key-id", "secret-access-key",
            "force-path-style", "skip-verify", "storage-class", "part-size", "concurrency", "checksum");

    static final String ITEM_HINT = "write each replica as a mapping, e.g. '- url: s3://BUCKET/PATH' or '- path: /backup'";

    /**
     * What the top of the file sets for every replica that does not set it itself: the credentials (for S3 replicas,
     * field by field as in Litestream), and Litestream 0.5's {@code snapshot: {interval, retention}} and validation
     * interval. Prints no secret (they are {@link Secret}s).
     */
    record Defaults(Secret accessKeyId, Secret secretAccessKey, Duration snapshotInterval, Duration retention,
                    Duration validationInterval) {
        static Defaults none() {
            return new Defaults(null, null, ReplicaConfig.DEFAULT_SNAPSHOT_INTERVAL, ReplicaConfig.DEFAULT_RETENTION,
                    Duration.ZERO);
        }
    }

    /**
     * A replica as read, before its name is settled (default names depend on the other replicas of the database).
     *
     * @param where the mapping it was read from, for later errors
     */
    record Draft(YamlMapping where, String name, ReplicaLocation location, Duration syncInterval,
                 Duration snapshotInterval, Duration retention, Duration retentionCheckInterval,
                 Duration validationInterval) {
        ReplicaConfig named(String finalName) {
            return new ReplicaConfig(finalName, location, syncInterval, snapshotInterval, retention,
                    retentionCheckInterval, validationInterval);
        }
    }

    private ReplicaReader() {
    }

    static Draft read(YamlMapping r, Map<String, String> env, Defaults defaults) throws ConfigException {
        r.checkKeys(KEYS, UnsupportedKeys::replica);

        String name = r.string("name");
        if (name != null && !ReplicaConfig.NAME.matcher(name).matches()) {
            throw r.error("name", "'" + name + "' is not a valid replica name; use letters, digits, '.', '_' and '-'");
        }

        String type = r.string("type");
        if (type != null) {
            type = type.strip().toLowerCase(Locale.ROOT);
            if (UnsupportedKeys.REPLICA_TYPES.contains(type)) {
                throw r.error("type", "replica type '" + type + "' is not supported by walship; use s3 (any "
                        + "S3-compatible storage) or file");
            }
            if (!type.equals("s3") && !type.equals("file")) {
                throw r.error("type", "unknown replica type '" + type + "'; write s3 or file");
            }
        }

        String url = r.string("url");
        String urlType = url == null ? null : typeOfUrl(r, url);
        if (type != null && urlType != null && !type.equals(urlType)) {
            throw r.error("type", "type is '" + type + "' but url is a " + urlType + " URL; remove type (it is taken "
                    + "from the URL) or fix the URL");
        }
        String effective = urlType != null ? urlType : type;
        if (effective == null) {
            for (String key : r.keys()) {
                if (S3_ONLY.contains(key) && r.has(key)) {
                    throw r.errorAtKey(key, "is an s3 setting, but this replica has no type or url, so it is a file "
                            + "replica; add type: s3 (or url: s3://BUCKET/PATH)");
                }
            }
            effective = "file";
        } else if (effective.equals("file")) {
            for (String key : r.keys()) {
                if (S3_ONLY.contains(key) && r.has(key)) {
                    throw r.errorAtKey(key, "is an s3 setting, but this is a file replica (" + (urlType != null
                            ? "its url is a file URL" : "type: file") + "); remove it, or use type: s3 with a bucket");
                }
            }
        }

        ReplicaLocation location = effective.equals("s3") ? s3(r, url, defaults) : folder(r, url, type != null, env);

        Duration sync = orDefault(r.duration("sync-interval", true), ReplicaConfig.DEFAULT_SYNC_INTERVAL);
        Duration snapshot = orDefault(r.duration("snapshot-interval", true), defaults.snapshotInterval());
        Duration retention = orDefault(r.duration("retention", true), defaults.retention());
        Duration check = orDefault(r.duration("retention-check-interval", false),
                ReplicaConfig.DEFAULT_RETENTION_CHECK_INTERVAL);
        Duration validation = orDefault(r.duration("validation-interval", true), defaults.validationInterval());
        return new Draft(r, name, location, sync, snapshot, retention, check, validation);
    }

    /**
     * The replica type a URL names. Litestream requires a scheme under {@code url:}, and so does walship (a folder is
     * written under {@code path:}); schemes of other Litestream replica types are refused by name.
     */
    static String typeOfUrl(YamlMapping r, String url) throws ConfigException {
        String scheme = LocationGrammar.scheme(url);
        if ("s3".equals(scheme) || "file".equals(scheme)) {
            return scheme;
        }
        if (LocationGrammar.isUrl(url)) {
            String problem = UnsupportedKeys.REPLICA_TYPES.contains(scheme)
                    ? "replica type '" + scheme + "' is not supported by walship; use s3:// (any S3-compatible storage) or "
                    + "file:// URLs"
                    : "unknown URL scheme '" + scheme + "'; use s3://BUCKET/PATH or file:///PATH";
            throw r.error("url", "'" + ReplicaLocation.redact(url) + "': " + problem);
        }
        throw r.error("url", "'" + ReplicaLocation.redact(url) + "' has no scheme; write file:///PATH or s3://BUCKET/PATH, "
                + "or give a folder with path:");
    }

    private static S3Location s3(YamlMapping r, String url, Defaults defaults) throws ConfigException {
        S3Location.Builder loc;
        if (url != null) {
            for (String key : List.of("bucket", "path")) {
                if (r.has(key)) {
                    throw r.errorAtKey(key, "give the " + key + " either in url or as " + key + ", not both (Litestream "
                            + "refuses both too)");
                }
            }
            try {
                loc = s3Url(url.strip());
            } catch (IllegalArgumentException e) {
                throw r.error("url", "'" + ReplicaLocation.redact(url) + "': " + problemOf(e));
            }
        } else {
            loc = new S3Location.Builder();
            String bucket = r.string("bucket");
            if (bucket == null) {
                throw r.missing("bucket", "an s3 replica needs a bucket; add bucket: NAME (or url: s3://BUCKET/PATH)");
            }
            try {
                loc.bucket(bucket.strip());
            } catch (IllegalArgumentException e) {
                throw r.error("bucket", e.getMessage());
            }
            String path = r.string("path");
            if (path != null) {
                if (LocationGrammar.isUrl(path)) {
                    throw r.error("path", "'" + ReplicaLocation.redact(path) + "' is a URL; write it under url: instead");
                }
                try {
                    loc.path(path);
                } catch (IllegalArgumentException e) {
                    throw r.error("path", e.getMessage());
                }
            }
        }
        for (String option : S3Location.OPTIONS) {
            if (!r.has(option)) {
                continue;
            }
            try {
                switch (option) {
                    case "force-path-style", "skip-verify" -> loc.set(option, r.bool(option).toString());
                    case "access-key-id", "secret-access-key" -> loc.credential(option, r.secret(option));
                    default -> loc.set(option, r.string(option));
                }
            } catch (IllegalArgumentException e) {
                throw r.error(option, e.getMessage());
            }
        }
        loc.defaultCredentials(defaults.accessKeyId(), defaults.secretAccessKey());
        if (loc.has("access-key-id") != loc.has("secret-access-key")) {
            String set = loc.has("access-key-id") ? "access-key-id" : "secret-access-key";
            String unset = loc.has("access-key-id") ? "secret-access-key" : "access-key-id";
            throw r.missing(unset, set + " is set but " + unset + " is missing or empty (is its environment variable "
                    + "set?); give both, here or at the top of the file, or neither to use the environment's credentials");
        }
        return loc.build();
    }

    /** An {@code s3:} URL through the one grammar, refusing {@code s3:/x} as {@link ReplicaLocation#parse} does. */
    private static S3Location.Builder s3Url(String url) {
        if (!url.regionMatches(true, 0, "s3://", 0, 5)) {
            throw new IllegalArgumentException("an s3 URL starts with s3:// (two slashes); write s3://BUCKET/PATH");
        }
        return S3Location.parseUrl(url);
    }

    private static String problemOf(IllegalArgumentException e) {
        return e instanceof InvalidReplicaLocationException i ? i.problem() : e.getMessage();
    }

    private static FolderLocation folder(YamlMapping r, String url, boolean typed, Map<String, String> env)
            throws ConfigException {
        String path = r.string("path");
        if (url != null && path != null) {
            throw r.errorAtKey("path", "give the folder either as url or as path, not both (Litestream refuses both too)");
        }
        if (url == null && path == null) {
            throw r.missing(typed ? "path" : "url", typed ? "a file replica needs a folder; add path: /backup/app"
                    : "a replica needs a location; add url: s3://BUCKET/PATH, url: file:///PATH or path: /backup/app");
        }
        if (path != null) {
            if (LocationGrammar.isUrl(path)) {
                throw r.error("path", "'" + ReplicaLocation.redact(path) + "' is a URL; write it under url: instead");
            }
            try {
                return FolderLocation.of(LocalPaths.resolve(path.strip(), env));
            } catch (IllegalArgumentException e) {
                throw r.error("path", e.getMessage());
            }
        }
        try {
            return FolderLocation.parseFileUrl(url.strip());
        } catch (IllegalArgumentException e) {
            throw r.error("url", "'" + ReplicaLocation.redact(url) + "' " + e.getMessage());
        }
    }

    private static Duration orDefault(Duration d, Duration fallback) {
        return d == null ? fallback : d;
    }
}
