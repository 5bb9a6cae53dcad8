package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Log lines read the same whatever the code passed: durations as the config writes them, txid and db as fields. */
class ReadableLogEventsTest {
    private static final LoggerContext CONTEXT = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

    private static ILoggingEvent event(String template, Object... args) {
        LoggingEvent e = new LoggingEvent("x", CONTEXT.getLogger("io.walship.replicator.Test"), Level.INFO, template, null, args);
        return ReadableLogEvents.readable(e);
    }

    private static Map<String, Object> fields(ILoggingEvent e) {
        return e.getKeyValuePairs() == null ? Map.of()
                : e.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> p.value));
    }

    @Test
    void durationsPrintAsTheConfigurationWritesThem() {
        ILoggingEvent e = event("replica {}'s newest snapshot is older than {}; retrying in {}", "s3", Duration.ofHours(24),
                Duration.ofMillis(1500));
        assertEquals("replica s3's newest snapshot is older than 24h; retrying in 1500ms", e.getFormattedMessage());
    }

    @Test
    void aNumberAfterTheWordTxidBecomesTheTxidField() {
        ILoggingEvent e = event("{}: taking a new snapshot at txid {}: {}", Path.of("/data/app.db"), 4711L, "the WAL was reset");
        assertEquals("/data/app.db: taking a new snapshot at txid 4711: the WAL was reset", e.getFormattedMessage());
        assertEquals(Map.of("txid", 4711L, "db", "/data/app.db"), fields(e));
        assertEquals(Map.of("txid", 12L), fields(event("{}: replica {} holds txids up to {}", "app.db -> s3", "s3://b/app", 12L)));
        assertEquals(Map.of("txid", 9L), fields(event("{}: final sync done, replica at txid {}", "app.db -> s3", 9)));
    }

    @Test
    void aLineWithoutSuchArgumentsIsLeftAlone() {
        LoggingEvent plain = new LoggingEvent("x", CONTEXT.getLogger("x"), Level.INFO, "{} objects in {}", null,
                new Object[] {3, "s3://b"});
        assertSame(plain, ReadableLogEvents.readable(plain));
        assertEquals(Map.of(), fields(event("spool {} recovered", Path.of("/data/.app.db-walship"))),
                "a path that does not lead the line is not taken for the database");
    }
}
