package io.walship.it.s3;

import static io.walship.it.TcpRelay.rst;

import io.walship.it.TcpRelay;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fault-injecting TCP proxy on 127.0.0.1 in front of an S3 server: walship talks to the proxy's port, the proxy
 * forwards the bytes to the server, and breaks them on demand.
 *
 * <p>It does not parse HTTP, but it sees the turns of a keep-alive connection: a "request" begins whenever the
 * client sends bytes after the server has sent some (or first on a new connection), and the "response" is what the
 * server sends until the client speaks again. (With {@code Expect: 100-continue} an upload is two turns: the head,
 * then the body.) At the start of each request it rolls the dice:
 * <ul>
 *   <li>{@linkplain #errors error}: the request is not forwarded; the client gets {@code HTTP/1.1 500}, {@code 503}
 *       or {@code 429} with {@code Connection: close} at once and the connection is closed;</li>
 *   <li>{@linkplain #resets reset}: half the time the connection is reset (SO_LINGER 0) at once, half the time the
 *       request goes through and the response is reset within its status line (the server may have done the work,
 *       the client never hears of it: a retried upload must then find its own object);</li>
 *   <li>otherwise the bytes pass, each response delayed by the configured {@linkplain #latency latency}.</li>
 * </ul>
 * Besides: an {@linkplain #outage outage} resets every open connection and every new one until it ends;
 * {@link #cutNextResponseAfter} cuts the next response that grows past N bytes (once), to drop a download mid-body;
 * {@link #loseNextResponseTo} lets one chosen request reach the server and loses its response (once).
 */
public final class FaultProxy implements AutoCloseable {
    private static final int RANGE_TAIL = 64;

    private final TcpRelay relay;
    private final Set<Conn> live = ConcurrentHashMap.newKeySet();
    private final Random random;

    private volatile double errorRate;
    private volatile double resetRate;
    private volatile long latencyMillis;
    private volatile boolean outage;
    private final AtomicLong cutAfter = new AtomicLong(-1);
    private final AtomicReference<String> loseResponseTo = new AtomicReference<>();

    public final AtomicLong connections = new AtomicLong();
    public final AtomicLong requests = new AtomicLong();
    public final AtomicLong errors500 = new AtomicLong();
    public final AtomicLong errors503 = new AtomicLong();
    public final AtomicLong errors429 = new AtomicLong();
    public final AtomicLong resetsBeforeRequest = new AtomicLong();
    public final AtomicLong resetsInResponse = new AtomicLong();
    public final AtomicLong outageResets = new AtomicLong();
    public final AtomicLong cuts = new AtomicLong();
    public final AtomicLong lostResponses = new AtomicLong();
    public final AtomicLong rangeRequests = new AtomicLong();
    /** The value of every {@code Range: bytes=...} request header seen, in order. */
    public final List<String> ranges = new CopyOnWriteArrayList<>();

    private FaultProxy(int targetPort, long seed) throws IOException {
        this.random = new Random(seed);
        this.relay = TcpRelay.listen("fault-proxy", targetPort);
        relay.accept(this::accepted);
    }

    /** A pass-through proxy on a random loopback port in front of 127.0.0.1:{@code targetPort}. */
    public static FaultProxy start(int targetPort, long seed) throws IOException {
        return new FaultProxy(targetPort, seed);
    }

    public int port() {
        return relay.port();
    }

    public URI endpoint() {
        return relay.endpoint();
    }

    /** No faults, no latency, no outage, no armed cut. */
    public FaultProxy passThrough() {
        errorRate = 0;
        resetRate = 0;
        latencyMillis = 0;
        outage = false;
        cutAfter.set(-1);
        loseResponseTo.set(null);
        return this;
    }

    /** The share of requests answered with 500, 503 or 429 (a third each) instead of being forwarded. */
    public FaultProxy errors(double probability) {
        errorRate = probability;
        return this;
    }

    /** The share of requests whose connection is reset, before the request or in the middle of its response. */
    public FaultProxy resets(double probability) {
        resetRate = probability;
        return this;
    }

    /** Delay before the first byte of every response. */
    public FaultProxy latency(Duration d) {
        latencyMillis = d.toMillis();
        return this;
    }

    /** While on, every open connection is reset and every new one is reset as soon as it is accepted. */
    public void outage(boolean on) {
        outage = on;
        if (on) {
            for (Conn c : live) {
                outageResets.incrementAndGet();
                c.reset();
            }
        }
    }

    public boolean inOutage() {
        return outage;
    }

    /** Cuts (resets) the next response that grows past {@code bytes} bytes, after forwarding exactly that many; once. */
    public void cutNextResponseAfter(long bytes) {
        cutAfter.set(bytes);
    }

    /**
     * Lets the next request whose first line starts with {@code requestStart} (e.g. {@code "PUT "}) reach the server,
     * and resets the connection before the client sees a byte of the final response; once. With
     * {@code Expect: 100-continue} the body still gets through: only the final response is lost.
     */
    public void loseNextResponseTo(String requestStart) {
        loseResponseTo.set(requestStart);
    }

    /** Whether an armed cut has not happened yet. */
    public boolean cutPending() {
        return cutAfter.get() >= 0;
    }

    public long errors() {
        return errors500.get() + errors503.get() + errors429.get();
    }

    public String stats() {
        return "connections=" + connections + " requests=" + requests + " errors(500/503/429)=" + errors500 + "/" + errors503 + "/"
                + errors429 + " resets(before request/in response)=" + resetsBeforeRequest + "/" + resetsInResponse
                + " outageResets=" + outageResets + " cuts=" + cuts + " lostResponses=" + lostResponses + " rangeRequests=" + rangeRequests;
    }

    private synchronized double roll() {
        return random.nextDouble();
    }

    private synchronized int randomInt(int bound) {
        return random.nextInt(bound);
    }

    /** On the accept thread: counts the connection, and resets it at once during an outage. */
    private void accepted(Socket client) {
        connections.incrementAndGet();
        if (outage) {
            outageResets.incrementAndGet();
            rst(client);
            return;
        }
        relay.submit(() -> open(client));
    }

    private void open(Socket client) {
        Optional<Socket> connected = relay.connect(client);
        if (connected.isEmpty()) {
            return;
        }
        Conn c = new Conn(client, connected.get());
        live.add(c);
        if (outage) {
            c.reset();
            return;
        }
        relay.submit(c::pumpUp);
        relay.submit(c::pumpDown);
    }

    /** One proxied connection: two pumps and the state of the current request/response turn. */
    private final class Conn {
        private final Socket client;
        private final Socket upstream;
        private volatile boolean serverSpoke = true;
        private volatile boolean done;
        /** The proxy answered this connection itself; the server side is gone and must not reset the client. */
        private volatile boolean intercepted;
        /** Bytes of the current response forwarded so far. */
        private long responseBytes;
        /** Reset the current response after this many bytes; -1 for no reset. */
        private volatile long resetResponseAfter = -1;
        /** The request whose response is to be lost waits for its body (sent after 100 Continue). */
        private volatile boolean loseAfterContinue;

        Conn(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void reset() {
            done = true;
            rst(client);
            rst(upstream);
            live.remove(this);
        }

        void pumpUp() {
            byte[] buf = new byte[64 * 1024];
            byte[] tail = new byte[RANGE_TAIL];
            int tailLen = 0;
            try {
                InputStream in = client.getInputStream();
                OutputStream out = upstream.getOutputStream();
                while (!done) {
                    int n = in.read(buf);
                    if (n < 0) {
                        upstream.shutdownOutput();
                        return;
                    }
                    if (outage) {
                        outageResets.incrementAndGet();
                        reset();
                        return;
                    }
                    if (serverSpoke) {
                        serverSpoke = false;
                        synchronized (this) {
                            responseBytes = 0;
                        }
                        resetResponseAfter = -1;
                        requests.incrementAndGet();
                        if (loseAfterContinue) {
                            loseAfterContinue = false;
                            resetResponseAfter = 0;
                            lostResponses.incrementAndGet();
                        }
                        String lose = loseResponseTo.get();
                        String head = new String(buf, 0, Math.min(n, 8192), StandardCharsets.ISO_8859_1);
                        if (lose != null && head.startsWith(lose) && loseResponseTo.compareAndSet(lose, null)) {
                            if (head.toLowerCase(Locale.ROOT).contains("\r\nexpect: 100-continue")) {
                                loseAfterContinue = true;
                            } else {
                                resetResponseAfter = 0;
                                lostResponses.incrementAndGet();
                            }
                        }
                        double r = resetResponseAfter >= 0 || loseAfterContinue ? 1.0 : roll();
                        if (r < errorRate) {
                            replyError();
                            return;
                        }
                        if (r < errorRate + resetRate) {
                            if (randomInt(2) == 0) {
                                resetsBeforeRequest.incrementAndGet();
                                reset();
                                return;
                            }
                            // Within the status line, so the client never learns how the request went (for a request's
                            // body, sent after 100 Continue, the server did the work all the same).
                            resetResponseAfter = randomInt(24);
                        }
                    }
                    scanRanges(tail, tailLen, buf, n);
                    tailLen = Math.min(n, tail.length - 1);
                    System.arraycopy(buf, n - tailLen, tail, 0, tailLen);
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                if (!intercepted) {
                    reset();
                }
            }
        }

        void pumpDown() {
            byte[] buf = new byte[64 * 1024];
            try {
                InputStream in = upstream.getInputStream();
                OutputStream out = client.getOutputStream();
                while (!done) {
                    int n = in.read(buf);
                    if (n < 0) {
                        client.shutdownOutput();
                        return;
                    }
                    long before;
                    synchronized (this) {
                        before = responseBytes;
                        responseBytes += n;
                    }
                    if (before == 0 && latencyMillis > 0) {
                        Thread.sleep(latencyMillis);
                    }
                    long resetAt = resetResponseAfter;
                    if (resetAt >= 0 && before + n > resetAt) {
                        out.write(buf, 0, (int) Math.max(0, resetAt - before));
                        out.flush();
                        resetsInResponse.incrementAndGet();
                        reset();
                        return;
                    }
                    long cut = cutAfter.get();
                    if (cut >= 0 && before + n > cut && cutAfter.compareAndSet(cut, -1)) {
                        out.write(buf, 0, (int) Math.max(0, cut - before));
                        out.flush();
                        cuts.incrementAndGet();
                        reset();
                        return;
                    }
                    // Before the bytes reach the client, so its next request is seen as a new turn.
                    serverSpoke = true;
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                if (!intercepted) {
                    reset();
                }
            } catch (InterruptedException e) {
                reset();
                Thread.currentThread().interrupt();
            }
        }

        /** Answers the request with an error at once, closes the connection and lets the server side go. */
        private void replyError() throws IOException {
            int pick = randomInt(3);
            int status = pick == 0 ? 500 : pick == 1 ? 503 : 429;
            String reason = pick == 0 ? "Internal Server Error" : pick == 1 ? "Slow Down" : "Too Many Requests";
            String code = pick == 0 ? "InternalError" : pick == 1 ? "SlowDown" : "TooManyRequests";
            (pick == 0 ? errors500 : pick == 1 ? errors503 : errors429).incrementAndGet();
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code
                    + "</Code><Message>injected by the test's FaultProxy</Message><RequestId>fault</RequestId></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n";
            intercepted = true;
            done = true;
            rst(upstream);
            OutputStream out = client.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            client.shutdownOutput();
            // Read what the client still sends (a body it had started) until it closes, so the close is not a reset.
            client.setSoTimeout(2000);
            InputStream in = client.getInputStream();
            byte[] sink = new byte[64 * 1024];
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            try {
                while (System.nanoTime() < deadline && in.read(sink) >= 0) {
                    // discard
                }
            } catch (IOException ignored) {
                // timeout or reset: close anyway
            }
            try {
                client.close();
            } catch (IOException ignored) {
                // closed
            }
            live.remove(this);
        }
    }

    /** Records the {@code Range: bytes=} headers in the previous chunk's tail followed by this chunk. */
    private void scanRanges(byte[] tail, int tailLen, byte[] buf, int n) {
        byte[] joined = new byte[tailLen + n];
        System.arraycopy(tail, 0, joined, 0, tailLen);
        System.arraycopy(buf, 0, joined, tailLen, n);
        String s = new String(joined, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        for (int at = s.indexOf("\r\nrange: bytes="); at >= 0; at = s.indexOf("\r\nrange: bytes=", at + 1)) {
            int from = at + "\r\nrange: bytes=".length();
            int end = s.indexOf('\r', from);
            if (end > from && end >= tailLen) { // not already seen in the previous chunk
                rangeRequests.incrementAndGet();
                ranges.add(s.substring(from, end));
            }
        }
    }

    @Override
    public void close() {
        relay.close();
        for (Conn c : live) {
            c.reset();
        }
    }
}
