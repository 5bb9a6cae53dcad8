package io.walship.replicator.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.walship.replicator.Daemon;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP endpoints on the configuration's {@code addr}: {@code /metrics} for Prometheus, {@code /healthz}
 * and {@code /readyz} for probes, and {@code /status} for {@code walship status} and people with curl.
 *
 * <p>It is the Prometheus client's own {@link HTTPServer} (so {@code /metrics} gets its content negotiation, gzip and
 * {@code name[]} filtering), with walship's endpoints as the server's default handler. Its threads are daemon threads,
 * so a forgotten server never keeps the JVM alive; {@link #close()} still frees the port.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    private final HTTPServer server;
    private final ListenAddress address;

    private MetricsServer(HTTPServer server, ListenAddress address) {
        this.server = server;
        this.address = address;
    }

    /**
     * Starts serving; returns once the port is bound. Also makes {@code metrics} read its gauges from {@code daemon}.
     *
     * @param addr {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT} for every interface; port 0 picks a free one
     * @throws IllegalArgumentException when {@code addr} is not of that form
     * @throws IOException when the address cannot be bound (in use, not an address of this machine), saying which
     */
    public static MetricsServer start(String addr, Daemon daemon, PrometheusMetrics metrics) throws IOException {
        ListenAddress listen = ListenAddress.parse(addr);
        metrics.watch(daemon);
        HTTPServer.Builder builder = HTTPServer.builder().port(listen.port()).registry(metrics.registry())
                .registerHealthHandler(false).defaultHandler(new Endpoints(daemon, Clock.systemUTC()));
        if (listen.host() != null) {
            builder.inetAddress(InetAddress.getByName(listen.host()));
        }
        HTTPServer server;
        try {
            server = builder.buildAndStart();
        } catch (BindException e) {
            throw new IOException("cannot serve metrics on " + listen + ": " + e.getMessage()
                    + "; another process may use the port, or change addr", e);
        }
        ListenAddress bound = new ListenAddress(listen.host(), server.getPort());
        log.info("serving /metrics, /healthz, /readyz and /status on {}", bound);
        return new MetricsServer(server, bound);
    }

    /** The port the server listens on: the configured one, or the one the system chose for port 0. */
    public int port() {
        return server.getPort();
    }

    /** The address the server listens on, with the actual port. */
    public ListenAddress address() {
        return address;
    }

    /** Stops serving and frees the port; requests in progress are cut off. */
    @Override
    public void close() {
        server.close();
    }

    /** {@code /healthz}, {@code /readyz} and {@code /status}; any other path but {@code /metrics} is a 404. */
    static final class Endpoints implements HttpHandler {
        private final Daemon daemon;
        private final Clock clock;

        Endpoints(Daemon daemon, Clock clock) {
            this.daemon = daemon;
            this.clock = clock;
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String method = exchange.getRequestMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    send(exchange, 405, "text/plain", "only GET and HEAD are served\n");
                    return;
                }
                switch (exchange.getRequestURI().getPath()) {
                    case "/healthz" -> send(exchange, 200, "text/plain", "ok\n");
                    case "/readyz" -> {
                        String reason = daemon.notReadyReason();
                        if (reason == null) {
                            send(exchange, 200, "text/plain", "ok\n");
                        } else {
                            send(exchange, 503, "text/plain", reason + "\n");
                        }
                    }
                    case "/status" -> send(exchange, 200, "application/json",
                            DaemonStatus.of(daemon, clock.instant()).toJson());
                    case "/" -> send(exchange, 200, "text/plain",
                            "walship: /metrics (Prometheus), /healthz, /readyz, /status (JSON)\n");
                    default -> send(exchange, 404, "text/plain",
                            "not found; walship serves /metrics, /healthz, /readyz and /status\n");
                }
            } catch (RuntimeException e) {
                // The HTTP server would drop the connection without a word; log why instead.
                log.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
                log.debug("endpoint failure", e);
                throw e;
            }
        }

        private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(code, -1);
                return;
            }
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
