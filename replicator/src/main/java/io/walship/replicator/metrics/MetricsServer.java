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
 * <p>It can start before the daemon exists, so that {@code /healthz} answers while {@code -restore-if-db-not-exists}
 * restores (a long restore must not fail a liveness probe): until {@link #serve} hands it the daemon,
 * {@code /startupz}, {@code /readyz} and {@code /status} say what walship is doing ({@link #starting}) and are not
 * ready. {@code /startupz} answers 200 from then on: the point where an app that waits for its restored database may
 * start.
 *
 * <p>It is the Prometheus client's own {@link HTTPServer} (so {@code /metrics} gets its content negotiation, gzip and
 * {@code name[]} filtering), with walship's endpoints as the server's default handler. Its threads are daemon threads,
 * so a forgotten server never keeps the JVM alive; {@link #close()} still frees the port.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    private final HTTPServer server;
    private final ListenAddress address;
    private final Endpoints endpoints;
    private final PrometheusMetrics metrics;

    private MetricsServer(HTTPServer server, ListenAddress address, Endpoints endpoints, PrometheusMetrics metrics) {
        this.server = server;
        this.address = address;
        this.endpoints = endpoints;
        this.metrics = metrics;
    }

    /**
     * Starts serving {@code daemon}; returns once the port is bound. Also makes {@code metrics} read its gauges from
     * {@code daemon}.
     *
     * @param addr {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT} for every interface; port 0 picks a free one
     * @throws IllegalArgumentException when {@code addr} is not of that form
     * @throws IOException when the address cannot be bound (in use, not an address of this machine), saying which
     */
    public static MetricsServer start(String addr, Daemon daemon, PrometheusMetrics metrics) throws IOException {
        MetricsServer server = start(addr, metrics);
        server.serve(daemon);
        return server;
    }

    /**
     * Starts serving before the daemon exists: {@code /healthz} answers 200, {@code /readyz} 503 with what
     * {@link #starting} said, {@code /metrics} the JVM metrics and {@code walship_ready 0}. Call {@link #serve} once
     * the daemon is built.
     *
     * @throws IllegalArgumentException when {@code addr} is not of the form {@code HOST:PORT}
     * @throws IOException when the address cannot be bound, saying which
     */
    public static MetricsServer start(String addr, PrometheusMetrics metrics) throws IOException {
        ListenAddress listen = ListenAddress.parse(addr);
        Endpoints endpoints = new Endpoints(Clock.systemUTC());
        HTTPServer.Builder builder = HTTPServer.builder().port(listen.port()).registry(metrics.registry())
                .registerHealthHandler(false).defaultHandler(endpoints);
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
        log.info("serving /metrics, /healthz, /startupz, /readyz and /status on {}", bound);
        return new MetricsServer(server, bound, endpoints, metrics);
    }

    /** What walship does before the daemon runs (e.g. restoring a database), for {@code /readyz} and {@code /status}. */
    public void starting(String what) {
        endpoints.starting = what;
    }

    /** Serves {@code daemon} from now on: probes, status and gauges follow it. */
    public void serve(Daemon daemon) {
        metrics.watch(daemon);
        endpoints.daemon = daemon;
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

    /**
     * {@code /healthz}, {@code /readyz} and {@code /status}; any other path but {@code /metrics} is a 404. Called on
     * the server's threads while the command's thread sets {@link #daemon} and {@link #starting}.
     */
    static final class Endpoints implements HttpHandler {
        private final Clock clock;
        volatile Daemon daemon;
        volatile String starting = "starting";

        Endpoints(Clock clock) {
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
                    case "/startupz" -> {
                        if (this.daemon != null) {
                            send(exchange, 200, "text/plain", "ok\n");
                        } else {
                            send(exchange, 503, "text/plain", starting + "\n");
                        }
                    }
                    case "/readyz" -> {
                        Daemon daemon = this.daemon;
                        String reason = daemon == null ? starting : daemon.notReadyReason();
                        if (reason == null) {
                            send(exchange, 200, "text/plain", "ok\n");
                        } else {
                            send(exchange, 503, "text/plain", reason + "\n");
                        }
                    }
                    case "/status" -> {
                        Daemon daemon = this.daemon;
                        DaemonStatus status = daemon == null ? DaemonStatus.starting(clock.instant(), starting)
                                : DaemonStatus.of(daemon, clock.instant());
                        send(exchange, 200, "application/json", status.toJson());
                    }
                    case "/checksum" -> checksum(exchange);
                    case "/" -> send(exchange, 200, "text/plain",
                            "walship: /metrics (Prometheus), /healthz, /startupz, /readyz, /status (JSON)\n");
                    default -> send(exchange, 404, "text/plain",
                            "not found; walship serves /metrics, /healthz, /startupz, /readyz and /status\n");
                }
            } catch (RuntimeException e) {
                // The HTTP server would drop the connection without a word; log why instead.
                log.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
                log.debug("endpoint failure", e);
                throw e;
            }
        }

        /**
         * {@code /checksum?db=PATH}: the page checksum of a live database at the txid walship captured last, computed
         * under walship's read transaction, for {@code walship verify --restore -config} to compare with a restore of
         * that txid. {@code db} may be left out when walship replicates one database. Reads the whole database.
         */
        private void checksum(HttpExchange exchange) throws IOException {
            Daemon daemon = this.daemon;
            if (daemon == null) {
                send(exchange, 503, "text/plain", starting + "\n");
                return;
            }
            String query = exchange.getRequestURI().getQuery();
            String db = null;
            if (query != null) {
                for (String part : query.split("&")) {
                    if (part.startsWith("db=")) {
                        db = java.net.URLDecoder.decode(part.substring(3), StandardCharsets.UTF_8);
                    }
                }
            }
            java.util.List<io.walship.replicator.DatabaseReplicator> all = daemon.databases();
            io.walship.replicator.DatabaseReplicator chosen = null;
            if (db == null && all.size() == 1) {
                chosen = all.get(0);
            } else if (db != null) {
                java.nio.file.Path wanted = java.nio.file.Path.of(db).toAbsolutePath().normalize();
                for (var r : all) {
                    if (r.database().toAbsolutePath().normalize().equals(wanted)) {
                        chosen = r;
                    }
                }
            }
            if (chosen == null) {
                send(exchange, 404, "text/plain", "no replicated database " + (db == null ? "named (add ?db=PATH)" : db)
                        + "\n");
                return;
            }
            try {
                io.walship.replicator.LiveChecksum sum = chosen.liveChecksum().get(CHECKSUM_WAIT.toSeconds(),
                        java.util.concurrent.TimeUnit.SECONDS);
                send(exchange, 200, "application/json", sum.toJson());
            } catch (java.util.concurrent.TimeoutException e) {
                send(exchange, 503, "text/plain", "capture did not answer within " + CHECKSUM_WAIT.toSeconds() + " s\n");
            } catch (java.util.concurrent.ExecutionException e) {
                send(exchange, 503, "text/plain", "cannot checksum " + chosen.database() + ": " + e.getCause() + "\n");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(exchange, 503, "text/plain", "interrupted\n");
            }
        }

        private static final java.time.Duration CHECKSUM_WAIT = java.time.Duration.ofMinutes(5);

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
