package io.walship.cli;

import io.walship.config.ConfigException;
import io.walship.config.DatabaseConfig;
import io.walship.config.ReplicaConfig;
import io.walship.config.ReplicaLocation;
import io.walship.config.WalshipConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How a command that reads one replica ({@code restore}, {@code ls}, {@code verify}) learns which: either its argument
 * is the replica itself (a folder, {@code file://} or {@code s3://} URL, in {@link ReplicaLocation#parse}'s grammar),
 * or, with {@code -config FILE}, the argument is a database path listed in that file and the replica is the
 * database's first one or the one {@code --replica NAME} names, credentials included, as {@code litestream restore
 * -config FILE DB} does. Only an explicit {@code -config} switches to the second reading, so an argument never means
 * one thing on one machine and another where {@code $WALSHIP_CONFIG} is set.
 *
 * <p>A picocli mixin: {@code @Mixin ReplicaSelection selection;} adds the options, then {@link #select} resolves the
 * argument. Mistakes are usage errors (a {@link ParameterException} or {@link ConfigException}, exit code 2).
 */
public final class ReplicaSelection {
    @Option(names = {"-config", "--config"}, paramLabel = "FILE",
            description = "Take the replica from this configuration file: the argument is then a database path listed"
                    + " in it (the replica's credentials come from the file too).")
    Path configFile;

    @Option(names = {"-no-expand-env", "--no-expand-env"},
            description = "With -config: read the file literally, do not expand $VAR and $${VAR} from the environment.")
    boolean noExpandEnv;

    @Option(names = {"-replica", "--replica"}, paramLabel = "NAME",
            description = "With -config: the replica to use, by name (default: the database's first).")
    String replicaName;

    /**
     * What the argument named: a replica, and when it came from a configuration file the database it belongs to and
     * the file's {@code addr} (where the daemon serves its endpoints), if it has one.
     */
    public record Selected(ReplicaLocation location, Optional<DatabaseConfig> database, Optional<String> daemonAddress) {
    }

    /**
     * Resolves the command's argument.
     *
     * @param spec the command, for usage errors
     * @param argument a replica location, or with {@code -config} a database path
     * @param env the environment, for {@code ~} and the file's {@code $VAR}s
     */
    public Selected select(CommandSpec spec, String argument, Map<String, String> env) throws ConfigException {
        if (configFile == null) {
            if (replicaName != null) {
                throw new ParameterException(spec.commandLine(), "--replica needs -config FILE: it picks one of the"
                        + " replicas the file lists for the database");
            }
            return new Selected(ReplicaLocation.parse(argument, env), Optional.empty(), Optional.empty());
        }
        WalshipConfig config = WalshipConfig.load(configFile, env, !noExpandEnv);
        ConfigWarnings.log(config);
        Path dbPath = Path.of(argument);
        DatabaseConfig db = config.database(dbPath).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "database " + dbPath.toAbsolutePath().normalize() + " is not listed in " + configFile + "; it lists "
                        + config.dbs().stream().map(d -> d.path().toString()).collect(Collectors.joining(", "))));
        ReplicaConfig replica = replicaName == null ? db.replicas().get(0) : db.replicas().stream()
                .filter(r -> r.name().equals(replicaName)).findFirst()
                .orElseThrow(() -> new ParameterException(spec.commandLine(), configFile + " lists no replica named '"
                        + replicaName + "' for " + db.path() + "; its replicas are "
                        + db.replicas().stream().map(ReplicaConfig::name).collect(Collectors.joining(", "))));
        return new Selected(replica.location(), Optional.of(db), Optional.ofNullable(config.addr()));
    }

    /** True when the argument is a database path of a configuration file rather than a replica. */
    public boolean fromConfig() {
        return configFile != null;
    }
}
