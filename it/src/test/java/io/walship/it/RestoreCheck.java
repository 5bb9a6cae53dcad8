package io.walship.it;

import io.walship.replica.FileReplicaStorage;
import io.walship.replica.ReplicaStorage;
import io.walship.restore.RestoreOutcome;
import io.walship.restore.RestoreRequest;
import io.walship.restore.RestoreTarget;
import io.walship.restore.Restorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
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
 * The end-to-end oracle. Restores the replica at the latest txid, the first snapshot, other snapshots, any extra
 * txids a scenario names and at least 20 random txids in [first snapshot, latest], each with the real CLI into its
 * own file, and checks for every one: the restore exits 0, {@code PRAGMA integrity_check} is ok, the file is
 * page_count * page_size bytes, and the restored (progress.tx = i, digest) is exactly the writer's digest for i.
 * Across txids, i never decreases as the txid grows, and the latest txid holds the writer's final i and digest.
 * Also checks that {@code ls --json} agrees with the replica folder and that the keys cover every txid.
 */
public final class RestoreCheck {
    /** One restored database. {@code error} is non-null when the restore or reading it failed. */
    public record Restored(long txid, long i, String digest, long fileSize, long pageCount, long pageSize, String integrity,
                           String error, long millis) {
    }

    /** What the check saw; {@link #at(long)} gives the restore at a txid the check restored. */
    public record Report(Listing listing, TreeMap<Long, Restored> byTxid, long finalI, String finalDigest) {
        public Restored at(long txid) {
            Restored r = byTxid.get(txid);
            if (r == null) {
                throw new IllegalArgumentException("txid " + txid + " was not restored; restored: " + byTxid.keySet());
            }
            return r;
        }

        public Restored latest() {
            return at(listing.latestTxid());
        }
    }

    private final Path replica;
    private final Path digestFile;
    private final Path workDir;
    private int randomTxids = 20;
    private long seed = System.nanoTime();
    private final Set<Long> extra = new TreeSet<>();
    private Supplier<String> diagnostics = () -> "";
    private int parallelism = Integer.getInteger("walship.it.restoreParallelism", 2);

    private RestoreCheck(Path replica, Path digestFile, Path workDir) {
        this.replica = replica;
        this.digestFile = digestFile;
        this.workDir = workDir;
    }

    public static RestoreCheck of(Path replica, Path digestFile, Path workDir) {
        return new RestoreCheck(replica, digestFile, workDir);
    }

    public RestoreCheck randomTxids(int n) {
        randomTxids = n;
        return this;
    }

    public RestoreCheck seed(long s) {
        seed = s;
        return this;
    }

    public RestoreCheck extraTxids(Collection<Long> txids) {
        extra.addAll(txids);
        return this;
    }

    public RestoreCheck extraTxids(long... txids) {
        for (long t : txids) {
            extra.add(t);
        }
        return this;
    }

    /** Text (daemon and writer log tails) appended to the failure message. */
    public RestoreCheck diagnostics(Supplier<String> d) {
        diagnostics = d;
        return this;
    }

    public RestoreCheck parallelism(int n) {
        parallelism = n;
        return this;
    }

