package io.walship.it.s3;

import static io.walship.it.RestoreCheck.checkOne;
import static io.walship.it.RestoreCheck.checkProgressNeverGoesBack;
import static io.walship.it.RestoreCheck.failed;
import static io.walship.it.RestoreCheck.inspect;
import static io.walship.it.RestoreCheck.shortDigest;

import io.walship.config.ReplicaLocation;
import io.walship.it.Digest;
import io.walship.it.Listing;
import io.walship.it.Logs;
import io.walship.it.RestoreCheck;
import io.walship.it.RestoreCheck.Restored;
import io.walship.it.Walship;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.RestoreTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The end-to-end oracle for an S3 replica, like the harness's RestoreCheck (which reads a replica folder): restores
 * the latest txid, the first snapshot, other snapshots and at least 20 random txids, and checks for every one that the
 * restore succeeds, integrity_check is ok, the file is page_count * page_size bytes, and the restored
 * (progress.tx = i, digest) is exactly the writer's digest for i; i never goes back as the txid grows; the latest txid
 * is the writer's final state. The raw bucket listing must chain its txids without overlap or gap, and
 * {@code walship ls --json} must agree with it.
 *
 * <p>Restores run through the real jar for the latest txid, the default (no --txid), {@code --timestamp now} and a few
 * random txids; the other txids are restored in this JVM with the same Restorer and S3 storage the jar uses (a JVM
 * start per restore would cost a second each), each through a storage of its own, like each run of the jar.
 */
final class S3RestoreCheck {
    /** What the check saw. */
    record Report(List<S3ReplicaView.Obj> objects, TreeMap<Long, Restored> byTxid, long finalI, String finalDigest, long latest) {
    }

    private final S3ReplicaView view;
    private final String url;
    private final Map<String, String> env;
    private final Path digestFile;
    private final Path workDir;
    private int randomTxids = 20;
    private int viaJar = 3;
    private boolean namedViaJar = true;
    private long seed = System.nanoTime();
    private Supplier<String> diagnostics = () -> "";

    S3RestoreCheck(S3ReplicaView view, String url, Map<String, String> env, Path digestFile, Path workDir) {
        this.view = view;
        this.url = url;
        this.env = env;
        this.digestFile = digestFile;
        this.workDir = workDir;
    }

    S3RestoreCheck randomTxids(int n) {
        randomTxids = n;
        return this;
    }

    /** How many of the random txids are restored with the jar (the rest in this JVM). */
    S3RestoreCheck viaJar(int n) {
        viaJar = n;
        return this;
    }

    /**
     * Whether the latest txid, the default (no --txid) and {@code --timestamp now} are restored with the jar (the
     * default) or in this JVM; {@code ls --json} always runs the jar.
     */
    S3RestoreCheck namedViaJar(boolean b) {
        namedViaJar = b;
        return this;
    }

    S3RestoreCheck seed(long s) {
        seed = s;
        return this;
    }

    S3RestoreCheck diagnostics(Supplier<String> d) {
        diagnostics = d;
        return this;
    }

