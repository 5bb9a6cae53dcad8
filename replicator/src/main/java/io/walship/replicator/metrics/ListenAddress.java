package io.walship.replicator.metrics;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration's {@code addr} in Litestream's syntax, as Go's {@code net.SplitHostPort} reads it:
 * {@code HOST:PORT}, {@code [IPv6]:PORT}, or {@code :PORT} for every interface. The same value tells the daemon where
 * to listen and {@code walship status} where to ask, so both sides parse it here.
 *
 * @param host the host or IP to bind, without brackets; null for every interface
 * @param port the TCP port; 0 lets the system choose (for tests)
 */
public record ListenAddress(String host, int port) {
    private static final Pattern ADDR = Pattern.compile("(\\[[^\\]\\s]+\\]|[^:\\[\\]\\s]*):(\\d{1,5})");

    public ListenAddress {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 0 and 65535");
        }
        if (host != null && host.isBlank()) {
            host = null;
        }
    }

    /**
     * Reads {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT}.
     *
     * @throws IllegalArgumentException with a message that shows the expected form
     */
    public static ListenAddress parse(String addr) {
        Matcher m = addr == null ? null : ADDR.matcher(addr.strip());
        if (m == null || !m.matches() || Integer.parseInt(m.group(2)) > 65535) {
            throw new IllegalArgumentException("'" + addr + "' is not host:port; write e.g. :9090 or 127.0.0.1:9090");
        }
        String host = m.group(1);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new ListenAddress(host, Integer.parseInt(m.group(2)));
    }

    /** Whether this listens on every interface ({@code :9090}, {@code 0.0.0.0:9090} or {@code [::]:9090}). */
    public boolean wildcard() {
        return host == null || host.equals("0.0.0.0") || host.equals("::");
    }

    /**
     * The base URL a client on this machine reaches the server at: a wildcard address is asked on the loopback
     * interface, which it includes.
     */
    public String clientUrl() {
        String h = wildcard() ? "127.0.0.1" : host;
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    /** The address in the configuration's syntax, e.g. {@code :9090} or {@code [::1]:9090}. */
    @Override
    public String toString() {
        return (host == null ? "" : host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
