package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandWordsTest {
    @Test
    void splitsLikeAShellForSimpleCommands() {
        assertEquals(List.of("python3", "app.py", "--port", "8080"), CommandWords.split("  python3 app.py   --port 8080 "));
        assertEquals(List.of("sh", "-c", "echo hi; exit 3"), CommandWords.split("sh -c 'echo hi; exit 3'"));
        assertEquals(List.of("say", "a \"quoted\" word", "x\\y"), CommandWords.split("say \"a \\\"quoted\\\" word\" x\\\\y"));
        assertEquals(List.of("one word"), CommandWords.split("one\\ word"));
        assertEquals(List.of("empty", ""), CommandWords.split("empty ''"));
    }

    @Test
    void rejectsUnclosedQuotesAndEmptyCommands() {
        assertThrows(IllegalArgumentException.class, () -> CommandWords.split("sh -c 'oops"));
        assertThrows(IllegalArgumentException.class, () -> CommandWords.split("   "));
    }
}
