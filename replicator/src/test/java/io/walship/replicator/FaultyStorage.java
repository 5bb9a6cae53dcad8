package io.walship.replicator;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real replica storage with a fault-injection seam: every request is recorded, and one request a rule picks fails,
 * either before it reaches the storage or after it (the put or delete done, its answer lost; a GET failing halfway
 * through the object). The failure is a transient {@link IOException}, or a {@link Crash}: an unchecked error no code
 * handles (an {@link Error}, so that no {@code catch (RuntimeException)} on the way takes it for something else),
 * which stands for the process dying at that point. Thread-safe.
 */
final class FaultyStorage implements ReplicaStorage {
    enum Op { LIST, GET, GET_RANGE, PUT, DELETE }

    /** Before the request reaches the storage, or after it was carried out (for a GET: halfway through the stream). */
    enum When { BEFORE, AFTER }

    /** The process dies here: nothing after this point runs, except what a JVM runs on the way out (finally blocks). */
    static final class Crash extends Error {
        Crash(String where) {
            super("simulated crash " + where);
        }
    }

    record Request(Op op, String key) {
    }

    private record Rule(Op op, Predicate<String> key, When when, boolean crash) {
    }

    private final ReplicaStorage inner;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private Rule rule;

    FaultyStorage(ReplicaStorage inner) {
        this.inner = inner;
    }

    /** The next {@code op} on a key {@code key} accepts fails {@code when}, as a crash or a transient error. */
    synchronized void failNext(Op op, Predicate<String> key, When when, boolean crash) {
        rule = new Rule(op, key, when, crash);
    }

    synchronized void heal() {
        rule = null;
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    long count(Op op) {
        return requests().stream().filter(r -> r.op() == op).count();
    }

    private synchronized Rule take(Op op, String key) {
        Rule r = rule;
        if (r != null && r.op() == op && r.key().test(key)) {
            rule = null;
            return r;
        }
        return null;
    }

    private static Error crashOr(Rule r, String where) throws IOException {
        if (r.crash()) {
            throw new Crash(where);
        }
        throw new IOException("injected failure " + where);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void put(String key, Path source) throws IOException {
        requests.add(new Request(Op.PUT, key));
        Rule r = take(Op.PUT, key);
        if (r != null && r.when() == When.BEFORE) {
            throw crashOr(r, "before putting " + key);
        }
        inner.put(key, source);
        if (r != null) {
            throw crashOr(r, "after putting " + key);
        }
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        requests.add(new Request(Op.GET, key));
        Rule r = take(Op.GET, key);
        if (r != null && r.when() == When.BEFORE) {
            throw crashOr(r, "before reading " + key);
        }
        InputStream in = inner.get(key, offset);
        if (r == null) {
            return in;
        }
        long half = inner.getRange(key, 0, Integer.MAX_VALUE).length / 2;
        return new FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= half) {
                    throw crashOr(r, "halfway through " + key);
                }
                int n = super.read(b, off, (int) Math.min(len, half - read));
                read += Math.max(0, n);
                return n;
            }
        };
    }

    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        requests.add(new Request(Op.GET_RANGE, key));
        Rule r = take(Op.GET_RANGE, key);
        if (r != null) {
            throw crashOr(r, "reading the header of " + key);
        }
        return inner.getRange(key, offset, length);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        requests.add(new Request(Op.LIST, prefix));
        Rule r = take(Op.LIST, prefix);
        if (r != null) {
            throw crashOr(r, "listing " + prefix);
        }
        return inner.list(prefix);
    }

    /** With a rule {@link When#AFTER}, the first half of the keys is deleted before the failure. */
    @Override
    public void delete(Collection<String> keys) throws IOException {
        List<String> all = List.copyOf(keys);
        requests.add(new Request(Op.DELETE, all.isEmpty() ? "" : all.get(0)));
        Rule r = all.isEmpty() ? null : take(Op.DELETE, all.get(0));
        if (r != null && r.when() == When.BEFORE) {
            throw crashOr(r, "before deleting " + all.size() + " keys");
        }
        if (r != null) {
            inner.delete(all.subList(0, all.size() / 2));
            throw crashOr(r, "after deleting " + all.size() / 2 + " of " + all.size() + " keys");
        }
        inner.delete(all);
    }
}
