package io.walship.replicator;

import io.walship.replica.Crc32c;
import io.walship.replica.ObjectExistsException;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live-writer lease of one replica path: at most one walship writes there at a time, even when two write the same
 * lineage (two hosts restored from one backup). A lease is a sequence of small immutable objects
 * {@code lease/<16 hex sequence>}, each naming its holder and an expiry; taking or renewing it puts the next sequence
 * number create-only, so of two writers racing for one number exactly one gets it, and the loser reads who won.
 *
 * <p>The lease is renewed with the uploads a writer makes anyway, at most every {@link #RENEW_EVERY}; an idle writer
 * makes no request at all, and before its first upload after an idle spell longer than the lease it checks that
 * nobody took the path over meanwhile. A writer whose lease another live holder took stops writing that replica.
 *
 * <p>Before it takes over another writer's lease (expired or released), a writer asks its {@link TakeOverCheck}
 * whether the replica is still where it last saw it: the other writer may have uploaded within its lease after this
 * one last listed the path, and continuing from a stale position would mix two histories under one lineage.
 *
 * <p>Object bytes, one {@code key value} line each, the last one a CRC32C of everything before it:
 * <pre>
 * walship-lease 1
 * holder &lt;random id of the writing process&gt;
 * host &lt;host name&gt;
 * pid &lt;process id&gt;
 * lineage &lt;16 hex&gt;
 * started &lt;ms since the epoch&gt;
 * expires &lt;ms since the epoch&gt;
 * crc32c &lt;8 hex&gt;
 * </pre>
 * Expiry uses the writer's wall clock: hosts sharing a path must keep their clocks within a few seconds.
 *
 * <p>Shared by a replica's shipping thread and its {@link Compactor}: {@link #beforeUpload()} and {@link #release()}
 * are synchronized.
 */
final class ReplicaLease {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLease.class);
    static final String PREFIX = "lease/";
    static final Duration DURATION = Duration.ofSeconds(30);
    static final Duration RENEW_EVERY = Duration.ofSeconds(10);
    private static final Pattern KEY = Pattern.compile("lease/([0-9a-f]{16})");
    private static final int KEEP = 3;

    /** A lease object's content. */
    record Holder(String id, String host, long pid, long lineage, Instant started, Instant expires) {
        String describe() {
            return "pid " + pid + " on " + host + (expires.equals(Instant.EPOCH) ? " (released)" : " (lease until " + expires + ")");
        }
    }

    /**
     * Confirms, before this writer takes over another writer's lease, that the replica holds nothing this writer does
     * not know of; throws (an owner conflict) when it does.
     */
    @FunctionalInterface
    interface TakeOverCheck {
        void confirm() throws IOException;
    }

    /** Another live walship holds the path. */
    static final class HeldException extends IOException {
        HeldException(String message) {
            super(message);
        }
    }

    private final ReplicaStorage storage;
    private final Clock clock;
    private final Holder me;
    private final Path scratch;
    private final TakeOverCheck takeOverCheck;
    private long sequence = -1;
    private Instant renewed;
    /** Another holder's lease seen live, which may belong to a writer that died: taken over once it expires unrenewed. */
    private Newest waitingFor;

    /**
     * @param holderId the spool's id: a walship that restarts with the same spool is the same writer and takes its own
     *     lease back at once, even when a crash left it unexpired
     * @param takeOverCheck run before this writer takes over another writer's lease
     */
    ReplicaLease(ReplicaStorage storage, Clock clock, String holderId, long lineage, Path scratch,
                 TakeOverCheck takeOverCheck) {
        this.storage = storage;
        this.clock = clock;
        this.scratch = scratch;
        this.takeOverCheck = takeOverCheck;
        Instant now = clock.instant();
        this.me = new Holder(holderId, hostName(), ProcessHandle.current().pid(), lineage, now, now);
    }

    /**
     * Called before every upload: takes the lease if this writer does not hold it, renews it when due, and re-checks
     * after an idle spell longer than the lease. Costs no request when the last renewal is recent.
     */
    synchronized void beforeUpload() throws IOException {
        Instant now = clock.instant();
        if (renewed != null && now.isBefore(renewed.plus(RENEW_EVERY))) {
            return;
        }
        boolean idleTooLong = renewed == null || !now.isBefore(renewed.plus(DURATION));
        Newest newest = newest();
        if (newest.holder().isPresent() && !newest.holder().get().id().equals(me.id())) {
            Holder other = newest.holder().get();
            if (sequence >= 0) {
                // This writer held the lease, and someone took it over while it was idle.
                throw new HeldException("replica " + storage.describe() + " is written by another walship, "
                        + other.describe() + ", which took it over while this one was idle; one walship per replica path");
            }
            boolean released = other.expires().equals(Instant.EPOCH);
            if (waitingFor != null && waitingFor.sequence() != newest.sequence() && !released) {
                // The other holder renewed its lease while this one waited: it is alive and writing.
                throw new HeldException("replica " + storage.describe() + " is written by another walship, "
                        + other.describe() + "; one walship per replica path");
            }
            if (other.expires().isAfter(now)) {
                if (waitingFor == null) {
                    log.warn("{}: another walship holds the writer's lease ({}); waiting for it to expire or be renewed",
                            storage.describe(), other.describe());
                }
                waitingFor = newest;
                throw new LeaseWaitException("waiting for the lease of " + other.describe());
            }
            // The other writer may have uploaded after this one last listed the path: never continue a stale position.
            takeOverCheck.confirm();
            if (released) {
                log.info("{}: taking over the writer's lease of {}", storage.describe(), other.describe());
            } else {
                log.warn("{}: taking over the writer's lease of {}, which expired without renewal", storage.describe(),
                        other.describe());
            }
        } else if (newest.holder().isEmpty() && newest.sequence() >= 0) {
            // An unreadable lease object: its writer is unknown, so check as for any other writer's.
            takeOverCheck.confirm();
        }
        put(newest.sequence() + 1, now, now.plus(DURATION));
        waitingFor = null;
    }

    /**
     * Who holds the path's newest lease, as messages name a writer ({@code pid 12 on host (lease until ...)}), for an
     * error about another writer; {@code "no lease"} or {@code "holder unknown"} when that cannot be told.
     */
    String newestHolder() {
        try {
            Newest n = newest();
            return n.sequence() < 0 ? "no lease" : n.holder().map(Holder::describe).orElse("holder unknown");
        } catch (IOException e) {
            return "holder unknown";
        }
    }

    /** This writer must wait: another holder's unexpired lease may belong to a walship that died. Retried with backoff. */
    static final class LeaseWaitException extends IOException {
        LeaseWaitException(String message) {
            super(message);
        }
    }

    /** Gives the lease up (a clean stop), so that another walship may write the path at once. */
    synchronized void release() {
        if (sequence < 0) {
            return;
        }
        try {
            // Expired since the epoch: released, whatever anyone's clock says.
            put(sequence + 1, clock.instant(), Instant.EPOCH);
            log.debug("{}: released the writer's lease", storage.describe());
        } catch (IOException e) {
            log.debug("releasing the lease of {} failed; it expires by itself", storage.describe(), e);
        }
    }

    /** The highest lease object and what it says (empty when unreadable or absent). */
    private record Newest(long sequence, Optional<Holder> holder) {
    }

    private Newest newest() throws IOException {
        long best = -1;
        List<Long> all = new ArrayList<>();
        for (ObjectInfo info : storage.list(PREFIX)) {
            Matcher m = KEY.matcher(info.key());
            if (m.matches()) {
                long seq = Long.parseUnsignedLong(m.group(1), 16);
                all.add(seq);
                best = Math.max(best, seq);
            }
        }
        if (best < 0) {
            return new Newest(-1, Optional.empty());
        }
        return new Newest(best, read(best));
    }

    private Optional<Holder> read(long seq) throws IOException {
        try {
            byte[] bytes = storage.getRange(key(seq), 0, 4096);
            return parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    private void put(long seq, Instant now, Instant expires) throws IOException {
        Holder h = new Holder(me.id(), me.host(), me.pid(), me.lineage(), me.started(), expires);
        Path file = Files.createTempFile(scratch, "lease", ".tmp");
        try {
            Files.writeString(file, encode(h));
            storage.put(key(seq), file);
        } catch (ObjectExistsException e) {
            Optional<Holder> winner = read(seq);
            throw new HeldException("replica " + storage.describe() + " was taken by another walship at the same moment ("
                    + winner.map(Holder::describe).orElse("holder unknown") + "); one walship per replica path");
        } finally {
            Files.deleteIfExists(file);
        }
        // Stores that do not honour create-only puts let the last writer win: read back who holds it.
        Optional<Holder> check = read(seq);
        if (check.isPresent() && !check.get().id().equals(me.id())) {
            throw new HeldException("replica " + storage.describe() + " is written by another walship, "
                    + check.get().describe() + "; one walship per replica path");
        }
        if (sequence < 0) {
            log.info("{}: took the writer's lease", storage.describe());
        }
        sequence = seq;
        renewed = now;
        if (seq >= KEEP) {
            List<String> old = new ArrayList<>();
            for (long s = Math.max(0, seq - KEEP - 2); s <= seq - KEEP; s++) {
                old.add(key(s));
            }
            storage.delete(old);
        }
    }

    static String key(long seq) {
        return PREFIX + String.format("%016x", seq);
    }

    static String encode(Holder h) {
        String body = "walship-lease 1\nholder " + h.id() + "\nhost " + h.host() + "\npid " + h.pid() + "\nlineage "
                + String.format("%016x", h.lineage()) + "\nstarted " + h.started().toEpochMilli() + "\nexpires "
                + h.expires().toEpochMilli() + "\n";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return body + "crc32c " + String.format("%08x", Crc32c.of(b, 0, b.length)) + "\n";
    }

    /** Parses a lease object; empty when it is not one (damaged objects are treated as no holder: they expire). */
    static Optional<Holder> parse(String text) {
        int crcAt = text.lastIndexOf("crc32c ");
        if (!text.startsWith("walship-lease 1\n") || crcAt < 0) {
            return Optional.empty();
        }
        byte[] body = text.substring(0, crcAt).getBytes(StandardCharsets.UTF_8);
        String crc = text.substring(crcAt + 7).strip();
        if (!crc.equals(String.format("%08x", Crc32c.of(body, 0, body.length)))) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>();
        for (String line : text.substring(0, crcAt).split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                f.put(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        try {
            return Optional.of(new Holder(f.get("holder"), f.get("host"), Long.parseLong(f.get("pid")),
                    Long.parseUnsignedLong(f.get("lineage"), 16), Instant.ofEpochMilli(Long.parseLong(f.get("started"))),
                    Instant.ofEpochMilli(Long.parseLong(f.get("expires")))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String name = ManagementFactory.getRuntimeMXBean().getName();
            int at = name.indexOf('@');
            return at >= 0 ? name.substring(at + 1) : "unknown host";
        }
    }
}
