package io.walship.cli;

import io.walship.config.ConfigException;
import io.walship.config.DatabaseConfig;
import io.walship.config.Durations;
import io.walship.config.ReplicaConfig;
import io.walship.config.WalshipConfig;
import io.walship.replica.JsonWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code walship databases}: what the configuration file says walship replicates, as Litestream's command of the same
 * name shows it. It reads the file only (no database, replica or network is touched), so it answers the same
 * whether or not a daemon runs, and is the quick check that a file is valid before a restart.
 */
@Command(name = "databases", sortOptions = false,
        description = {"List the databases of the configuration file and their replicas: name, type and URL (credentials"
                + " masked). Reads the file only; touches no database, replica or network.",
            "",
            "With --json, print one JSON object: {\"config\":..., \"addr\":..., \"databases\":[{\"path\", \"replicas\":"
                + "[{\"name\", \"type\", \"url\", \"syncInterval\", \"snapshotInterval\", \"retention\"}]}]}."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:unexpected internal error",
            "2:usage error: bad option, or the config file is missing or invalid"})
public final class DatabasesCommand implements Callable<Integer> {
    /** Where the configuration is read from when {@code -config} is not given and the environment names none. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/walship.yml");
    /** The environment variable that names the configuration file when {@code -config} is not given. */
    public static final String CONFIG_ENV = "WALSHIP_CONFIG";

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigFile config;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    /**
     * {@code -config FILE} and {@code -no-expand-env}, spelled as Litestream spells them (one dash; two work too), for
     * every command that reads the configuration file.
     */
    public static final class ConfigFile {
        @Option(names = {"-config", "--config"}, paramLabel = "FILE",
                description = "The configuration file (default: $" + CONFIG_ENV + ", else /etc/walship.yml).")
        Path file;

        @Option(names = {"-no-expand-env", "--no-expand-env"},
                description = "Read the file literally: do not expand $VAR and $${VAR} from the environment.")
        boolean noExpandEnv;

        /** The file to read: {@code -config}, else {@code $WALSHIP_CONFIG} when set and not blank, else the default. */
        static Path resolve(Path given, Map<String, String> env) {
            if (given != null) {
                return given;
            }
            String fromEnv = env.get(CONFIG_ENV);
            return fromEnv == null || fromEnv.isBlank() ? DEFAULT_CONFIG : Path.of(fromEnv.strip());
        }

        Path path() {
            return resolve(file, System.getenv());
        }

        /** Loads the file and logs a WARN line for each key it ignores. */
        WalshipConfig load() throws ConfigException {
            WalshipConfig config = WalshipConfig.load(path(), System.getenv(), !noExpandEnv);
            ConfigWarnings.log(config);
            return config;
        }

        /** Reports a configuration the command cannot use as one line and the usage exit code. */
        static int fail(CommandSpec spec, ConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("walship: " + Walship.oneLine(e.getMessage()));
            err.flush();
            return ExitCodes.USAGE;
        }
    }

    @Override
    public Integer call() {
        WalshipConfig c;
        try {
            c = config.load();
        } catch (ConfigException e) {
            return ConfigFile.fail(spec, e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? json(c) + "\n" : table(c));
        out.flush();
        return ExitCodes.OK;
    }

    /** The databases as one JSON object; URLs with credentials masked. */
    static String json(WalshipConfig c) {
        JsonWriter w = JsonWriter.compact().beginObject()
                .name("config").value(c.source() == null ? null : c.source().toString())
                .name("addr").value(c.addr())
                .name("databases").beginArray();
        for (DatabaseConfig db : c.dbs()) {
            w.beginObject().name("path").value(db.path().toString()).name("replicas").beginArray();
            for (ReplicaConfig r : db.replicas()) {
                w.beginObject()
                        .name("name").value(r.name())
                        .name("type").value(r.type())
                        .name("url").value(r.describe())
                        .name("syncInterval").value(Durations.format(r.syncInterval()))
                        .name("snapshotInterval").value(Durations.format(r.snapshotInterval()))
                        .name("retention").value(Durations.format(r.retention()))
                        .endObject();
            }
            w.endArray().endObject();
        }
        return w.endArray().endObject().toJson();
    }

    /** One line per replica, the database path on its first replica's line only. */
    static String table(WalshipConfig c) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PATH", "REPLICA", "TYPE", "URL"});
        for (DatabaseConfig db : c.dbs()) {
            boolean first = true;
            for (ReplicaConfig r : db.replicas()) {
                rows.add(new String[] {first ? db.path().toString() : "", r.name(), r.type(), r.describe()});
                first = false;
            }
        }
        return align(rows, "");
    }

    /** Rows as left-aligned columns two spaces apart, each line prefixed with {@code indent}. */
    static String align(List<String[]> rows, String indent) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < row.length; i++) {
                line.append(i == 0 ? "" : "  ").append(row[i]).append(" ".repeat(width[i] - row[i].length()));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
