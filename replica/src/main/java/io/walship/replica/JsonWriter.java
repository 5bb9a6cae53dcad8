package io.walship.replica;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes one JSON text (RFC 8259) into a {@link StringBuilder}: the one writer behind every JSON document walship prints
 * ({@code ls --json}, {@code verify --json}, {@code databases --json}, the daemon's {@code /status}, the benchmark's
 * report). It lives in the lowest module that all of them depend on. The caller opens and closes objects and arrays and
 * names each member; the writer puts the separators, the quotes and the escapes, so no caller concatenates JSON.
 *
 * <p>Strings are escaped so that the output is plain ASCII whatever the console's encoding: {@code "} and {@code \}
 * with a backslash, newline, carriage return and tab by their short escapes, and every other control character and
 * everything outside printable ASCII as {@code \}{@code uXXXX} (a character outside the Basic Multilingual Plane becomes
 * its UTF-16 surrogate pair, as RFC 8259 section 7 says).
 *
 * <p>Each object or array is written in one of three {@link Layout}s, chosen when it is opened, so that a document
 * for people (the daemon's {@code /status}) can keep short records on one line inside an indented document.
 *
 * <p>Not shared across threads: one writer writes one document.
 */
public final class JsonWriter {

    /** How the members of one object or array are separated. */
    public enum Layout {
        /** {@code {"a":1,"b":[2,3]}}: no spaces, for machines. */
        COMPACT(",", ":"),
        /** {@code {"a": 1, "b": 2}}: on one line, with a space after each comma and colon. */
        INLINE(", ", ": "),
        /** One member per line, indented two spaces per level; an empty container stays {@code {}} or {@code []}. */
        BLOCK(",", ": ");

        private final String comma;
        private final String colon;

        Layout(String comma, String colon) {
            this.comma = comma;
            this.colon = colon;
        }
    }

    /** One open object or array: its layout, whether it is an object, and whether it has a member yet. */
    private static final class Scope {
        private final Layout layout;
        private final boolean object;
        private boolean empty = true;
        /** In an object: a name was written and its value is due. */
        private boolean nameWritten;

        private Scope(Layout layout, boolean object) {
            this.layout = layout;
            this.object = object;
        }
    }

    private final StringBuilder out;
    private final Layout defaultLayout;
    private final Deque<Scope> scopes = new ArrayDeque<>();
    private boolean done;

    private JsonWriter(StringBuilder out, Layout defaultLayout) {
        this.out = out;
        this.defaultLayout = defaultLayout;
    }

    /** A writer whose objects and arrays are {@link Layout#COMPACT} unless opened with another layout. */
    public static JsonWriter compact() {
        return new JsonWriter(new StringBuilder(), Layout.COMPACT);
    }

    /** A writer whose objects and arrays are {@link Layout#BLOCK} (indented) unless opened with another layout. */
    public static JsonWriter indented() {
        return new JsonWriter(new StringBuilder(), Layout.BLOCK);
    }

    /** Opens an object in the writer's layout, as a value (in an array, at the top, or after {@link #name}). */
    public JsonWriter beginObject() {
        return beginObject(defaultLayout);
    }

    /** Opens an object in {@code layout}. */
    public JsonWriter beginObject(Layout layout) {
        return open(layout, true, '{');
    }

    /** Closes the innermost object. */
    public JsonWriter endObject() {
        return close(true, '}');
    }

    /** Opens an array in the writer's layout. */
    public JsonWriter beginArray() {
        return beginArray(defaultLayout);
    }

    /** Opens an array in {@code layout}. */
    public JsonWriter beginArray(Layout layout) {
        return open(layout, false, '[');
    }

    /** Closes the innermost array. */
    public JsonWriter endArray() {
        return close(false, ']');
    }

    /** Names the next member of the innermost object; its value follows. */
    public JsonWriter name(String name) {
        Scope s = scopes.peek();
        if (s == null || !s.object || s.nameWritten) {
            throw new IllegalStateException("a name belongs directly inside an object, before its value: " + name);
        }
        separate(s);
        appendQuoted(out, name);
        out.append(s.layout.colon);
        s.nameWritten = true;
        return this;
    }

    /** A string value, or {@code null}. */
    public JsonWriter value(String value) {
        beforeValue();
        appendQuoted(out, value);
        return this;
    }

    /** An integer value. */
    public JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /** A boolean value. */
    public JsonWriter value(boolean value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /** A decimal value in plain notation ({@code 0.25}, never {@code 2.5E-1}); NaN and the infinities, which JSON has
     *  no words for, are written as {@code null}. */
    public JsonWriter value(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return nullValue();
        }
        return number(BigDecimal.valueOf(value).toPlainString());
    }

    /** The literal {@code null}. */
    public JsonWriter nullValue() {
        beforeValue();
        out.append("null");
        return this;
    }

    /**
     * A number already formatted by the caller (the benchmark rounds to significant digits).
     *
     * @throws IllegalArgumentException when {@code literal} is not a JSON number
     */
    public JsonWriter number(String literal) {
        if (!literal.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
            throw new IllegalArgumentException("not a JSON number: " + literal);
        }
        beforeValue();
        out.append(literal);
        return this;
    }

    /**
     * The finished document.
     *
     * @throws IllegalStateException when an object or array is still open, or nothing was written
     */
    public String toJson() {
        if (!scopes.isEmpty() || !done) {
            throw new IllegalStateException("the JSON document is not complete");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }

    /**
     * A JSON string literal for {@code value}, or {@code null}, escaped as this class's Javadoc says.
     */
    public static String quote(String value) {
        StringBuilder b = new StringBuilder(value == null ? 4 : value.length() + 2);
        appendQuoted(b, value);
        return b.toString();
    }

    private static void appendQuoted(StringBuilder b, String value) {
        if (value == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append("\\u").append(Character.forDigit(c >> 12 & 0xf, 16))
                                .append(Character.forDigit(c >> 8 & 0xf, 16))
                                .append(Character.forDigit(c >> 4 & 0xf, 16))
                                .append(Character.forDigit(c & 0xf, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private JsonWriter open(Layout layout, boolean object, char bracket) {
        beforeValue();
        out.append(bracket);
        scopes.push(new Scope(layout, object));
        done = false;
        return this;
    }

    private JsonWriter close(boolean object, char bracket) {
        Scope s = scopes.peek();
        if (s == null || s.object != object || s.nameWritten) {
            throw new IllegalStateException("nothing to close with " + bracket);
        }
        scopes.pop();
        if (s.layout == Layout.BLOCK && !s.empty) {
            newline();
        }
        out.append(bracket);
        done = scopes.isEmpty();
        return this;
    }

    /** Checks that a value may come here and writes what goes before it. */
    private void beforeValue() {
        Scope s = scopes.peek();
        if (s == null) {
            if (done || out.length() > 0) {
                throw new IllegalStateException("a JSON document holds one value");
            }
            done = true;
            return;
        }
        if (s.object) {
            if (!s.nameWritten) {
                throw new IllegalStateException("a value in an object needs a name first");
            }
            s.nameWritten = false;
        } else {
            separate(s);
        }
    }

    /** The comma before every member but the first, and in a block the new line and indent. */
    private void separate(Scope s) {
        if (!s.empty) {
            out.append(s.layout.comma);
        }
        s.empty = false;
        if (s.layout == Layout.BLOCK) {
            newline();
        }
    }

    private void newline() {
        out.append('\n');
        for (int i = 0; i < scopes.size(); i++) {
            out.append("  ");
        }
    }
}
