package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonWriterTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertEquals("\"a\\\"b\\\\c\"", JsonWriter.quote("a\"b\\c"));
        assertEquals("\"\\n\\r\\t\\u0000\\u0001\\u001f\\u0008\\u000c\"", JsonWriter.quote("\n\r\t\u0000\u0001\u001f\b\f"));
        // DEL is not a control character to RFC 8259 but is escaped all the same: the output stays printable ASCII.
        assertEquals("\"\\u007f ~\"", JsonWriter.quote("\u007f ~"));
        assertEquals("\"/\"", JsonWriter.quote("/"));
        assertEquals("null", JsonWriter.quote(null));
        assertEquals("\"\"", JsonWriter.quote(""));
    }

    @Test
    void escapesEverythingOutsideAsciiSoTheOutputIsAsciiWhateverTheConsole() {
        assertEquals("\"caf\\u00e9 \\u20ac\"", JsonWriter.quote("café €"));
        // A character outside the Basic Multilingual Plane becomes its UTF-16 surrogate pair (RFC 8259 section 7).
        assertEquals("\"\\ud83d\\ude00\"", JsonWriter.quote("\uD83D\uDE00"));
        assertEquals("{\"k\\u00fc\":\"v\\u00fc\"}", JsonWriter.compact().beginObject().name("kü").value("vü").endObject().toJson());
    }

    @Test
    void nestsObjectsAndArraysCompactly() {
        String json = JsonWriter.compact().beginObject()
                .name("s").value("x")
                .name("n").value(-42)
                .name("d").value(0.25)
                .name("t").value(true)
                .name("f").value(false)
                .name("z").nullValue()
                .name("nullString").value((String) null)
                .name("empty").beginArray().endArray()
                .name("emptyObject").beginObject().endObject()
                .name("list").beginArray().value(1).beginObject().name("a").beginArray().value("b").endArray().endObject()
                .beginArray().endArray().endArray()
                .endObject().toJson();
        assertEquals("{\"s\":\"x\",\"n\":-42,\"d\":0.25,\"t\":true,\"f\":false,\"z\":null,\"nullString\":null,\"empty\":[],"
                + "\"emptyObject\":{},\"list\":[1,{\"a\":[\"b\"]},[]]}", json);
    }

    @Test
    void indentsBlocksAndKeepsInlineRecordsOnOneLine() {
        String json = JsonWriter.indented().beginObject()
                .name("a").value(1)
                .name("none").beginArray().endArray()
                .name("items").beginArray()
                .beginObject().name("x").value(1)
                .name("pairs").beginArray(JsonWriter.Layout.INLINE)
                .beginObject(JsonWriter.Layout.INLINE).name("p").value(1).name("q").value(2).endObject()
                .beginObject(JsonWriter.Layout.INLINE).name("p").value(3).name("q").value(4).endObject()
                .endArray()
                .endObject()
                .endArray()
                .endObject().toJson();
        assertEquals("{\n"
                + "  \"a\": 1,\n"
                + "  \"none\": [],\n"
                + "  \"items\": [\n"
                + "    {\n"
                + "      \"x\": 1,\n"
                + "      \"pairs\": [{\"p\": 1, \"q\": 2}, {\"p\": 3, \"q\": 4}]\n"
                + "    }\n"
                + "  ]\n"
                + "}", json);
    }

    @Test
    void writesDecimalsPlainAndNonFiniteAsNull() {
        assertEquals("[0.001,1.0E+3,1.5,null,null]", JsonWriter.compact().beginArray().value(0.001).number("1.0E+3")
                .value(1.5).value(Double.NaN).value(Double.POSITIVE_INFINITY).endArray().toJson());
        assertEquals("[12345678.9]", JsonWriter.compact().beginArray().value(12345678.9).endArray().toJson());
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.compact().number("1,5"));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.compact().number("NaN"));
    }

    @Test
    void refusesADocumentThatIsNotWellFormed() {
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().beginObject().value(1));
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().beginArray().name("a"));
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().beginObject().name("a").endObject());
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().beginArray().endObject());
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().beginObject().toJson());
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().toJson());
        assertThrows(IllegalStateException.class, () -> JsonWriter.compact().value(1).value(2));
    }
}
