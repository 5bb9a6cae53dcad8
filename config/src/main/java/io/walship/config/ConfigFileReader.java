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
 * metrics address, the child command, logging, the top-level S3 credentials, walship's {@code final-sync-timeout},
 * and the databases, each read by {@link DatabaseReader}.
 */
final class ConfigFileReader {
    static final Set<String> KEYS = Set.of("addr", "exec", "logging", "access-key-id", "secret-access-key", "dbs",
            "final-sync-timeout");
    static final Set<String> LOGGING_KEYS = Set.of("level", "type", "stderr");

    /** host:port, [v6]:port or :port, as Go's net.SplitHostPort takes it for Litestream's addr. */
    private static final Pattern ADDR = Pattern.compile("(\\[[0-9A-Fa-f:.%\\w]+\\]|[^:\\[\\]\\s]*):(\\d{1,5})");

    private ConfigFileReader() {
    }

    static WalshipConfig read(Path file, String text, Map<String, String> env) throws ConfigException {
        String source = file.toString();
        Node root = YamlDocument.parse(source, text).orElseThrow(() -> new ConfigException(source, 1, "dbs",
                "the file has no settings; list the databases to replicate under dbs:"));
        YamlMapping top = YamlMapping.root(source, root);
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

        String accessKeyId = top.secret("access-key-id");
        String secretAccessKey = top.secret("secret-access-key");
        for (String key : List.of("access-key-id", "secret-access-key")) {
            if (top.has(key)) {
                try {
                    S3Location.empty().set(key, top.secret(key));
                } catch (IllegalArgumentException e) {
                    throw top.error(key, e.getMessage());
                }
            }
        }
        ReplicaReader.GlobalCredentials global = new ReplicaReader.GlobalCredentials(
                accessKeyId == null ? null : accessKeyId.strip(), secretAccessKey == null ? null : secretAccessKey.strip());

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
        for (YamlMapping item : items) {
            DatabaseConfig db = DatabaseReader.read(item, env, global, locations);
            YamlMapping first = byPath.putIfAbsent(db.path(), item);
            if (first != null) {
                throw item.error("path", db.path() + " is already listed as " + first.path() + " (line "
                        + first.valueLine("path") + "); list each database once, with all its replicas");
            }
            dbs.add(db);
        }
        return new WalshipConfig(file, addr, exec, logging, finalSync, dbs);
    }

    private static LoggingConfig logging(YamlMapping m) throws ConfigException {
        if (m == null) {
            return LoggingConfig.defaults();
        }
        m.checkKeys(LOGGING_KEYS, key -> key.equals("source")
                ? "walship does not log source locations; remove it" : null);
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
