package io.walship.it.s3;

import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The tests' own view of an S3 replica, through the raw SDK (not walship's storage code): which snapshots and
 * segments the bucket holds under the replica's prefix, and whether their txids chain without overlap or gap.
 */
final class S3ReplicaView {
    /** A replica object named by its key (relative to the prefix); a snapshot has first == last and level 0. */
    record Obj(String key, boolean snapshot, int level, long first, long last, long size, String etag) {
        boolean contains(Obj o) {
            return first <= o.first && o.last <= last;
        }

        boolean overlaps(Obj o) {
            return first <= o.last && o.first <= last;
        }
    }

    private final S3Client client;
    private final String bucket;
    private final String prefix;

    /** {@code prefix} is the replica path inside the bucket, without slashes around it ("" for the bucket root). */
    S3ReplicaView(S3Client client, String bucket, String prefix) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    }

    String bucket() {
        return bucket;
    }

    /** Every raw key under the prefix (relative to it), walship objects or not. */
    List<S3Object> raw() {
        List<S3Object> out = new ArrayList<>();
        for (var page : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))) {
            out.addAll(page.contents());
        }
        return out;
    }

    List<Obj> objects() {
        List<Obj> out = new ArrayList<>();
        for (S3Object o : raw()) {
            String key = o.key().substring(prefix.length());
            ObjectKeys.parse(key).ifPresent(n -> out.add(new Obj(key, n.kind() == ObjectKind.SNAPSHOT, n.level(), n.firstTxid(),
                    n.lastTxid(), o.size(), o.eTag())));
        }
        out.sort(Comparator.comparingLong(Obj::first).thenComparing(o -> o.snapshot() ? 0 : 1));
        return out;
    }

    long latestTxid() {
        return objects().stream().mapToLong(Obj::last).max().orElse(0);
    }

    List<Long> snapshotTxids() {
        return objects().stream().filter(Obj::snapshot).map(Obj::first).sorted().toList();
    }

    /**
     * What is wrong with the txid chain: no snapshot; a segment that overlaps the one before it (a transaction shipped
     * twice); a gap between segments (a transaction lost); segments not starting right after the first snapshot. A
     * later snapshot at exactly the next txid (a new chain after a continuity break) continues the chain.
     * Compaction's segments of higher levels hold exactly runs of lower-level ones: a lower-level segment inside a
     * higher one is no overlap and is left out of the chain, one that shares only part of its txids with it is.
     */
    static List<String> continuityProblems(List<Obj> objects) {
        List<String> problems = new ArrayList<>();
        List<Obj> snapshots = objects.stream().filter(Obj::snapshot).toList();
        List<Obj> all = objects.stream().filter(o -> !o.snapshot()).toList();
        for (Obj lower : all) {
            for (Obj higher : all) {
                if (higher.level() > lower.level() && higher.overlaps(lower) && !higher.contains(lower)) {
                    problems.add("level-" + higher.level() + " segment " + higher.key() + " holds part of " + lower.key());
                }
            }
        }
        List<Obj> segments = all.stream()
                .filter(lower -> all.stream().noneMatch(h -> h.level() > lower.level() && h.contains(lower)))
                .sorted(Comparator.comparingLong(Obj::first)).toList();
        if (snapshots.isEmpty()) {
            problems.add("the replica has no snapshot");
            return problems;
        }
        long first = snapshots.stream().mapToLong(Obj::first).min().orElseThrow();
        long latest = objects.stream().mapToLong(Obj::last).max().orElseThrow();
        TreeSet<Long> snapshotTxids = new TreeSet<>(snapshots.stream().map(Obj::first).toList());
        long expected = first + 1;
        for (Obj s : segments) {
            while (snapshotTxids.contains(expected) && expected < s.first()) {
                expected++;
            }
            if (s.first() < expected) {
                problems.add("segment " + s.key() + " overlaps what comes before it (txids up to " + (expected - 1)
                        + " are already held): a transaction would be shipped twice");
            } else if (s.first() > expected) {
                problems.add("no segment holds txids " + expected + ".." + (s.first() - 1) + " (next segment " + s.key() + ")");
            }
            expected = Math.max(expected, s.last() + 1);
        }
        while (snapshotTxids.contains(expected)) {
            expected++;
        }
        if (expected - 1 != latest) {
            problems.add("segments end at txid " + (expected - 1) + " but the replica's latest txid is " + latest);
        }
        for (Obj s : snapshots) {
            if (s.first() > latest || s.first() < first) {
                problems.add("snapshot " + s.key() + " outside [" + first + ", " + latest + "]");
            }
        }
        return problems;
    }

    String summary() {
        List<Obj> objs = objects();
        return objs.size() + " objects, snapshots at " + objs.stream().filter(Obj::snapshot).map(o -> Long.toString(o.first()))
                .collect(Collectors.joining(",")) + ", " + objs.stream().filter(o -> !o.snapshot()).count() + " segments, latest txid "
                + objs.stream().mapToLong(Obj::last).max().orElse(0);
    }
}
