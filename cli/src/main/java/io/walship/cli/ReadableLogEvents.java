package io.walship.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import io.walship.config.Durations;
import io.walship.replicator.LogContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.event.KeyValuePair;

/**
 * Makes walship's log lines read the same way everywhere, whatever the code that logged them passed as arguments:
 * <ul>
 *   <li>a {@link Duration} prints as walship's configuration writes it ({@code 15s}, {@code 24h}), not {@code PT15S};</li>
 *   <li>a number logged right after the word {@code txid} ({@code "... at txid {}"}) also becomes the structured field
 *       {@code txid} (a decimal number);</li>
 *   <li>a line of the form {@code "{}: ..."} whose first argument is a path names its database, so it also gets the
 *       field {@code db}, unless the thread already carries one ({@link LogContext}).</li>
 * </ul>
 * It wraps the real encoder (text or JSON), which sees a copy of each event with these changes.
 */
final class ReadableLogEvents extends EncoderBase<ILoggingEvent> {
    private static final Pattern TXID_BEFORE = Pattern.compile("(?i)\\btxids?(?: up to| at)? $");

    private final Encoder<ILoggingEvent> delegate;

    ReadableLogEvents(Encoder<ILoggingEvent> delegate) {
        this.delegate = delegate;
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(readable(event));
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }

    @Override
    public void start() {
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        delegate.stop();
        super.stop();
    }

    /** The event with readable arguments and the structured fields its message implies; the event itself if none. */
    static ILoggingEvent readable(ILoggingEvent event) {
        Object[] args = event.getArgumentArray();
        String template = event.getMessage();
        if (args == null || args.length == 0 || template == null) {
            return event;
        }
        Object[] shown = args.clone();
        boolean changed = false;
        for (int i = 0; i < shown.length; i++) {
            if (shown[i] instanceof Duration d) {
                shown[i] = Durations.format(d);
                changed = true;
            }
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs() == null ? new ArrayList<>() : new ArrayList<>(event.getKeyValuePairs());
        Map<String, String> mdc = event.getMDCPropertyMap() == null ? Map.of() : event.getMDCPropertyMap();
        boolean hasTxid = pairs.stream().anyMatch(p -> "txid".equals(p.key));
        boolean hasDb = mdc.containsKey(LogContext.DB) || pairs.stream().anyMatch(p -> LogContext.DB.equals(p.key));
        int arg = 0;
        for (int at = template.indexOf("{}"); at >= 0 && arg < args.length; at = template.indexOf("{}", at + 2), arg++) {
            Object value = args[arg];
            if (!hasTxid && value instanceof Number n && TXID_BEFORE.matcher(template.substring(0, at)).find()) {
                pairs.add(new KeyValuePair("txid", n.longValue()));
                hasTxid = true;
                changed = true;
            }
            if (!hasDb && at == 0 && template.startsWith("{}: ") && value instanceof Path p) {
                pairs.add(new KeyValuePair(LogContext.DB, p.toString()));
                hasDb = true;
                changed = true;
            }
        }
        if (!changed) {
            return event;
        }
        LoggingEvent copy = new LoggingEvent();
        copy.setLoggerName(event.getLoggerName());
        copy.setLoggerContextRemoteView(event.getLoggerContextVO());
        copy.setThreadName(event.getThreadName());
        copy.setLevel(event.getLevel());
        copy.setMessage(template);
        copy.setArgumentArray(shown);
        copy.setInstant(event.getInstant());
        copy.setSequenceNumber(event.getSequenceNumber());
        copy.setMDCPropertyMap(new HashMap<>(mdc));
        copy.setKeyValuePairs(pairs);
        if (event.getThrowableProxy() instanceof ThrowableProxy t) {
            copy.setThrowableProxy(t);
        }
        if (event.getMarkerList() != null) {
            event.getMarkerList().forEach(copy::addMarker);
        }
        return copy;
    }
}
