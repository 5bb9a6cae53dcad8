package io.walship.bench;

import io.walship.replicator.metrics.Json;
import java.util.List;
import java.util.Map;

/** Writes maps, lists, numbers, strings, booleans and nulls as indented JSON. */
final class JsonText {
    private JsonText() {
    }

    static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, "");
        return b.append('\n').toString();
    }

    private static void write(StringBuilder b, Object v, String indent) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(indent).append("  ").append(Json.quote(String.valueOf(e.getKey()))).append(": ");
                write(b, e.getValue(), indent + "  ");
                b.append(++i < m.size() ? ",\n" : "\n");
            }
            b.append(indent).append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                b.append(indent).append("  ");
                write(b, l.get(i), indent + "  ");
                b.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            b.append(indent).append(']');
        } else if (v instanceof Double d) {
            b.append(d.isNaN() || d.isInfinite() ? "null" : String.format(java.util.Locale.ROOT, "%.6g", d).replaceFirst("\\.?0+(e|$)", "$1"));
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else {
            b.append(Json.quote(v.toString()));
        }
    }
}
