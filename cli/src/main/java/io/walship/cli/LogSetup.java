package io.walship.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.walship.config.LoggingConfig;
import org.slf4j.LoggerFactory;

/**
 * Applies the config file's {@code logging} section: level, text or JSON lines, stdout or stderr. The environment
 * variable {@code WALSHIP_LOG_LEVEL}, when set, still wins over the file's level, so an operator can turn on DEBUG
 * without editing the file.
 */
final class LogSetup {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z', UTC} %-5level %logger{0}: %msg%n";

    private LogSetup() {
    }

    static void apply(LoggingConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        String envLevel = System.getenv("WALSHIP_LOG_LEVEL");
        root.setLevel(Level.toLevel(envLevel != null && !envLevel.isBlank() ? envLevel : config.level(), Level.INFO));
        Encoder<ILoggingEvent> encoder;
        if (config.json()) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.setWithMDC(false);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(config.stderr() ? "STDERR" : "STDOUT");
        appender.setTarget(config.stderr() ? "System.err" : "System.out");
        appender.setEncoder(encoder);
        appender.start();
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }
}
