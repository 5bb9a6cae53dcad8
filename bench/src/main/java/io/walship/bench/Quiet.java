package io.walship.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Waiting for a replicator to stop talking to the S3 server, and finding its last upload. */
final class Quiet {
    private Quiet() {
    }

    /** Waits until {@code client} has sent no request for {@code quiet}, or throws at {@code deadlineNanos}. */
    static void await(CountingProxy proxy, String client, Duration quiet, long deadlineNanos)
            throws IOException, InterruptedException {
        await(proxy, client, quiet, 0, deadlineNanos);
    }

    /**
     * Waits until {@code client} has sent no request for {@code quiet}, counting the silence from no earlier than
     * {@code sinceNanos} (so a replicator that has not started to upload yet is given that long), or throws at
     * {@code deadlineNanos}.
     */
    static void await(CountingProxy proxy, String client, Duration quiet, long sinceNanos, long deadlineNanos)
            throws IOException, InterruptedException {
        while (true) {
            long last = sinceNanos;
            for (CountingProxy.Exchange e : proxy.exchanges()) {
                if (e.client.equals(client)) {
                    last = Math.max(last, Math.max(e.startNanos, e.doneNanos()));
                }
            }
            long now = System.nanoTime();
            long quietUntil = last + quiet.toNanos();
            if (now >= quietUntil) {
                return;
            }
            if (now > deadlineNanos) {
                throw new IOException(client + " did not go quiet for " + quiet);
            }
            Thread.sleep(Math.max(1, Math.min(200, (quietUntil - now) / 1_000_000)));
        }
    }

    /** When the last PUT or POST (an upload, or the end of a multipart upload) of {@code client} was answered; 0 if none. */
    static long lastUpload(List<CountingProxy.Exchange> exchanges, String client) {
        long last = 0;
        for (CountingProxy.Exchange e : exchanges) {
            if (e.client.equals(client) && (e.op == CountingProxy.Op.PUT || e.op == CountingProxy.Op.POST)) {
                last = Math.max(last, e.doneNanos());
            }
        }
        return last;
    }
}
