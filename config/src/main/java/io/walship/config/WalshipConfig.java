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
import java.util.Optional;
import java.util.Set;

/**
 * Everything {@code walship replicate} needs to run, read either from a YAML file ({@code -config FILE}) or from the
 * command line ({@code replicate DB REPLICA...}). The file format is Litestream 0.3.13's {@code litestream.yml}, so an
 * existing Litestream deployment can switch without rewriting its configuration; where walship cannot honour a
 * Litestream setting, loading fails and says so instead of ignoring it.
 *
 * <p>The model is immutable and holds no I/O handles: reading the file is the only I/O, and opening replicas is the
 * storage layer's job. Credentials are {@link Secret}s inside the replicas' {@link ReplicaLocation}s, so no
 * {@code toString()} shows them.
 *
 * @param source the file this was read from, or null for the command-line form
 * @param addr where to serve metrics ({@code :9090}, {@code 127.0.0.1:9090}), or null to serve none
 * @param exec a command to run as a child; replication stops when it exits. Null for none
 * @param logging how to log
 * @param finalSyncTimeout how long shutdown may spend shipping what is captured (walship's {@code final-sync-timeout})
 * @param dbs the databases to replicate, at least one, paths unique
 * @param warnings the keys of the file walship ignores (Litestream settings that change no data), for the caller to
 *                 log at WARN; empty for the command-line form
 * @param lagBudget how far behind capture a replica may be and walship still count as ready ({@code /readyz};
 *                  walship's {@code lag-budget}, default {@link #DEFAULT_LAG_BUDGET})
 * @param compaction how every replica's segments are merged into larger ones (Litestream 0.5's {@code levels} and
 *                   {@code l0-retention}); {@link CompactionSettings#defaults()} unless the file says otherwise
 */
public record WalshipConfig(Path source, String addr, String exec, LoggingConfig logging, Duration finalSyncTimeout,
                            List<DatabaseConfig> dbs, List<ConfigWarning> warnings, Duration lagBudget,
                            CompactionSettings compaction) {
    /** The command line's default for {@code --final-sync-timeout}. */
    public static final Duration DEFAULT_FINAL_SYNC_TIMEOUT = Duration.ofSeconds(30);
    /** The default for {@code lag-budget} and {@code --lag-budget}. */
    public static final Duration DEFAULT_LAG_BUDGET = Duration.ofSeconds(60);

    public WalshipConfig {
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(finalSyncTimeout, "finalSyncTimeout");
        Objects.requireNonNull(lagBudget, "lagBudget");
        Objects.requireNonNull(compaction, "compaction");
        if (lagBudget.isNegative() || lagBudget.isZero()) {
            throw new IllegalArgumentException("lag budget must be positive");
        }
        dbs = List.copyOf(dbs);
        warnings = List.copyOf(warnings);
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

    /** With the default lag budget and compaction. */
    public WalshipConfig(Path source, String addr, String exec, LoggingConfig logging, Duration finalSyncTimeout,
                         List<DatabaseConfig> dbs, List<ConfigWarning> warnings) {
        this(source, addr, exec, logging, finalSyncTimeout, dbs, warnings, DEFAULT_LAG_BUDGET);
    }

    /** With the default compaction. */
    public WalshipConfig(Path source, String addr, String exec, LoggingConfig logging, Duration finalSyncTimeout,
                         List<DatabaseConfig> dbs, List<ConfigWarning> warnings, Duration lagBudget) {
        this(source, addr, exec, logging, finalSyncTimeout, dbs, warnings, lagBudget, CompactionSettings.defaults());
    }

    /** This configuration with another lag budget (the command line's {@code --lag-budget}). */
    public WalshipConfig withLagBudget(Duration budget) {
        return new WalshipConfig(source, addr, exec, logging, finalSyncTimeout, dbs, warnings, budget, compaction);
    }

    /** The database listed with this path (made absolute and normal first), if any. */
    public Optional<DatabaseConfig> database(Path path) {
        Path wanted = path.toAbsolutePath().normalize();
        return dbs.stream().filter(d -> d.path().equals(wanted)).findFirst();
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
     * The command-line form {@code walship replicate DB REPLICA...}: one database, its replicas given as locations in
     * {@link ReplicaLocation#parse}'s grammar, all shipping at {@code settings.syncInterval()} with the default snapshot
     * interval and retention.
     *
     * @throws ConfigException starting with {@code command line:} when a location cannot be a replica
     */
    public static WalshipConfig fromCommandLine(Path db, List<String> replicas, ReplicationSettings settings)
            throws ConfigException {
        return fromCommandLine(db, replicas, settings, System.getenv());
    }

    /** As {@link #fromCommandLine(Path, List, ReplicationSettings)}; {@code env} supplies {@code HOME} for {@code ~}. */
    public static WalshipConfig fromCommandLine(Path db, List<String> replicas, ReplicationSettings settings,
                                                Map<String, String> env) throws ConfigException {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(settings, "settings");
        String source = "command line";
        if (replicas.isEmpty()) {
            throw new ConfigException(source, 0, null, "give at least one REPLICA: a folder path, file:///PATH or "
                    + "s3://BUCKET/PATH");
        }
        List<ReplicaLocation> locations = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String text : replicas) {
            ReplicaLocation location;
            try {
                location = ReplicaLocation.parse(text, env);
            } catch (InvalidReplicaLocationException e) {
                throw new ConfigException(source, 0, null, e.getMessage());
            }
            if (!seen.add(location.identity())) {
                throw new ConfigException(source, 0, null, "replica '" + ReplicaLocation.redact(text.strip())
                        + "' is given twice");
            }
            locations.add(location);
        }
        List<String> given = new ArrayList<>();
        locations.forEach(l -> given.add(null));
        List<String> names = ReplicaNames.assign(given, locations.stream().map(ReplicaLocation::type).toList());
        List<ReplicaConfig> configs = new ArrayList<>();
        for (int i = 0; i < locations.size(); i++) {
            configs.add(ReplicaConfig.of(names.get(i), locations.get(i), settings.syncInterval()));
        }
        DatabaseConfig database = new DatabaseConfig(db.toAbsolutePath().normalize(), settings,
                DatabaseConfig.DEFAULT_CHECKPOINT_INTERVAL, configs);
        return new WalshipConfig(null, null, null, LoggingConfig.defaults(), DEFAULT_FINAL_SYNC_TIMEOUT,
                List.of(database), List.of());
    }
}
