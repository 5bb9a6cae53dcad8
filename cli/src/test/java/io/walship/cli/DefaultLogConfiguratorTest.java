package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The logging every command starts with, set up in code (no {@code logback.xml}): text on stderr, walship's loggers at
 * INFO, libraries at WARN, the HTTP client's header and wire loggers never below WARN, and {@code WALSHIP_LOG_LEVEL}
 * read the same way as with a config file.
 */
class DefaultLogConfiguratorTest {

    @Test
    void startsWithTextOnStderrWalshipAtInfoAndLibrariesAtWarn() {
        assumeTrue(System.getenv("WALSHIP_LOG_LEVEL") == null, "WALSHIP_LOG_LEVEL is set for this test run");
        LoggerContext context = new LoggerContext();
        new DefaultLogConfigurator().configure(context);

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.WARN, root.getLevel(), "libraries log WARN and above");
        assertEquals(Level.INFO, context.getLogger("io.walship.replicator.Capturer").getEffectiveLevel());
        assertEquals(Level.WARN, context.getLogger("software.amazon.awssdk.request").getEffectiveLevel());
        for (String guarded : LogSetup.GUARDED) {
            assertEquals(Level.WARN, context.getLogger(guarded).getEffectiveLevel(), guarded);
        }
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(appenders::add);
        assertEquals(1, appenders.size(), appenders.toString());
        ConsoleAppender<ILoggingEvent> console = assertInstanceOf(ConsoleAppender.class, appenders.get(0));
        assertEquals("System.err", console.getTarget(), "stdout carries only command output");
        assertTrue(console.isStarted());
        assertInstanceOf(ReadableLogEvents.class, console.getEncoder(), "durations and txids read as in JSON lines");
    }

    @Test
    void theEnvironmentLevelsApplyAsWithAConfigFile() {
        LoggerContext context = new LoggerContext();
        LogSetup.configure(context, LogSetup.DEFAULTS, "debug,software.amazon.awssdk=debug,org.apache.hc.client5.http=trace");

        assertEquals(Level.DEBUG, context.getLogger("io.walship.restore.Restorer").getEffectiveLevel());
        assertEquals(Level.DEBUG, context.getLogger("software.amazon.awssdk.request").getEffectiveLevel());
        assertEquals(Level.TRACE, context.getLogger("org.apache.hc.client5.http.impl").getEffectiveLevel());
        for (String guarded : LogSetup.GUARDED) {
            assertEquals(Level.WARN, context.getLogger(guarded).getEffectiveLevel(), guarded + " would show credentials");
        }
    }
}
