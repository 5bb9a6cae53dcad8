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

    /** A PUT smaller than this cannot carry a page of the bench's data (half random bytes: over 2 KB compressed). */
    static final long DATA_PUT_BYTES = 512;

    /**
     * When the last upload that can carry the app's data was answered; 0 if none. That is a PUT of at least
     * {@value #DATA_PUT_BYTES} bytes, or the POST that completes a multipart upload. Smaller PUTs are left out: after
     * its checkpoint Litestream uploads the bare header of its next WAL index (about 120 bytes), which holds no
     * transaction and would otherwise count as the moment the replica held the last one.
     */
    static long lastUpload(List<CountingProxy.Exchange> exchanges, String client) {
        long last = 0;
        for (CountingProxy.Exchange e : exchanges) {
            boolean data = e.op == CountingProxy.Op.PUT && e.bodyBytes >= DATA_PUT_BYTES
                    || e.op == CountingProxy.Op.POST && e.target.contains("uploadId=");
            if (e.client.equals(client) && data) {
                last = Math.max(last, e.doneNanos());
            }
        }
        return last;
    }
}
