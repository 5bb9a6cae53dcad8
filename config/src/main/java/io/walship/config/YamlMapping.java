package io.walship.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A typed, line-aware reader over one YAML mapping of the configuration file, such as the top level, one entry of
 * {@code dbs} or one replica. It owns the rules every key shares, so that the readers of databases and replicas only
 * say which keys they take: a key given twice is an error, a {@code null} value (as left by an unset environment
 * variable) counts as absent, a value of the wrong shape or a bad duration, size or number is an error naming file,
 * line and key path, and an unknown key is an error rather than silently ignored. A Litestream key walship does not
 * take is rejected or, when it changes no data, reported as a {@link ConfigWarning} (see {@link UnsupportedKeys}); the
 * warnings of one file are collected in one list shared by all its mappings.
 *
 * <p>YAML merge keys ({@code <<: *anchor}) are honoured, as Litestream's YAML library honours them, so shared replica
 * settings written with anchors keep working.
 */
final class YamlMapping {
    private static final String MERGE = "<<";

    private final String source;
    private final String path;
    private final Node node;
    private final Map<String, NodeTuple> entries;
    private final List<ConfigWarning> warnings;

    private YamlMapping(String source, String path, Node node, Map<String, NodeTuple> entries,
                        List<ConfigWarning> warnings) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.entries = entries;
        this.warnings = warnings;
    }

    /** Reads the document's root, which must be a mapping; ignored keys of the whole file are added to {@code warnings}. */
    static YamlMapping root(String source, Node node, List<ConfigWarning> warnings) throws ConfigException {
        if (!(node instanceof MappingNode m)) {
            throw new ConfigException(source, YamlDocument.line(node), null,
                    "the file must be a mapping of keys such as dbs:, found " + shape(node));
        }
        return new YamlMapping(source, "", node, entries(source, "", m), warnings);
    }

    /** The dotted key path of a key in this mapping, e.g. {@code dbs[0].replicas[1].sync-interval}. */
    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The path of this mapping itself, e.g. {@code dbs[0]}; empty for the top level. */
    String path() {
        return path;
    }

    /** The line this mapping starts on. */
    int line() {
        return YamlDocument.line(node);
    }

    /** The keys as written, in file order (merged keys after the mapping's own). */
    List<String> keys() {
        return new ArrayList<>(entries.keySet());
    }

    /** True when the key is present with a value that is not null. */
    boolean has(String key) {
        NodeTuple t = entries.get(key);
        return t != null && !isNull(t.getValueNode());
    }

    /** The line of the key itself; the mapping's line when the key is absent. */
    int keyLine(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? line() : YamlDocument.line(t.getKeyNode());
    }

    /** The line of the key's value (for a multi-line value, where it starts); the mapping's line when absent. */
    int valueLine(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? line() : YamlDocument.line(t.getValueNode());
    }

    /** An error about the value of a present key, located at that value. */
    ConfigException error(String key, String problem) {
        return new ConfigException(source, valueLine(key), keyPath(key), problem);
    }

    /** An error about a key as such (unknown, unsupported, conflicting), located at the key. */
    ConfigException errorAtKey(String key, String problem) {
        return new ConfigException(source, keyLine(key), keyPath(key), problem);
    }

    /** An error about a key that should be there but is not, located at the start of this mapping. */
    ConfigException missing(String key, String problem) {
        return new ConfigException(source, line(), keyPath(key), problem);
    }

    /**
     * Checks every key not in {@code known}. A key for which {@code unsupported} has a verdict is one Litestream knows
     * and walship does not take as is: a rejected one is an error, an ignored one a warning. Any other is a typo or a
     * key from elsewhere, an error with a suggestion when one is close.
     */
    void checkKeys(Set<String> known, Function<String, UnsupportedKeys.Verdict> unsupported) throws ConfigException {
        for (String key : entries.keySet()) {
            if (known.contains(key)) {
                continue;
            }
            UnsupportedKeys.Verdict verdict = unsupported.apply(key);
            if (verdict instanceof UnsupportedKeys.Verdict.Rejected r) {
                throw errorAtKey(key, "not supported by walship: " + r.reason());
            }
            if (verdict instanceof UnsupportedKeys.Verdict.Ignored i) {
                warnings.add(new ConfigWarning(source, keyLine(key), keyPath(key), i.reason()));
                continue;
            }
            String suggestion = suggest(key, known);
            throw errorAtKey(key, "unknown key; " + (suggestion != null ? "did you mean '" + suggestion + "'?"
                    : "the keys allowed here are " + String.join(", ", sorted(known))));
        }
    }

    /** A string value, or null when absent; any scalar is taken as its text (Litestream's YAML library does so too). */
    String string(String key) throws ConfigException {
        ScalarNode s = scalar(key, "a string");
        return s == null ? null : s.getValue();
    }

    /**
     * A credential, or null when absent. It is a {@link Secret} from here on, so that no later step handles it as a
     * string; a value {@link Secret#of} refuses is reported without showing it.
     */
    Secret secret(String key) throws ConfigException {
        String text = string(key);
        if (text == null) {
            return null;
        }
        try {
            return Secret.of(text.strip());
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        }
    }

    /** A duration such as {@code 1s}, {@code 250ms} or {@code 1h30m}; null when absent. Never negative. */
    Duration duration(String key, boolean zeroAllowed) throws ConfigException {
        String text = string(key);
        if (text == null) {
            return null;
        }
        if (text.strip().startsWith("-")) {
            throw error(key, "'" + text + "' is negative; write a duration of 0 or more, e.g. 1s, 250ms or 24h");
        }
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            String hint = text.strip().matches("\\d+") ? "; a bare number has no unit, write e.g. " + text.strip() + "s"
                    : "";
            throw error(key, (e.getMessage() == null ? "'" + text + "' is not a duration" : e.getMessage()) + hint);
        }
        if (d.isZero() && !zeroAllowed) {
            throw error(key, "must be more than 0; write e.g. 1s, 250ms or 1h");
        }
        return d;
    }

    /** A boolean; YAML 1.1's yes/no/on/off are accepted as Litestream's YAML library accepts them. Null when absent. */
    Boolean bool(String key) throws ConfigException {
        String text = string(key);
        if (text == null) {
            return null;
        }
        Boolean b = Booleans.parse(text);
        if (b == null) {
            throw error(key, "'" + text + "' is not true or false");
        }
        return b;
    }

    /** A whole number within [min, max]; null when absent. */
    Long whole(String key, long min, long max) throws ConfigException {
        String text = string(key);
        if (text == null) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(text.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw error(key, "'" + text + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw error(key, n + " is out of range; write a number from " + min + " to " + max);
        }
        return n;
    }

    /** A size such as {@code 4096}, {@code 64MiB} or {@code 500MB}; null when absent. */
    ByteSize size(String key) throws ConfigException {
        String text = string(key);
        if (text == null) {
            return null;
        }
        try {
            return ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        } catch (ArithmeticException e) {
            throw error(key, "'" + text + "' is too large");
        }
    }

    /** A nested mapping; null when absent. */
    YamlMapping mapping(String key) throws ConfigException {
        if (!has(key)) {
            return null;
        }
        Node value = entries.get(key).getValueNode();
        if (!(value instanceof MappingNode m)) {
            throw error(key, "expected a mapping of keys, found " + shape(value));
        }
        return new YamlMapping(source, keyPath(key), m, entries(source, keyPath(key), m), warnings);
    }

    /** A list whose items are mappings; null when absent. {@code itemHint} says how to write one item. */
    List<YamlMapping> mappings(String key, String itemHint) throws ConfigException {
        if (!has(key)) {
            return null;
        }
        Node value = entries.get(key).getValueNode();
        if (!(value instanceof SequenceNode seq)) {
            throw error(key, "expected a list (items starting with '- '), found " + shape(value) + "; " + itemHint);
        }
        List<YamlMapping> items = new ArrayList<>();
        int i = 0;
        for (Node item : seq.getValue()) {
            String itemPath = keyPath(key) + "[" + i++ + "]";
            if (!(item instanceof MappingNode m)) {
                throw new ConfigException(source, YamlDocument.line(item), itemPath,
                        "expected a mapping of keys, found " + shape(item) + "; " + itemHint);
            }
            items.add(new YamlMapping(source, itemPath, m, entries(source, itemPath, m), warnings));
        }
        return items;
    }

    private ScalarNode scalar(String key, String expected) throws ConfigException {
        if (!has(key)) {
            return null;
        }
        Node value = entries.get(key).getValueNode();
        if (!(value instanceof ScalarNode s)) {
            throw error(key, "expected " + expected + ", found " + shape(value));
        }
        return s;
    }

    private static Map<String, NodeTuple> entries(String source, String path, MappingNode m) throws ConfigException {
        return entries(source, path, m, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static Map<String, NodeTuple> entries(String source, String path, MappingNode m, Set<Node> merging)
            throws ConfigException {
        if (!merging.add(m)) {
            throw new ConfigException(source, YamlDocument.line(m), path.isEmpty() ? MERGE : path + "." + MERGE,
                    "a merge key refers back to the mapping it is in; merge a different anchor");
        }
        Map<String, NodeTuple> own = new LinkedHashMap<>();
        List<Node> merged = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            Node k = t.getKeyNode();
            String itemPath = path.isEmpty() ? "" : path + ".";
            if (!(k instanceof ScalarNode ks)) {
                throw new ConfigException(source, YamlDocument.line(k), path.isEmpty() ? null : path,
                        "a key must be a plain word such as path, found " + shape(k));
            }
            String key = ks.getValue();
            if (key.equals(MERGE) && ks.isPlain()) {
                Node v = t.getValueNode();
                if (v instanceof SequenceNode seq) {
                    merged.addAll(seq.getValue());
                } else {
                    merged.add(v);
                }
                continue;
            }
            NodeTuple first = own.putIfAbsent(key, t);
            if (first != null) {
                throw new ConfigException(source, YamlDocument.line(k), itemPath + key,
                        "given twice (first on line " + YamlDocument.line(first.getKeyNode()) + "); keep one");
            }
        }
        for (Node v : merged) {
            if (!(v instanceof MappingNode mm)) {
                throw new ConfigException(source, YamlDocument.line(v), (path.isEmpty() ? "" : path + ".") + MERGE,
                        "a merge key takes a mapping or a list of mappings, found " + shape(v));
            }
            for (Map.Entry<String, NodeTuple> e : entries(source, path, mm, merging).entrySet()) {
                own.putIfAbsent(e.getKey(), e.getValue());
            }
        }
        merging.remove(m);
        return own;
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    static String shape(Node n) {
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        return isNull(n) ? "nothing" : "a single value";
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }

    /** A known key the user probably meant: the same with '-' for '_' or other case, or one or two letters off. */
    static String suggest(String key, Set<String> known) {
        String normal = key.toLowerCase(Locale.ROOT).replace('_', '-');
        if (known.contains(normal)) {
            return normal;
        }
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(normal, k);
            if (d < bestDistance && d < Math.max(2, k.length() / 3 + 1)) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
