package io.walship.bench;

import io.walship.it.TcpRelay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A pass-through TCP proxy in front of an S3 server that reads the HTTP/1.1 requests going through it (request line,
 * headers, and the body's framing by {@code Content-Length} or chunked encoding) and records each one as an
 * {@link Exchange}: which client sent it, what S3 operation it is, when it started, when its body ended and when the
 * response began. Bytes are forwarded unchanged, so signed requests stay valid.
 *
 * <p>The client is the first product token of the {@code User-Agent} header ({@code aws-sdk-java} for walship,
 * {@code aws-sdk-go} for Litestream). Path-style addressing is assumed: a GET without an object key is a LIST.
 *
 * <p>Shared across threads: each connection has two pump threads; {@link #exchanges()} may be read at any time.
 */
final class CountingProxy implements AutoCloseable {
    /** The S3 operation of a request, by method and path. */
    enum Op { GET, PUT, LIST, DELETE, HEAD, POST, OTHER }

    /** One request and the start of its response. Times are {@link System#nanoTime()}. */
    static final class Exchange {
        final String client;
        final Op op;
        final String target;
        final long bodyBytes;
        final long startNanos;
        volatile long bodyEndNanos;
        volatile long responseNanos;

        Exchange(String client, Op op, String target, long bodyBytes, long startNanos) {
            this.client = client;
            this.op = op;
            this.target = target;
            this.bodyBytes = bodyBytes;
            this.startNanos = startNanos;
        }

        /** When the server had the whole request and answered: the response's first byte, else the body's end. */
        long doneNanos() {
            long r = responseNanos;
            return r != 0 ? r : bodyEndNanos;
        }

        @Override
        public String toString() {
            return client + " " + op + " " + target + " (" + bodyBytes + " bytes)";
        }
    }

    private final TcpRelay relay;
    private final List<Exchange> exchanges = new ArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private CountingProxy(int targetPort) throws IOException {
        this.relay = TcpRelay.listen("counting-proxy", targetPort);
        relay.accept(client -> relay.submit(() -> open(client)));
    }

    /** A counting proxy on a random loopback port in front of 127.0.0.1:{@code targetPort}. */
    static CountingProxy start(int targetPort) throws IOException {
        return new CountingProxy(targetPort);
    }

    URI endpoint() {
        return relay.endpoint();
    }

    /** Every exchange so far, in the order their headers arrived. */
    List<Exchange> exchanges() {
        synchronized (exchanges) {
            return List.copyOf(exchanges);
        }
    }

    /** How many exchanges there are so far: a mark for {@link #since(int)}. */
    int mark() {
        synchronized (exchanges) {
            return exchanges.size();
        }
    }

    /** The exchanges after {@code mark}. */
    List<Exchange> since(int mark) {
        synchronized (exchanges) {
            return List.copyOf(exchanges.subList(Math.min(mark, exchanges.size()), exchanges.size()));
        }
    }

    /** The S3 operation of a request line's method and target, path style. */
    static Op classify(String method, String requestTarget) {
        String path = requestTarget;
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.startsWith("http://") || path.startsWith("https://")) {
            path = URI.create(path).getRawPath();
        }
        String rest = path.startsWith("/") ? path.substring(1) : path;
        int slash = rest.indexOf('/');
        boolean hasKey = slash >= 0 && slash < rest.length() - 1;
        return switch (method) {
            case "GET" -> hasKey ? Op.GET : Op.LIST;
            case "PUT" -> Op.PUT;
            case "DELETE" -> Op.DELETE;
            case "HEAD" -> Op.HEAD;
            case "POST" -> Op.POST;
            default -> Op.OTHER;
        };
    }

    /** The first product token of a User-Agent header: {@code aws-sdk-go/1.44 (go1.21)} gives {@code aws-sdk-go}. */
    static String client(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "unknown";
        }
        String first = userAgent.strip().split("[\\s/]", 2)[0];
        return first.toLowerCase(Locale.ROOT);
    }

    private void open(Socket client) {
        Optional<Socket> connected = relay.connect(client);
        if (connected.isEmpty()) {
            return;
        }
        Socket upstream = connected.get();
        open.add(client);
        open.add(upstream);
        Queue<Exchange> awaitingResponse = new ConcurrentLinkedQueue<>();
        relay.submit(() -> pumpRequests(client, upstream, awaitingResponse));
        relay.submit(() -> pumpResponses(upstream, client, awaitingResponse));
    }

    /** Client to server: forwards every byte and parses the request framing as it goes. */
    private void pumpRequests(Socket client, Socket upstream, Queue<Exchange> awaitingResponse) {
        RequestParser parser = new RequestParser(awaitingResponse);
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = client.getInputStream();
            OutputStream out = upstream.getOutputStream();
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    upstream.shutdownOutput();
                    return;
                }
                parser.feed(buf, 0, n);
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** Server to client: forwards every byte and notes when the response to a complete request begins. */
    private void pumpResponses(Socket upstream, Socket client, Queue<Exchange> awaitingResponse) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    client.shutdownOutput();
                    return;
                }
                // A response that starts before its request's body ended (100 Continue) is not the final one.
                Exchange e = awaitingResponse.poll();
                if (e != null) {
                    e.responseNanos = System.nanoTime();
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** The request side of one connection, parsed incrementally: head, then body by length or chunks. */
    private final class RequestParser {
        private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER }

        private final Queue<Exchange> awaitingResponse;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private State state = State.HEAD;
        private long remaining;
        private long headStart;
        private Exchange current;

        RequestParser(Queue<Exchange> awaitingResponse) {
            this.awaitingResponse = awaitingResponse;
        }

        void feed(byte[] b, int off, int len) {
            int i = off;
            int end = off + len;
            while (i < end) {
                switch (state) {
                    case HEAD, CHUNK_SIZE, TRAILER -> {
                        if (state == State.HEAD && line.size() == 0) {
                            headStart = System.nanoTime();
                        }
                        byte c = b[i++];
                        line.write(c);
                        if (c == '\n') {
                            lineDone();
                        }
                    }
                    case BODY, CHUNK_DATA -> {
                        int take = (int) Math.min(remaining, end - i);
                        i += take;
                        remaining -= take;
                        if (remaining == 0) {
                            if (state == State.BODY) {
                                complete();
                            } else {
                                state = State.CHUNK_END;
                                remaining = 2;
                            }
                        }
                    }
                    case CHUNK_END -> {
                        i++;
                        if (--remaining == 0) {
                            state = State.CHUNK_SIZE;
                        }
                    }
                    default -> throw new IllegalStateException(state.toString());
                }
            }
        }

        private void lineDone() {
            byte[] bytes = line.toByteArray();
            switch (state) {
                case HEAD -> {
                    int n = bytes.length;
                    if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
                        line.reset();
                        head(new String(bytes, StandardCharsets.ISO_8859_1));
                    } else if (n == 2 && bytes[0] == '\r') {
                        line.reset(); // a stray CRLF between requests
                    }
                }
                case CHUNK_SIZE -> {
                    line.reset();
                    String s = new String(bytes, StandardCharsets.ISO_8859_1).strip();
                    int semi = s.indexOf(';');
                    long size = Long.parseLong(semi >= 0 ? s.substring(0, semi).strip() : s, 16);
                    if (size == 0) {
                        state = State.TRAILER;
                    } else {
                        remaining = size;
                        state = State.CHUNK_DATA;
                    }
                }
                case TRAILER -> {
                    line.reset();
                    if (bytes.length <= 2) {
                        complete();
                    }
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }

        private void head(String head) {
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String method = requestLine[0];
            String requestTarget = requestLine.length > 1 ? requestLine[1] : "/";
            long length = 0;
            boolean chunked = false;
            String userAgent = null;
            for (int k = 1; k < lines.length; k++) {
                int colon = lines[k].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = lines[k].substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = lines[k].substring(colon + 1).strip();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "user-agent" -> userAgent = value;
                    default -> {
                        // not needed
                    }
                }
            }
            current = new Exchange(client(userAgent), classify(method, requestTarget), requestTarget, length, headStart);
            synchronized (exchanges) {
                exchanges.add(current);
            }
            if (chunked) {
                state = State.CHUNK_SIZE;
            } else if (length > 0) {
                remaining = length;
                state = State.BODY;
            } else {
                complete();
            }
        }

        private void complete() {
            current.bodyEndNanos = System.nanoTime();
            awaitingResponse.add(current);
            current = null;
            state = State.HEAD;
        }
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    @Override
    public void close() {
        relay.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
