package io.walship.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.walship.config.LoggingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;
import org.slf4j.LoggerFactory;

/**
 * How walship logs: text or JSON lines, stdout or stderr, and at which levels.
 *
 * <p>Levels: the configured level ({@code logging.level}, or {@code WALSHIP_LOG_LEVEL}, which wins so that an
 * operator can turn on DEBUG without editing the file) applies to walship's own loggers ({@code io.walship}).
 * Everything else (the AWS SDK, the HTTP client, the Prometheus client, SQLite's driver) logs at WARN and above, so
 * that {@code debug} shows what walship does rather than every HTTP header, unless {@code WALSHIP_LOG_LEVEL} names
 * them: {@code WALSHIP_LOG_LEVEL=debug,software.amazon.awssdk=debug}. The HTTP client's header and wire loggers never
 * go below WARN: at DEBUG they would print the S3 Authorization header.
 *
 * <p>JSON lines use the field names log collectors expect: {@code @timestamp} (ISO 8601, UTC), {@code level},
 * {@code logger}, {@code thread}, {@code message}, {@code stack_trace}, and walship's structured fields {@code db},
 * {@code replica} and {@code txid} where a line is about one ({@link ReadableLogEvents}, {@code LogContext}).
 */
final class LogSetup {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z', UTC} %-5level %logger{0}: %msg%n";
    static final String WALSHIP_LOGGERS = "io.walship";
    /** Loggers that would show credentials below WARN. */
    static final Set<String> GUARDED = Set.of("org.apache.hc.client5.http.headers", "org.apache.hc.client5.http.wire");
    private static final Set<String> LEVEL_NAMES = Set.of("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "OFF");

    private LogSetup() {
    }

    /** What every command logs with until a config file says more: text on stderr at INFO. */
    static final LoggingConfig DEFAULTS = new LoggingConfig("info", false, true);

    /** The config file's {@code logging:} section, with {@code WALSHIP_LOG_LEVEL} from the environment. */
    static void apply(LoggingConfig config) {
        apply(config, System.getenv("WALSHIP_LOG_LEVEL"));
    }

    static void apply(LoggingConfig config, String envLevels) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            configure(context, config, envLevels);
        }
    }

    /**
     * Sets up {@code context} for {@code config} and {@code envLevels}. Works on the context alone, without
     * {@link LoggerFactory}, so that {@link DefaultLogConfigurator} can call it while logback is still initializing.
     */
    static void configure(LoggerContext context, LoggingConfig config, String envLevels) {
        Levels levels = Levels.parse(config.level(), envLevels);
        Encoder<ILoggingEvent> encoder;
        if (config.json()) {
            encoder = jsonEncoder();
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        ReadableLogEvents readable = new ReadableLogEvents(encoder);
        readable.setContext(context);
        readable.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(config.stderr() ? "STDERR" : "STDOUT");
        appender.setTarget(config.stderr() ? "System.err" : "System.out");
        appender.setEncoder(readable);
        appender.start();

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(Level.WARN);
        context.getLogger(WALSHIP_LOGGERS).setLevel(levels.walship());
        for (Map.Entry<String, Level> e : levels.others().entrySet()) {
            context.getLogger(e.getKey()).setLevel(e.getValue());
        }
        for (String guarded : GUARDED) {
            ch.qos.logback.classic.Logger g = context.getLogger(guarded);
            if (g.getLevel() == null || !g.getLevel().isGreaterOrEqual(Level.WARN)) {
                g.setLevel(Level.WARN);
            }
        }
        for (String problem : levels.problems()) {
            context.getLogger(LogSetup.class).warn("WALSHIP_LOG_LEVEL: {}", problem);
        }
    }

    /**
     * The JSON encoder, in a method of its own so that text logging (every short command's) never loads the JSON
     * encoder's classes.
     */
    private static Encoder<ILoggingEvent> jsonEncoder() {
        LogstashEncoder json = new LogstashEncoder();
        LogstashFieldNames names = new LogstashFieldNames();
        names.setLogger("logger");
        names.setThread("thread");
        names.setLevelValue("[ignore]");
        names.setVersion("[ignore]");
        json.setFieldNames(names);
        json.setTimeZone("UTC");
        json.setTimestampPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        return json;
    }

    /**
     * What {@code WALSHIP_LOG_LEVEL} (comma-separated: a bare level for walship's loggers, {@code name=level} for any
     * other) and the file's level ask for.
     *
     * @param problems what was ignored and why, to log once the appender stands
     */
    record Levels(Level walship, Map<String, Level> others, List<String> problems) {
        static Levels parse(String fileLevel, String env) {
            Level walship = Level.toLevel(fileLevel, Level.INFO);
            Map<String, Level> others = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            if (env != null) {
                for (String part : env.split(",")) {
                    String p = part.strip();
                    if (p.isEmpty()) {
                        continue;
                    }
                    int eq = p.indexOf('=');
                    String name = eq < 0 ? null : p.substring(0, eq).strip();
                    String level = (eq < 0 ? p : p.substring(eq + 1)).strip().toUpperCase(Locale.ROOT);
                    if (!LEVEL_NAMES.contains(level)) {
                        problems.add("'" + p + "' is not a level; write e.g. debug or software.amazon.awssdk=debug");
                        continue;
                    }
                    Level l = Level.toLevel(level.equals("WARNING") ? "WARN" : level);
                    if (name == null || name.isEmpty() || name.equals(WALSHIP_LOGGERS)) {
                        walship = l;
                    } else if (GUARDED.stream().anyMatch(g -> g.startsWith(name) || name.startsWith(g))
                            && !l.isGreaterOrEqual(Level.WARN)) {
                        problems.add(name + " stays at WARN for its header and wire loggers: below it they would log"
                                + " credentials");
                        others.put(name, l);
                    } else {
                        others.put(name, l);
                    }
                }
            }
            return new Levels(walship, others, problems);
        }
    }
}