    /** Runs the check; throws an AssertionError listing every problem it found. */
    public Report run() throws Exception {
        TreeMap<Long, String> digests = Digest.readFile(digestFile);
        long finalI = digests.lastKey();
        String finalDigest = digests.get(finalI);
        List<String> problems = new ArrayList<>();

        Listing listing = Walship.ls(replica);
        checkListing(listing, problems);
        if (listing.snapshots().isEmpty()) {
            throw new AssertionError("the replica has no snapshot; ls --json: " + listing.json() + "\n" + diagnostics.get());
        }
        long first = listing.firstSnapshotTxid();
        long latest = listing.latestTxid();
        if (first != 1) {
            problems.add("the first snapshot of this fresh replica is at txid " + first + "; txids should start at 1");
        }

        // Which txids to restore.
        Random rnd = new Random(seed);
        TreeSet<Long> txids = new TreeSet<>();
        txids.add(latest);
        txids.add(first);
        List<Long> snaps = listing.snapshots().stream().map(Listing.Snapshot::txid).sorted().collect(Collectors.toList());
        while (snaps.size() > 8) {
            snaps.remove(1 + rnd.nextInt(snaps.size() - 1));
        }
        txids.addAll(snaps);
        for (long t : extra) {
            if (t >= first && t <= latest) {
                txids.add(t);
            } else {
                problems.add("extra txid " + t + " is outside the replica's range [" + first + ", " + latest + "]");
            }
        }
        long range = latest - first + 1;
        Set<Long> random = new HashSet<>();
        while (random.size() < Math.min(randomTxids, range) ) {
            random.add(first + (long) (rnd.nextDouble() * range));
        }
        txids.addAll(random);

        // Restore them, a few at a time.
        Files.createDirectories(workDir);
        TreeMap<Long, Restored> byTxid = new TreeMap<>();
        Restored byDefault;
        Restored byTimestamp;
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            Map<Long, Future<Restored>> futures = new TreeMap<>();
            for (long t : txids) {
                // The random picks skip restore's own integrity_check (we run it anyway) to save time; the named ones keep it.
                boolean noVerify = random.contains(t) && t != latest && t != first && !extra.contains(t) && !snaps.contains(t);
                futures.put(t, pool.submit(() -> restore(t, "txid-" + t, noVerify)));
            }
            String ts = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS).toString();
            Future<Restored> fDefault = pool.submit(() -> restore(null, "default", false));
            Future<Restored> fTimestamp = pool.submit(() -> restoreAt(ts));
            for (Map.Entry<Long, Future<Restored>> e : futures.entrySet()) {
                byTxid.put(e.getKey(), e.getValue().get());
            }
            byDefault = fDefault.get();
            byTimestamp = fTimestamp.get();
        } finally {
            pool.shutdownNow();
        }

        // Every restored database on its own.
        for (Restored r : byTxid.values()) {
            checkOne(r, "txid " + r.txid(), digests, problems);
        }
        checkProgressNeverGoesBack(byTxid, problems);
        // Consecutive txids inside a chain are consecutive writer transactions (a VACUUM commits without a new i): a
        // transaction skipped or merged shows as a jump of i between neighbouring txids.
        Set<Long> snapshotTxids = listing.snapshots().stream().map(Listing.Snapshot::txid).collect(Collectors.toSet());
        for (Restored r : byTxid.values()) {
            Restored before = byTxid.get(r.txid() - 1);
            if (before != null && r.error() == null && before.error() == null && !snapshotTxids.contains(r.txid())
                    && r.i() - before.i() > 1) {
                problems.add("txid " + r.txid() + " restores i=" + r.i() + " but txid " + before.txid() + " restores i="
                        + before.i() + ": the writer's transactions in between were skipped or merged into one txid");
            }
        }
        // The latest txid is the writer's final state.
        Restored last = byTxid.get(latest);
        if (last.error() == null && (last.i() != finalI || !last.digest().equals(finalDigest))) {
            problems.add("latest txid " + latest + " restores i=" + last.i() + " (digest " + shortDigest(last.digest())
                    + ") but the writer finished at i=" + finalI + " (digest " + shortDigest(finalDigest) + ")");
        }
        checkOne(byDefault, "restore without --txid", digests, problems);
        if (byDefault.error() == null && (byDefault.i() != finalI || !byDefault.digest().equals(finalDigest))) {
            problems.add("restore without --txid gives i=" + byDefault.i() + ", expected the latest state i=" + finalI);
        }
        checkOne(byTimestamp, "restore --timestamp <now>", digests, problems);
        if (byTimestamp.error() == null && (byTimestamp.i() != finalI || !byTimestamp.digest().equals(finalDigest))) {
            problems.add("restore --timestamp <now> gives i=" + byTimestamp.i() + ", expected the latest state i=" + finalI);
        }

        String table = table(listing, byTxid, byDefault, byTimestamp, finalI);
        System.out.println(table);
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problem(s) restoring " + replica + " (seed " + seed + "):\n  - "
                    + String.join("\n  - ", problems) + "\n" + table + "\n" + diagnostics.get());
        }
        return new Report(listing, byTxid, finalI, finalDigest);
    }

    /** The checks of one restored database: it restored, integrity_check is ok, the size adds up, and it is the writer's state. */
    /** Across txids: the writer's progress never goes back as the txid grows. */
    public static void checkProgressNeverGoesBack(TreeMap<Long, Restored> byTxid, List<String> problems) {
        Restored previous = null;
        for (Restored r : byTxid.values()) {
            if (r.error() != null) {
                continue;
            }
            if (previous != null && r.i() < previous.i()) {
                problems.add("i went back: txid " + previous.txid() + " restores i=" + previous.i() + " but the later txid "
                        + r.txid() + " restores i=" + r.i());
            }
            previous = r;
        }
    }

    public static void checkOne(Restored r, String what, TreeMap<Long, String> digests, List<String> problems) {
        if (r.error() != null) {
            problems.add(what + ": " + r.error());
            return;
        }
        if (!"ok".equals(r.integrity())) {
            problems.add(what + ": integrity_check says " + r.integrity());
        }
        if (r.fileSize() != r.pageCount() * r.pageSize()) {
            problems.add(what + ": restored file is " + r.fileSize() + " bytes but page_count " + r.pageCount() + " * page_size "
                    + r.pageSize() + " = " + r.pageCount() * r.pageSize());
        }
        String expected = digests.get(r.i());
        if (expected == null) {
            problems.add(what + ": restores progress i=" + r.i() + " which the writer never committed (it ended at "
                    + digests.lastKey() + ")");
        } else if (!expected.equals(r.digest())) {
            problems.add(what + ": restores progress i=" + r.i() + " but its items/blobs digest " + shortDigest(r.digest())
                    + " is not the writer's " + shortDigest(expected) + " for that i"
                    + matchingI(r.digest(), digests));
        }
    }

    public static String matchingI(String digest, TreeMap<Long, String> digests) {
        List<Long> is = digests.entrySet().stream().filter(e -> e.getValue().equals(digest)).map(Map.Entry::getKey).toList();
        return is.isEmpty() ? " (and no i has that digest)" : " (the content is the writer's state at i=" + is + ")";
    }

    private void checkListing(Listing l, List<String> problems) {
        long max = 0;
        Set<String> lsKeys = new TreeSet<>();
        for (Listing.Snapshot s : l.snapshots()) {
            lsKeys.add(s.key());
            max = Math.max(max, s.txid());
            var name = io.walship.replica.ObjectKeys.parse(s.key());
            if (name.isEmpty() || name.get().kind() != io.walship.replica.ObjectKind.SNAPSHOT
                    || name.get().lastTxid() != s.txid()) {
                problems.add("ls: snapshot key " + s.key() + " does not match its txid " + s.txid());
            }
        }
        for (Listing.Segment s : l.segments()) {
            lsKeys.add(s.key());
            max = Math.max(max, s.lastTxid());
            var name = io.walship.replica.ObjectKeys.parse(s.key());
            if (name.isEmpty() || name.get().kind() != io.walship.replica.ObjectKind.SEGMENT
                    || name.get().firstTxid() != s.firstTxid() || name.get().lastTxid() != s.lastTxid()) {
                problems.add("ls: segment key " + s.key() + " does not match its txids " + s.firstTxid() + "-" + s.lastTxid());
            }
            if (s.transactions() != s.lastTxid() - s.firstTxid() + 1) {
                problems.add("ls: segment " + s.key() + " has " + s.transactions() + " transactions for txids "
                        + s.firstTxid() + ".." + s.lastTxid());
            }
        }
        if (l.latestTxid() != max) {
            problems.add("ls: latestTxid " + l.latestTxid() + " but the highest txid listed is " + max);
        }
        Set<String> dirKeys = ReplicaDir.keys(replica).stream().map(ReplicaDir.Key::key).collect(Collectors.toCollection(TreeSet::new));
        if (!dirKeys.equals(lsKeys)) {
            Set<String> onlyDir = new TreeSet<>(dirKeys);
            onlyDir.removeAll(lsKeys);
            Set<String> onlyLs = new TreeSet<>(lsKeys);
            onlyLs.removeAll(dirKeys);
            problems.add("ls --json and the replica folder disagree: only in the folder " + onlyDir + ", only in ls " + onlyLs);
        }
        if (!l.snapshots().isEmpty()) {
            // Every txid from the first snapshot on is held by some snapshot or segment.
            TreeMap<Long, Long> ranges = new TreeMap<>();
            l.snapshots().forEach(s -> ranges.merge(s.txid(), s.txid(), Math::max));
            l.segments().forEach(s -> ranges.merge(s.firstTxid(), s.lastTxid(), Math::max));
            long covered = l.firstSnapshotTxid() - 1;
            for (Map.Entry<Long, Long> e : ranges.entrySet()) {
                if (e.getValue() <= covered) {
                    continue;
                }
                if (e.getKey() > covered + 1) {
                    problems.add("no snapshot or segment holds txids " + (covered + 1) + ".." + (e.getKey() - 1));
                }
                covered = Math.max(covered, e.getValue());
            }
        }
    }

    /** Restores {@code txid} (null: the default, latest) into {@code out} and reads it; the file is deleted if it is ok. */
    public static Restored restoreOne(Path replica, Long txid, Path out) {
        Walship.Result r = Walship.restore(replica, out, txid, null, false);
        return inspect(txid == null ? -1 : txid, out, r);
    }

    private Restored restoreAt(String timestamp) {
        Path out = workDir.resolve("restore-timestamp.db");
        Walship.Result r = Walship.restore(replica, out, null, timestamp, false);
        return inspect(-1, out, r);
    }

    private Restored restore(Long txid, String name, boolean noVerify) {
        Path out = workDir.resolve("restore-" + name + ".db");
        if (noVerify && txid != null) {
            // The random picks are restored by the restore module in this JVM (skipping restore's own integrity_check,
            // which inspect runs anyway): a JVM start per txid would cost most of a check of hundreds of txids. The
            // named txids, the default and the timestamp go through the real jar.
            try (FileReplicaStorage storage = new FileReplicaStorage(replica)) {
                return restoreInProcess(storage, txid, out);
            } catch (IOException e) {
                return failed(txid, "restore failed: " + e, 0);
            }
        }
        Walship.Result r = Walship.restore(replica, out, txid, null, false, noVerify);
        return inspect(txid == null ? -1 : txid, out, r);
    }

    /** Restores {@code txid} (null: latest) in this JVM into {@code out} and reads it; the file is deleted when ok. */
    public static Restored restoreInProcess(ReplicaStorage storage, Long txid, Path out) {
        return restoreInProcess(storage, txid == null ? RestoreTarget.latest() : RestoreTarget.txid(txid), txid == null ? -1 : txid, out);
    }

    /** Restores {@code target} in this JVM, without restore's own integrity_check, and reads the result as {@code label}. */
    public static Restored restoreInProcess(ReplicaStorage storage, RestoreTarget target, long label, Path out) {
        long t0 = System.nanoTime();
        try {
            Files.deleteIfExists(out);
            RestoreOutcome o = new Restorer(storage, Clock.systemUTC()).restore(RestoreRequest.to(out).withTarget(target).withVerify(false));
            if (!(o instanceof RestoreOutcome.Restored)) {
                return failed(label, "restore did nothing: " + o, 0);
            }
        } catch (Exception e) {
            return failed(label, "restore failed: " + e, (System.nanoTime() - t0) / 1_000_000);
        }
        return inspect(label, out, (System.nanoTime() - t0) / 1_000_000);
    }

    private static Restored inspect(long txid, Path out, Walship.Result r) {
        if (!r.ok()) {
            return failed(txid, "restore failed: " + r.describe(), r.took().toMillis());
        }
        return inspect(txid, out, r.took().toMillis());
    }

    /** A restore that failed with {@code error}. */
    public static Restored failed(long txid, String error, long ms) {
        return new Restored(txid, -1, null, -1, -1, -1, null, error, ms);
    }

    /** Reads the restored database {@code out}: integrity, size, pages and the writer's progress; deletes it when ok. */
    public static Restored inspect(long txid, Path out, long ms) {
        try {
            if (!Files.isRegularFile(out)) {
                return failed(txid, "the restore wrote no file " + out, ms);
            }
            long size = Files.size(out);
            Restored result;
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + out)) {
                String integrity = integrity(c);
                long pageCount = single(c, "PRAGMA page_count");
                long pageSize = single(c, "PRAGMA page_size");
                Digest.State st = Digest.read(c);
                result = new Restored(txid, st.i(), st.digest(), size, pageCount, pageSize, integrity, null, ms);
            }
            if ("ok".equals(result.integrity())) {
                deleteDb(out);
            }
            return result;
        } catch (Exception e) {
            return failed(txid, "cannot read the restored database " + out + ": " + e, ms);
        }
    }

    public static String integrity(Connection c) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        }
        return String.join("; ", lines.subList(0, Math.min(10, lines.size())));
    }

    static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first column of {@code sql}'s rows in the database {@code db}, as longs. */
    public static List<Long> column(Path db, String sql) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    static void deleteDb(Path db) {
        Walship.deleteQuietly(db);
        Walship.deleteQuietly(db.resolveSibling(db.getFileName() + "-wal"));
        Walship.deleteQuietly(db.resolveSibling(db.getFileName() + "-shm"));
        Walship.deleteQuietly(db.resolveSibling(db.getFileName() + "-journal"));
    }

    public static String shortDigest(String d) {
        return d == null ? "null" : d.substring(0, Math.min(12, d.length()));
    }

    private static String table(Listing l, TreeMap<Long, Restored> byTxid, Restored byDefault, Restored byTimestamp, long finalI) {
        StringBuilder b = new StringBuilder();
        b.append("replica: ").append(l.snapshots().size()).append(" snapshot(s) at txids ")
                .append(l.snapshots().stream().map(s -> Long.toString(s.txid())).collect(Collectors.joining(",")))
                .append("; ").append(l.segments().size()).append(" segment(s); latest txid ").append(l.latestTxid())
                .append("; writer final i=").append(finalI).append('\n');
        b.append("   txid ->      i  digest        pages  ms\n");
        for (Restored r : byTxid.values()) {
            b.append(row(Long.toString(r.txid()), r));
        }
        b.append(row("default", byDefault)).append(row("timestamp", byTimestamp));
        return b.toString();
    }

    private static String row(String label, Restored r) {
        if (r.error() != null) {
            return String.format("%7s -> FAILED: %s%n", label, Logs.clip(r.error(), 400).replace('\n', ' '));
        }
        return String.format("%7s -> %6d  %s  %6d  %5d %s%n", label, r.i(), shortDigest(r.digest()), r.pageCount(), r.millis(),
                "ok".equals(r.integrity()) ? "" : "integrity: " + r.integrity());
    }
}
