package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The expansion follows Go's os.ExpandEnv, which Litestream applies to its file, case by case. */
class EnvExpansionTest {
    private static final Map<String, String> ENV = Map.of("A", "1", "LONG_NAME", "x y", "1", "one");

    @Test
    void bothForms() {
        assertEquals("1-1", EnvExpansion.expand("$A-${A}", ENV));
        assertEquals("x y.", EnvExpansion.expand("$LONG_NAME.", ENV));
        assertEquals("1B", EnvExpansion.expand("${A}B", ENV));
    }

    @Test
    void unsetIsEmpty() {
        assertEquals("[]", EnvExpansion.expand("[$NOPE]", ENV));
        assertEquals("[]", EnvExpansion.expand("[${NOPE}]", ENV));
    }

    @Test
    void goEdgeCases() {
        assertEquals("no vars here", EnvExpansion.expand("no vars here", ENV));
        assertEquals("cost: $", EnvExpansion.expand("cost: $", ENV), "a trailing $ stays");
        assertEquals("a $ b", EnvExpansion.expand("a $ b", ENV), "a $ before a space stays");
        assertEquals("ab", EnvExpansion.expand("a${}b", ENV), "${} is dropped");
        assertEquals("a1}", EnvExpansion.expand("a${A}}", ENV), "only the first } closes");
        assertEquals("aB", EnvExpansion.expand("a${B", ENV), "an unclosed ${ is dropped, the rest kept");
        assertEquals("one23", EnvExpansion.expand("$123", ENV), "$1 is a one-character special name, as in Go");
        assertEquals("", EnvExpansion.expand("$$", ENV), "$$ names the unset variable $");
    }
}
