package io.walship.restore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which txids a set of snapshots and segments can restore, by the rules in {@link RestorePlanner}: from a snapshot at
 * txid S, every txid up to the end of the unbroken run of segment txids that starts at S + 1. The union of those
 * ranges, merged where they touch, is the list of restorable windows; the txids between the first window's start and
 * the replica's latest txid that no window holds are gaps.
 *
 * <p>Txids before the oldest snapshot are not a gap: retention deletes them on purpose. A snapshot taken after the
 * replicator lost continuity sits at a txid no segment holds, so the window before it and the one it starts touch,
 * and no gap is reported between them.
 *
 * @param windows restorable txid ranges in txid order, disjoint and not touching
 * @param gaps    txid ranges after the first window that no window holds, in txid order, the last one possibly running
 *                up to the replica's latest txid
 */
public record RestorableHistory(List<Window> windows, List<Gap> gaps) {

    public RestorableHistory {
        windows = List.copyOf(windows);
        gaps = List.copyOf(gaps);
    }

    /** Every txid from {@code firstTxid} to {@code lastTxid} is restorable, and when each end committed. */
    public record Window(long firstTxid, Instant firstTime, long lastTxid, Instant lastTime) {
    }

    /** Txids {@code firstTxid..lastTxid} cannot be restored from any snapshot. */
    public record Gap(long firstTxid, long lastTxid) {
        public String describe() {
            return firstTxid == lastTxid ? "txid " + firstTxid : "txids " + firstTxid + ".." + lastTxid;
        }
    }

    /** How far one snapshot reaches: the last txid its segments carry it to without a gap, and that txid's time. */
    record Chain(ReplicaListing.Entry snapshot, long lastTxid, Instant lastTime) {
    }

    /** Whether the history has no gap and at least one window. */
    public boolean complete() {
        return !windows.isEmpty() && gaps.isEmpty();
    }

    /**
     * Computes the windows and gaps of the given objects, whose headers have been read and checked against their keys.
     *
     * @param latestTxid the replica's latest txid, so that missing txids at the end count as a gap
     */
    public static RestorableHistory of(List<ReplicaListing.Entry> snapshots, List<ReplicaListing.Entry> segments,
                                       long latestTxid) {
        List<Window> windows = new ArrayList<>();
        for (Chain chain : chains(snapshots, segments)) {
            Window w = new Window(chain.snapshot().object().lastTxid(), chain.snapshot().lastTime(),
                    chain.lastTxid(), chain.lastTime());
            Window last = windows.isEmpty() ? null : windows.get(windows.size() - 1);
            if (last != null && w.firstTxid() <= last.lastTxid() + 1) {
                if (w.lastTxid() > last.lastTxid()) {
                    windows.set(windows.size() - 1, new Window(last.firstTxid(), last.firstTime(), w.lastTxid(),
                            w.lastTime()));
                }
            } else {
                windows.add(w);
            }
        }
        List<Gap> gaps = new ArrayList<>();
        for (int i = 1; i < windows.size(); i++) {
            gaps.add(new Gap(windows.get(i - 1).lastTxid() + 1, windows.get(i).firstTxid() - 1));
        }
        if (!windows.isEmpty() && windows.get(windows.size() - 1).lastTxid() < latestTxid) {
            gaps.add(new Gap(windows.get(windows.size() - 1).lastTxid() + 1, latestTxid));
        }
        return new RestorableHistory(windows, gaps);
    }

    /**
     * For each snapshot in txid order, how far its segments reach. Segments are merged into runs of consecutive txids
     * first (overlaps allowed, as the planner allows them), so the whole computation is one pass over each list.
     */
    static List<Chain> chains(List<ReplicaListing.Entry> snapshots, List<ReplicaListing.Entry> segments) {
        List<ReplicaListing.Entry> sortedSegments = new ArrayList<>(segments);
        sortedSegments.sort(Comparator.comparingLong((ReplicaListing.Entry e) -> e.object().firstTxid())
                .thenComparingLong(e -> e.object().lastTxid()));
        List<Run> runs = new ArrayList<>();
        for (ReplicaListing.Entry s : sortedSegments) {
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && s.object().firstTxid() <= last.lastTxid + 1) {
                if (s.object().lastTxid() > last.lastTxid) {
                    last.lastTxid = s.object().lastTxid();
                    last.lastTime = s.lastTime();
                }
            } else {
                runs.add(new Run(s.object().firstTxid(), s.object().lastTxid(), s.lastTime()));
            }
        }
        List<ReplicaListing.Entry> sortedSnapshots = new ArrayList<>(snapshots);
        sortedSnapshots.sort(Comparator.comparingLong(e -> e.object().lastTxid()));
        List<Chain> chains = new ArrayList<>();
        int r = 0;
        for (ReplicaListing.Entry snapshot : sortedSnapshots) {
            long next = snapshot.object().lastTxid() + 1;
            while (r < runs.size() && runs.get(r).lastTxid < next) {
                r++;
            }
            if (r < runs.size() && runs.get(r).firstTxid <= next) {
                chains.add(new Chain(snapshot, runs.get(r).lastTxid, runs.get(r).lastTime));
            } else {
                chains.add(new Chain(snapshot, snapshot.object().lastTxid(), snapshot.lastTime()));
            }
        }
        return chains;
    }

    /** Consecutive txids that segments hold, and when the last of them committed. */
    private static final class Run {
        final long firstTxid;
        long lastTxid;
        Instant lastTime;

        Run(long firstTxid, long lastTxid, Instant lastTime) {
            this.firstTxid = firstTxid;
            this.lastTxid = lastTxid;
            this.lastTime = lastTime;
        }
    }
}
