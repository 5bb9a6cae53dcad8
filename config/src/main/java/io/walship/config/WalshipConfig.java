package io.walship.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@code walship replicate} needs to run, read either from a YAML file ({@code -config FILE}) or from the
 * command line ({@code replicate DB REPLICA...}). The file format is Litestream 0.3.13's {@code litestream.yml}, so an
 * existing Litestream deployment can switch without rewriting its configuration; where walship cannot honour a
 * Litestream setting, loading fails and says so instead of ignoring it.
 *
 * <p>The model is immutable and holds no I/O handles: reading the file is the only I/O, and opening replicas is the
 * storage layer's job. Secrets live only inside replica URLs, which every {@code toString()} masks.
 *
 * @param source the file this was read from, or null for the command-line form
 * @param addr where to serve metrics ({@code :9090}, {@code 127.0.0.1:9090}), or null to serve none
 * @param exec a command to run as a child; replication stops when it exits. Null for none
 * @param logging how to log
 * @param finalSyncTimeout how long shutdown may spend shipping what is captured (walship's {@code final-sync-timeout})
 * @param dbs the databases to replicate, at least one, paths unique
 */
public record WalshipConfig(Path source, String addr, String exec, LoggingConfig logging, Duration finalSyncTimeout,
                            List<DatabaseConfig> dbs) {
    /** The command line's default for {@code --final-sync-timeout}. */
    public static final Duration DEFAULT_FINAL_SYNC_TIMEOUT = Duration.ofSeconds(30);

    public WalshipConfig {
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(finalSyncTimeout, "finalSyncTimeout");
        dbs = List.copyOf(dbs);
        if (finalSyncTimeout.isNegative()) {
            throw new IllegalArgumentException("final sync timeout must not be negative");
        }
        if (dbs.isEmpty()) {
            throw new IllegalArgumentException("at least one database is needed");
        }
        Set<Path> paths = new HashSet<>();
        for (DatabaseConfig db : dbs) {
            if (!paths.add(db.path())) {
                throw new IllegalArgumentException("database " + db.path() + " is listed twice");
            }
        }
    }

    /**
     * Reads a configuration file.
     *
     * @param file the YAML file; errors name it as given here
     * @param env the environment: {@code ${VAR}} and {@code $VAR} in the file are expanded from it (an unset variable
     *            expands to nothing, as in Litestream), and {@code HOME} expands a leading {@code ~} in paths
     * @param expandEnv false to take the file literally, for {@code -no-expand-env}
     * @throws ConfigException naming the file, the line and the key of the first problem found
     */
    public static WalshipConfig load(Path file, Map<String, String> env, boolean expandEnv) throws ConfigException {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, 0, null, "config file not found; check the path given to -config");
        } catch (CharacterCodingException e) {
            throw new ConfigException(source, 0, null, "not UTF-8 text; save the file as UTF-8");
        } catch (IOException e) {
            throw new ConfigException(source, 0, null, "cannot read the config file: " + e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (expandEnv) {
            text = EnvExpansion.expand(text, env);
        }
        return ConfigFileReader.read(file, text, env);
    }

    /**
     * The command-line form {@code walship replicate DB REPLICA...}: one database, its replicas given as URLs, all
     * shipping at {@code settings.syncInterval()} with the default snapshot interval and retention. S3 URLs are checked
     * and normalised as in the file (provider host names such as {@code BUCKET.nyc3.digitaloceanspaces.com} are
     * understood); folder paths and {@code file:} URLs are kept as given.
     *
     * @throws ConfigException starting with {@code command line:} when a URL cannot be a replica
     */
    public static WalshipConfig fromCommandLine(Path db, List<String> replicaUrls, ReplicationSettings settings)
            throws ConfigException {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(settings, "settings");
        String source = "command line";
        if (replicaUrls.isEmpty()) {
            throw new ConfigException(source, 0, null, "give at least one REPLICA: a folder path, file:///PATH or "
                    + "s3://BUCKET/PATH");
        }
        List<String> urls = new ArrayList<>();
        List<String> types = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String url : replicaUrls) {
            String u = url == null ? "" : url.strip();
            String lower = u.toLowerCase(java.util.Locale.ROOT);
            if (u.isEmpty()) {
                throw new ConfigException(source, 0, null, "a REPLICA is empty; give a folder path, file:///PATH or "
                        + "s3://BUCKET/PATH");
            }
            if (lower.startsWith("s3://")) {
                try {
                    u = S3Location.parse(u).toUrl();
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(source, 0, null, "replica URL '" + S3Location.redact(url) + "': "
                            + e.getMessage());
                }
                types.add("s3");
            } else {
                int scheme = lower.indexOf("://");
                if (scheme > 0 && !lower.startsWith("file:") && lower.substring(0, scheme).matches("[a-z][a-z0-9+.\\-]*")) {
                    throw new ConfigException(source, 0, null, "replica URL '" + S3Location.redact(url) + "': scheme '"
                            + lower.substring(0, scheme) + "' is not supported; use a folder path, file:///PATH or "
                            + "s3://BUCKET/PATH");
                }
                types.add("file");
            }
            if (!seen.add(u)) {
                throw new ConfigException(source, 0, null, "replica '" + S3Location.redact(url) + "' is given twice");
            }
            urls.add(u);
        }
        List<String> given = new ArrayList<>();
        urls.forEach(u -> given.add(null));
        List<String> names = ReplicaNames.assign(given, types);
        List<ReplicaConfig> replicas = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            replicas.add(ReplicaConfig.of(names.get(i), urls.get(i), settings.syncInterval()));
        }
        DatabaseConfig database = new DatabaseConfig(db.toAbsolutePath().normalize(), settings,
                DatabaseConfig.DEFAULT_CHECKPOINT_INTERVAL, replicas);
        return new WalshipConfig(null, null, null, LoggingConfig.defaults(), DEFAULT_FINAL_SYNC_TIMEOUT,
                List.of(database));
    }
}
