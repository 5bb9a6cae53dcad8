package io.walship.bench;

import io.walship.replica.JsonWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes maps, lists, numbers, strings, booleans and nulls as indented JSON, through the project's {@link JsonWriter}. */
final class JsonText {
    private JsonText() {
    }

    static String write(Object value) {
        JsonWriter w = JsonWriter.indented();
        write(w, value);
        return w.toJson() + "\n";
    }

    private static void write(JsonWriter w, Object v) {
        if (v == null) {
            w.nullValue();
        } else if (v instanceof Map<?, ?> m) {
            w.beginObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                w.name(String.valueOf(e.getKey()));
                write(w, e.getValue());
            }
            w.endObject();
        } else if (v instanceof List<?> l) {
            w.beginArray();
            for (Object item : l) {
                write(w, item);
            }
            w.endArray();
        } else if (v instanceof Double d) {
            // Six significant digits: a benchmark's numbers are not more precise than that.
            if (d.isNaN() || d.isInfinite()) {
                w.nullValue();
            } else {
                w.number(String.format(Locale.ROOT, "%.6g", d).replaceFirst("\\.?0+(e|$)", "$1"));
            }
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            w.value(((Number) v).longValue());
        } else if (v instanceof Number n) {
            w.number(n.toString());
        } else if (v instanceof Boolean b) {
            w.value(b);
        } else {
            w.value(v.toString());
        }
    }
}
