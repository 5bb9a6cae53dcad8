package io.walship.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every number the scenarios measured, as {@code scenario -> subject -> name -> value} (subjects are
 * {@code walship}, {@code litestream}, or a reference such as {@code writerAlone}). Shared across threads: guarded by
 * this object.
 */
final class Results {
    private final Map<String, Map<String, Map<String, Object>>> tree = new LinkedHashMap<>();

    synchronized void put(String scenario, String subject, String name, Object value) {
        tree.computeIfAbsent(scenario, k -> new LinkedHashMap<>()).computeIfAbsent(subject, k -> new LinkedHashMap<>()).put(name, value);
    }

    synchronized Object get(String scenario, String subject, String name) {
        return tree.getOrDefault(scenario, Map.of()).getOrDefault(subject, Map.of()).get(name);
    }

    /** A measured number, or null when it was not measured. */
    synchronized Double num(String scenario, String subject, String name) {
        return get(scenario, subject, name) instanceof Number n ? n.doubleValue() : null;
    }

    synchronized Map<String, Object> asMap() {
        Map<String, Object> copy = new LinkedHashMap<>();
        tree.forEach((s, subjects) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            subjects.forEach((k, v) -> m.put(k, new LinkedHashMap<>(v)));
            copy.put(s, m);
        });
        return copy;
    }
}