    Report run() throws Exception {
        TreeMap<Long, String> digests = Digest.readFile(digestFile);
        long finalI = digests.lastKey();
        String finalDigest = digests.get(finalI);
        List<String> problems = new ArrayList<>();

        List<S3ReplicaView.Obj> objects = view.objects();
        problems.addAll(S3ReplicaView.continuityProblems(objects));
        if (objects.stream().noneMatch(S3ReplicaView.Obj::snapshot)) {
            throw new AssertionError("the replica has no snapshot: " + view.summary() + "\n" + diagnostics.get());
        }
        long first = objects.stream().filter(S3ReplicaView.Obj::snapshot).mapToLong(S3ReplicaView.Obj::first).min().orElseThrow();
        long latest = objects.stream().mapToLong(S3ReplicaView.Obj::last).max().orElseThrow();

        Random rnd = new Random(seed);
        TreeSet<Long> inProcess = new TreeSet<>();
        inProcess.add(first);
        List<Long> snaps = objects.stream().filter(S3ReplicaView.Obj::snapshot).map(S3ReplicaView.Obj::first).sorted()
                .collect(Collectors.toCollection(ArrayList::new));
        while (snaps.size() > 8) {
            snaps.remove(1 + rnd.nextInt(snaps.size() - 1));
        }
        inProcess.addAll(snaps);
        long range = latest - first + 1;
        Set<Long> random = new HashSet<>();
        while (random.size() < Math.min(randomTxids, range)) {
            random.add(first + (long) (rnd.nextDouble() * range));
        }
        List<Long> randomList = new ArrayList<>(new TreeSet<>(random));
        Collections.shuffle(randomList, rnd);
        TreeSet<Long> jarTxids = new TreeSet<>(randomList.subList(0, Math.min(viaJar, randomList.size())));
        if (namedViaJar) {
            jarTxids.add(latest);
        }
        inProcess.add(latest);
        inProcess.addAll(randomList);
        inProcess.removeAll(jarTxids);

        Files.createDirectories(workDir);
        TreeMap<Long, Restored> byTxid = new TreeMap<>();
        Restored byDefault;
        Restored byTimestamp;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<List<String>> ls = pool.submit(() -> checkLs(objects));
            TreeMap<Long, Future<Restored>> futures = new TreeMap<>();
            for (long t : jarTxids) {
                futures.put(t, pool.submit(() -> restoreWithJar(t, null, "jar-txid-" + t)));
            }
            Instant now = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
            Future<Restored> fDefault = pool.submit(() -> namedViaJar ? restoreWithJar(null, null, "jar-default")
                    : restoreInProcess(url, env, RestoreTarget.latest(), -1, workDir.resolve("restore-default.db")));
            Future<Restored> fTimestamp = pool.submit(() -> namedViaJar ? restoreWithJar(null, now.toString(), "jar-timestamp")
                    : restoreInProcess(url, env, RestoreTarget.timestamp(now), -1, workDir.resolve("restore-timestamp.db")));
            for (long t : inProcess) {
                futures.put(t, pool.submit(() -> restoreInProcess(url, env, RestoreTarget.txid(t), t,
                        workDir.resolve("restore-txid-" + t + ".db"))));
            }
            for (var e : futures.entrySet()) {
                byTxid.put(e.getKey(), e.getValue().get());
            }
            byDefault = fDefault.get();
            byTimestamp = fTimestamp.get();
            problems.addAll(ls.get());
        } finally {
            pool.shutdownNow();
        }

