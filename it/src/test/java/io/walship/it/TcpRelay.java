package io.walship.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The TCP side of the proxies put in front of an S3 server (the fault proxy of the scenarios, the benchmark's counting
 * proxy): a listening socket on a random loopback port, a pool of daemon threads, and for each client a connection to
 * the server on the loopback address. What goes through a connection is the proxy's business.
 *
 * <p>Shared across threads: the accept loop and the proxy's pumps run on its pool.
 */
public final class TcpRelay implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String name;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final ExecutorService pool;
    private volatile boolean closed;

    private TcpRelay(String name, int targetPort) throws IOException {
        this.name = name;
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Listens on a random loopback port for a proxy named {@code name} in front of 127.0.0.1:{@code targetPort};
     * clients wait in the backlog until {@link #accept}.
     */
    public static TcpRelay listen(String name, int targetPort) throws IOException {
        return new TcpRelay(name, targetPort);
    }

    /** Accepts clients from now on, handing each to {@code onClient} on the accept thread. */
    public void accept(Consumer<Socket> onClient) {
        pool.submit(() -> {
            while (!closed) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    if (!closed) {
                        System.err.println(name + ": accept failed: " + e);
                    }
                    return;
                }
                onClient.accept(client);
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Runs {@code task} (a pump, the opening of a connection) on the relay's pool. */
    public void submit(Runnable task) {
        pool.submit(task);
    }

    /**
     * A new connection to the server for {@code client}, both without Nagle's delay; empty, with both reset, when the
     * server cannot be reached.
     */
    public Optional<Socket> connect(Socket client) {
        Socket upstream = new Socket();
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, 5000);
            return Optional.of(upstream);
        } catch (IOException e) {
            rst(client);
            rst(upstream);
            return Optional.empty();
        }
    }

    /** Stops listening and then the threads; the proxy closes its connections right after, so that its pumps end. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closed
        }
        pool.shutdownNow();
    }

    /** Closes {@code s} with a TCP reset (SO_LINGER 0) rather than an orderly FIN. */
    public static void rst(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closed already
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
    }
}
