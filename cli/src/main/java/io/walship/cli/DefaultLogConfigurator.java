package io.walship.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * walship's default logging, set up in code rather than from a {@code logback.xml}: reading an XML file makes logback
 * load an XML parser and its configuration framework (a few hundred classes), which a short command such as
 * {@code restore} or {@code ls} pays for at every start. Logback finds this class through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 *
 * <p>walship logs as text to stderr, so that stdout carries only command output (the restore summary, ls tables and
 * JSON): walship's own loggers at INFO, every library at WARN, unless the environment variable
 * {@code WALSHIP_LOG_LEVEL} says otherwise ({@link LogSetup} reads it); stack traces of failures are logged at DEBUG.
 * {@link LogSetup} replaces this when a configuration file has a {@code logging} section (for example JSON lines).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LogSetup.configure(context, LogSetup.DEFAULTS, System.getenv("WALSHIP_LOG_LEVEL"));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