        for (Restored r : byTxid.values()) {
            checkOne(r, "txid " + r.txid() + (jarTxids.contains(r.txid()) ? " (jar)" : ""), digests, problems);
        }
        checkProgressNeverGoesBack(byTxid, problems);
        Restored last = byTxid.get(latest);
        if (last.error() == null && (last.i() != finalI || !finalDigest.equals(last.digest()))) {
            problems.add("latest txid " + latest + " restores i=" + last.i() + " but the writer finished at i=" + finalI);
        }
        String via = namedViaJar ? " (jar)" : " (in-process)";
        for (Restored r : List.of(byDefault, byTimestamp)) {
            String what = (r == byDefault ? "restore of the latest state" : "restore at the timestamp now") + via;
            checkOne(r, what, digests, problems);
            if (r.error() == null && (r.i() != finalI || !finalDigest.equals(r.digest()))) {
                problems.add(what + " gives i=" + r.i() + ", expected the latest state i=" + finalI);
            }
        }
        String table = table(objects, byTxid, jarTxids, byDefault, byTimestamp, finalI, latest, namedViaJar ? "jar" : "in-process");
        System.out.println(table);
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problem(s) restoring " + ReplicaLocation.redact(url) + " (seed " + seed + "):\n  - "
                    + String.join("\n  - ", problems) + "\n" + table + "\n" + diagnostics.get());
        }
        if (byTxid.size() < Math.min(randomTxids, range)) {
            throw new AssertionError("only " + byTxid.size() + " txids restored");
        }
        return new Report(objects, byTxid, finalI, finalDigest, latest);
    }

    /**
     * Restores {@code target} in this JVM through a storage of its own, as every {@code walship restore} process has its
     * own. Restores that run at once must not share one: each reads ahead as many objects as the storage's connection
     * pool holds, and an object read ahead keeps its connection until its restore gets to it, so restores sharing a pool
     * can each hold every connection another one waits for. (S3OutageTest's three at once, sharing one storage, waited
     * 6 x 10 s for a connection that never came free; then one failed and the other two went on.)
     */
    static Restored restoreInProcess(String url, Map<String, String> env, RestoreTarget target, long label, Path out) {
        try (ReplicaStorage storage = S3Urls.open(url, env)) {
            return RestoreCheck.restoreInProcess(storage, target, label, out);
        } catch (IOException e) {
            return failed(label, "closing the replica storage failed: " + e, 0);
        }
    }

    /** {@code walship ls --json} must list exactly the walship objects of the raw listing, with their sizes. */
    private List<String> checkLs(List<S3ReplicaView.Obj> objects) {
        List<String> problems = new ArrayList<>();
        Walship.Result r = Walship.run(env, Duration.ofSeconds(60), "ls", "--json", url);
        if (!r.ok()) {
            problems.add("ls --json failed: " + r.describe());
            return problems;
        }
        Listing l = Listing.parse(r.stdout());
        Map<String, Long> fromLs = new TreeMap<>();
        l.snapshots().forEach(s -> fromLs.put(s.key(), s.size()));
        l.segments().forEach(s -> {
            fromLs.put(s.key(), s.size());
            if (s.transactions() != s.lastTxid() - s.firstTxid() + 1) {
                problems.add("ls: segment " + s.key() + " holds " + s.transactions() + " transactions for txids " + s.firstTxid() + ".."
                        + s.lastTxid());
            }
        });
        Map<String, Long> raw = new TreeMap<>();
        objects.forEach(o -> raw.put(o.key(), o.size()));
        if (!fromLs.equals(raw)) {
            problems.add("ls --json and the raw bucket listing disagree:\n    ls:  " + fromLs + "\n    raw: " + raw);
        }
        long max = objects.stream().mapToLong(S3ReplicaView.Obj::last).max().orElse(0);
        if (l.latestTxid() != max) {
            problems.add("ls --json says latestTxid " + l.latestTxid() + " but the raw listing's highest txid is " + max);
        }
        return problems;
    }

    private Restored restoreWithJar(Long txid, String timestamp, String name) {
        Path out = workDir.resolve("restore-" + name + ".db");
        Walship.Result r = Walship.run(env, Walship.SHORT_LIVED, Duration.ofSeconds(120),
                Walship.restoreArgs(url, out, txid, timestamp, false, false));
        if (!r.ok()) {
            return failed(txid == null ? -1 : txid, "restore failed: " + r.describe(), r.took().toMillis());
        }
        return inspect(txid == null ? -1 : txid, out, r.took().toMillis());
    }

    private static String table(List<S3ReplicaView.Obj> objects, TreeMap<Long, Restored> byTxid, Set<Long> jar, Restored byDefault,
                                Restored byTimestamp, long finalI, long latest, String namedVia) {
        StringBuilder b = new StringBuilder();
        b.append("S3 replica: ").append(objects.stream().filter(S3ReplicaView.Obj::snapshot).count()).append(" snapshot(s) at txids ")
                .append(objects.stream().filter(S3ReplicaView.Obj::snapshot).map(o -> Long.toString(o.first())).collect(Collectors.joining(",")))
                .append("; ").append(objects.stream().filter(o -> !o.snapshot()).count()).append(" segment(s); latest txid ").append(latest)
                .append("; writer final i=").append(finalI).append('\n');
        b.append("   txid ->      i  digest        pages     ms  via\n");
        for (Restored r : byTxid.values()) {
            b.append(row(Long.toString(r.txid()), r, jar.contains(r.txid()) ? "jar" : "in-process"));
        }
        b.append(row("default", byDefault, namedVia)).append(row("timestamp", byTimestamp, namedVia));
        return b.toString();
    }

    private static String row(String label, Restored r, String via) {
        if (r.error() != null) {
            return String.format("%7s -> FAILED (%s): %s%n", label, via, Logs.clip(r.error(), 600).replace('\n', ' '));
        }
        return String.format("%7s -> %6d  %s  %6d  %5d  %s %s%n", label, r.i(), shortDigest(r.digest()), r.pageCount(), r.millis(), via,
                "ok".equals(r.integrity()) ? "" : "integrity: " + r.integrity());
    }
}
