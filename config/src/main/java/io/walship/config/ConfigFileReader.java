package io.walship.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the top level of a configuration file (after environment expansion) into a {@link WalshipConfig}: the
 * metrics address, the child command, logging, walship's {@code final-sync-timeout}, what applies to every replica
 * that does not set it (the S3 credentials; Litestream 0.5's {@code snapshot: {interval, retention}} and its
 * validation interval, given as {@code validation-interval} or {@code validation: {interval}}), compaction (Litestream
 * 0.5's {@code levels} and {@code l0-retention}), and the databases, each read by {@link DatabaseReader}.
 */
final class ConfigFileReader {
    static final Set<String> KEYS = Set.of("addr", "exec", "logging", "access-key-id", "secret-access-key", "dbs",
            "final-sync-timeout", "lag-budget", "snapshot", "validation", "validation-interval", "levels", "l0-retention");
    static final Set<String> LOGGING_KEYS = Set.of("level", "type", "stderr");
    static final Set<String> SNAPSHOT_KEYS = Set.of("interval", "retention");
    static final Set<String> VALIDATION_KEYS = Set.of("interval");
    static final Set<String> LEVEL_KEYS = Set.of("interval");

    /** host:port, [v6]:port or :port, as Go's net.SplitHostPort takes it for Litestream's addr. */
    private static final Pattern ADDR = Pattern.compile("(\\[[0-9A-Fa-f:.%\\w]+\\]|[^:\\[\\]\\s]*):(\\d{1,5})");

    private ConfigFileReader() {
    }

    static WalshipConfig read(Path file, String text, Map<String, String> env) throws ConfigException {
        String source = file.toString();
        Node root = YamlDocument.parse(source, text).orElseThrow(() -> new ConfigException(source, 1, "dbs",
                "the file has no settings; list the databases to replicate under dbs:"));
        List<ConfigWarning> warnings = new ArrayList<>();
        YamlMapping top = YamlMapping.root(source, root, warnings);
        top.checkKeys(KEYS, UnsupportedKeys::global);

        String addr = blankToNull(top.string("addr"));
        if (addr != null) {
            Matcher m = ADDR.matcher(addr.strip());
            if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
                throw top.error("addr", "'" + addr + "' is not host:port; write e.g. :9090 or 127.0.0.1:9090");
            }
            addr = addr.strip();
        }
        String exec = blankToNull(top.string("exec"));
        LoggingConfig logging = logging(top.mapping("logging"));
        Duration finalSync = top.duration("final-sync-timeout", true);
        if (finalSync == null) {
            finalSync = WalshipConfig.DEFAULT_FINAL_SYNC_TIMEOUT;
        }
        Duration lagBudget = top.duration("lag-budget", false);
        if (lagBudget == null) {
            lagBudget = WalshipConfig.DEFAULT_LAG_BUDGET;
        }

        ReplicaReader.Defaults defaults = defaults(top);
        CompactionSettings compaction = compaction(top);

        List<YamlMapping> items = top.mappings("dbs", "write each database as a mapping, e.g. '- path: /var/lib/app/app.db'");
        if (items == null || items.isEmpty()) {
            throw top.keys().contains("dbs")
                    ? top.errorAtKey("dbs", "no database to replicate; add at least one item, e.g. '- path: /var/lib/app/app.db'")
                    : top.missing("dbs", "no database to replicate; add dbs: with at least one item, e.g. "
                    + "'- path: /var/lib/app/app.db'");
        }
        List<DatabaseConfig> dbs = new ArrayList<>();
        Map<Path, YamlMapping> byPath = new HashMap<>();
        Map<String, String> locations = new HashMap<>();
        Map<Path, YamlMapping> bySpool = new HashMap<>();
        for (YamlMapping item : items) {
            DatabaseConfig db = DatabaseReader.read(item, env, defaults, locations);
            YamlMapping first = byPath.putIfAbsent(db.path(), item);
            if (first != null) {
                throw item.error("path", db.path() + " is already listed as " + first.path() + " (line "
                        + first.valueLine("path") + "); list each database once, with all its replicas");
            }
            if (db.spoolDir().isPresent()) {
                YamlMapping other = bySpool.putIfAbsent(db.spoolDir().get(), item);
                if (other != null) {
                    throw item.error("meta-path", "the same folder as the meta-path of " + other.path() + " (line "
                            + other.valueLine("meta-path") + "); give each database its own");
                }
            }
            dbs.add(db);
        }
        return new WalshipConfig(file, addr, exec, logging, finalSync, dbs, warnings, lagBudget, compaction);
    }

    /**
     * Litestream 0.5's compaction keys: {@code levels}, a list of {@code {interval}} mappings for levels 1, 2, ... (an
     * empty list turns compaction off), and {@code l0-retention}, how long compacted segments stay after the segment
     * holding them was written.
     */
    private static CompactionSettings compaction(YamlMapping top) throws ConfigException {
        CompactionSettings defaults = CompactionSettings.defaults();
        Duration retention = top.duration("l0-retention", true);
        retention = retention == null ? defaults.inputRetention() : retention;
        List<YamlMapping> items = top.mappings("levels", "write each level as a mapping, e.g. '- interval: 5m'");
        List<Duration> levels = new ArrayList<>();
        if (items == null) {
            levels.addAll(defaults.levels());
        } else {
            for (YamlMapping item : items) {
                item.checkKeys(LEVEL_KEYS, key -> null);
                Duration interval = item.duration("interval", false);
                if (interval == null) {
                    throw item.missing("interval", "each level needs an interval, e.g. '- interval: 5m'");
                }
                if (interval.compareTo(CompactionSettings.MIN_INTERVAL) < 0) {
                    throw item.error("interval", Durations.format(interval) + " is too short; a level's interval is"
                            + " at least " + Durations.format(CompactionSettings.MIN_INTERVAL));
                }
                if (!levels.isEmpty() && interval.compareTo(levels.get(levels.size() - 1)) <= 0) {
                    throw item.error("interval", Durations.format(interval) + " is not longer than the level before ("
                            + Durations.format(levels.get(levels.size() - 1)) + "); list levels from the shortest"
                            + " interval to the longest");
                }
                levels.add(interval);
            }
            if (levels.size() > CompactionSettings.MAX_LEVELS) {
                throw top.error("levels", levels.size() + " levels; walship takes at most "
                        + CompactionSettings.MAX_LEVELS);
            }
        }
        return new CompactionSettings(levels, retention);
    }

    /** What the top of the file sets for every replica: credentials, snapshot interval, retention, validation. */
    private static ReplicaReader.Defaults defaults(YamlMapping top) throws ConfigException {
        Secret accessKeyId = top.secret("access-key-id");
        Secret secretAccessKey = top.secret("secret-access-key");
        ReplicaReader.Defaults none = ReplicaReader.Defaults.none();
        Duration snapshotInterval = none.snapshotInterval();
        Duration retention = none.retention();
        YamlMapping snapshot = top.mapping("snapshot");
        if (snapshot != null) {
            snapshot.checkKeys(SNAPSHOT_KEYS, key -> null);
            Duration d = snapshot.duration("interval", true);
            snapshotInterval = d == null ? snapshotInterval : d;
            d = snapshot.duration("retention", true);
            retention = d == null ? retention : d;
        }
        Duration validation = top.duration("validation-interval", true);
        YamlMapping section = top.mapping("validation");
        if (section != null) {
            section.checkKeys(VALIDATION_KEYS, key -> null);
            if (validation != null && section.has("interval")) {
                String later = top.keyLine("validation") > top.keyLine("validation-interval") ? "validation"
                        : "validation-interval";
                throw top.errorAtKey(later, "validation-interval and validation.interval set the same default; keep one");
            }
            if (section.has("interval")) {
                validation = section.duration("interval", true);
            }
        }
        return new ReplicaReader.Defaults(accessKeyId, secretAccessKey, snapshotInterval, retention,
                validation == null ? Duration.ZERO : validation);
    }

    private static LoggingConfig logging(YamlMapping m) throws ConfigException {
        if (m == null) {
            return LoggingConfig.defaults();
        }
        m.checkKeys(LOGGING_KEYS, UnsupportedKeys::logging);
        String level = blankToNull(m.string("level"));
        if (level == null) {
            level = "info";
        } else {
            level = level.strip().toLowerCase(Locale.ROOT);
            if (level.equals("warning")) {
                level = "warn";
            }
            if (!LoggingConfig.LEVELS.contains(level)) {
                throw m.error("level", "'" + m.string("level") + "' is not a log level; write debug, info, warn or error");
            }
        }
        String type = blankToNull(m.string("type"));
        boolean json = false;
        if (type != null) {
            switch (type.strip().toLowerCase(Locale.ROOT)) {
                case "json" -> json = true;
                case "text" -> json = false;
                default -> throw m.error("type", "'" + type + "' is not a log format; write text or json");
            }
        }
        Boolean stderr = m.bool("stderr");
        return new LoggingConfig(level, json, stderr != null && stderr);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
