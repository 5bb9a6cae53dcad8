package io.walship.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * walship's default logging, set up in code rather than from a {@code logback.xml}: reading an XML file makes logback
 * load an XML parser and its configuration framework (a few hundred classes), which a short command such as
 * {@code restore} or {@code ls} pays for at every start. Logback finds this class through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 *
 * <p>walship logs as text to stderr, so that stdout carries only command output (the restore summary, ls tables and
 * JSON). The level is INFO unless the environment variable {@code WALSHIP_LOG_LEVEL} says otherwise (TRACE, DEBUG,
 * INFO, WARN, ERROR); stack traces of failures are logged at DEBUG. {@link LogSetup} replaces this when a
 * configuration file has a {@code logging} section.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(LogSetup.PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        String level = System.getenv("WALSHIP_LOG_LEVEL");
        root.setLevel(Level.toLevel(level == null || level.isBlank() ? "INFO" : level.trim(), Level.INFO));
        root.addAppender(appender);
        // At DEBUG the HTTP client would log every request header, including the S3 Authorization header that names
        // the access key id, and the wire bytes. They stay at INFO whatever the level, so no level shows a credential.
        context.getLogger("org.apache.hc.client5.http.headers").setLevel(Level.INFO);
        context.getLogger("org.apache.hc.client5.http.wire").setLevel(Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
