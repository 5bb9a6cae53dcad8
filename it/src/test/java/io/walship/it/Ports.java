package io.walship.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Ports for the daemon's HTTP server (metrics, status) in the tests. */
public final class Ports {
    private Ports() {
    }

    /** A loopback port that was free a moment ago (another process may take it before the daemon binds it). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
