package io.walship.restore;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.SegmentReader;
import io.walship.replica.SnapshotReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code walship verify}: reads every object of a replica to its last byte, as a restore would, and works out what the
 * objects that pass can restore. A listing ({@code walship ls}) reads headers only, so it cannot see a damaged payload;
 * this can, at the price of downloading the whole replica.
 *
 * <p>The checks, in the order they run:
 * <ol>
 *   <li>Each object on its own, through the same readers a restore uses: header checksum, the header against the key,
 *       the content's structure (txids consecutive inside a segment, page numbers, counts), the LZ4 frame's checksum
 *       and the trailer's length and CRC32C.</li>
 *   <li>The objects no restore may combine, from their keys ({@link ReplicaCatalog#conflicts()}): several lineages,
 *       overlapping segments of one level, partial overlaps across levels, two snapshots at one txid. Each is reported;
 *       none makes an object corrupt.</li>
 *   <li>Per lineage, each verified segment against every snapshot of that lineage a restore could apply it to (the
 *       {@link ChainRule}s: same page size, same lineage in the headers): a segment that contradicts such a snapshot
 *       is reported as corrupt and taken out, and the chains are worked out again without it.</li>
 *   <li>Per lineage, txid continuity from each snapshot, the restorable windows and the gaps, from the objects still
 *       usable ({@link RestorableHistory}).</li>
 * </ol>
 * Objects deleted after the listing (retention running meanwhile) are reported as vanished, not as errors; the
 * windows are computed without them.
 */
public final class ReplicaVerifier {
    private static final Logger log = LoggerFactory.getLogger(ReplicaVerifier.class);
    /** How often a long verification reports progress at INFO. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);

    /**
     * A rule every segment must keep with each snapshot a restore could start from and then apply it to; empty when it
     * does, else the problem in a few words. The restore applies the same rules, so a violation here is a restore
     * failure waiting to happen.
     */
    @FunctionalInterface
    interface ChainRule {
        Optional<String> violation(ReplicaListing.Entry snapshot, ReplicaListing.Entry segment);
    }

    /** The segment's pages must be the size of the snapshot's, or the two come from different database histories. */
    static final ChainRule SAME_PAGE_SIZE = (snapshot, segment) ->
            snapshot.header().orElseThrow().pageSize() == segment.header().orElseThrow().pageSize()
                    ? Optional.empty()
                    : Optional.of("page size " + segment.header().orElseThrow().pageSize() + " differs from snapshot "
                            + snapshot.object().key() + "'s " + snapshot.header().orElseThrow().pageSize()
                            + "; the objects are not from the same database history");

    /**
     * A segment applies only to snapshots of its own lineage, as its verified header says. The verifier works out
     * chains per lineage as the keys name them, and every header must match its key, so this holds for what passed the
     * object checks; it is checked on the headers all the same, since applying one history's transactions to another's
     * snapshot would restore a database that never existed.
     */
    static final ChainRule SAME_LINEAGE = (snapshot, segment) ->
            snapshot.header().orElseThrow().lineage().equals(segment.header().orElseThrow().lineage())
                    ? Optional.empty()
                    : Optional.of("lineage " + segment.header().orElseThrow().lineage() + " differs from snapshot "
                            + snapshot.object().key() + "'s " + snapshot.header().orElseThrow().lineage()
                            + "; the objects are not from the same database history");

    /** The rules every segment keeps with each snapshot a restore could apply it to. */
    static final List<ChainRule> CHAIN_RULES = List.of(SAME_LINEAGE, SAME_PAGE_SIZE);

    private final ReplicaCatalog catalog;
    private final Clock clock;

    public ReplicaVerifier(ReplicaCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * Verifies every object of the catalog.
     *
     * @throws RestoreException only when the storage itself fails ({@link RestoreException.Reason#REPLICA_IO}); what is
     *                          wrong with objects is in the report
     */
    public VerifyReport verify() throws RestoreException {
        List<ReplicaObject> all = new ArrayList<>(catalog.snapshots());
        all.addAll(catalog.segments());
        Instant started = clock.instant();
        Instant lastReport = started;
        long bytes = 0;
        Map<ReplicaObject, ObjectCheck> checks = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            ReplicaObject o = all.get(i);
            ObjectCheck check = check(o);
            checks.put(o, check);
            bytes += o.size();
            if (check instanceof ObjectCheck.Corrupt c) {
                log.debug("{}", c.describe());
            }
            Instant now = clock.instant();
            if (Duration.between(lastReport, now).compareTo(PROGRESS_INTERVAL) >= 0) {
                log.info("verified {} of {} objects ({} bytes)", i + 1, all.size(), bytes);
                lastReport = now;
            }
        }
        SortedMap<Lineage, ReplicaSummary> summaries = new TreeMap<>();
        SortedMap<Lineage, List<ReplicaObject>> byLineage = HistoryConflict.byLineage(all);
        for (Map.Entry<Lineage, List<ReplicaObject>> lineage : byLineage.entrySet()) {
            Map<ReplicaObject, ObjectCheck> mine = new LinkedHashMap<>();
            lineage.getValue().forEach(o -> mine.put(o, checks.get(o)));
            applyChainRules(mine);
            checks.putAll(mine);
            List<ReplicaListing.Entry> snapshots = new ArrayList<>();
            List<ReplicaListing.Entry> segments = new ArrayList<>();
            collectUsable(mine, snapshots, segments);
            long latest = lineage.getValue().stream().mapToLong(ReplicaObject::lastTxid).max().orElse(0);
            summaries.put(lineage.getKey(), ReplicaSummary.of(RestorableHistory.of(snapshots, segments, latest),
                    lineage.getValue(), latest));
        }
        VerifyReport report = new VerifyReport(catalog.replica(), List.copyOf(checks.values()), summaries,
                catalog.conflicts());
        log.info("verified {} objects ({} bytes) of {} in {} ms: {} ok, {} corrupt, {} vanished, {} conflict(s)",
                all.size(), bytes, catalog.replica(), Duration.between(started, clock.instant()).toMillis(),
                report.verifiedCount(), report.corrupt().size(), report.vanished().size(), report.conflicts().size());
        return report;
    }

    /** Reads one object to its end through the reader a restore would use. */
    private ObjectCheck check(ReplicaObject object) throws RestoreException {
        try (InputStream in = new BufferedInputStream(catalog.storage().get(object.key(), 0), 1 << 16)) {
            ObjectHeader header = object.isSnapshot() ? readSnapshot(object, in) : readSegment(object, in);
            return new ObjectCheck.Verified(object, header);
        } catch (CorruptObjectException e) {
            return new ObjectCheck.Corrupt(object, e.problem());
        } catch (ObjectNotFoundException e) {
            log.debug("{} disappeared after it was listed", object.key());
            return new ObjectCheck.Vanished(object);
        } catch (IOException e) {
            throw RestoreException.fromReplica(e, catalog.replica());
        }
    }

    private static ObjectHeader readSnapshot(ReplicaObject object, InputStream in) throws IOException {
        try (SnapshotReader reader = new SnapshotReader(object.key(), in)) {
            ReplicaCatalog.checkMatchesKey(object, reader.header());
            byte[] page = new byte[reader.header().pageSize()];
            while (reader.nextPage(page) != 0) {
                // Every page is read so that the trailer's checksums cover all of them.
            }
            return reader.header();
        }
    }

    private static ObjectHeader readSegment(ReplicaObject object, InputStream in) throws IOException {
        try (SegmentReader reader = new SegmentReader(object.key(), in)) {
            ReplicaCatalog.checkMatchesKey(object, reader.header());
            while (reader.nextTransaction() != null) {
                // nextTransaction reads past the pages of the previous transaction, and verifies the trailer at the end.
            }
            return reader.header();
        }
    }

    /**
     * Marks segments that break a {@link ChainRule} with a snapshot that reaches them as corrupt. Taking one out can
     * shorten chains, so the chains are worked out again until no rule is broken; each round removes at least one
     * segment, so this ends.
     */
    private static void applyChainRules(Map<ReplicaObject, ObjectCheck> checks) {
        while (true) {
            List<ReplicaListing.Entry> snapshots = new ArrayList<>();
            List<ReplicaListing.Entry> segments = new ArrayList<>();
            collectUsable(checks, snapshots, segments);
            boolean changed = false;
            for (RestorableHistory.Chain chain : RestorableHistory.chains(snapshots, segments)) {
                long from = chain.snapshot().object().lastTxid() + 1;
                for (ReplicaListing.Entry segment : segments) {
                    if (segment.object().lastTxid() < from || segment.object().firstTxid() > chain.lastTxid()
                            || !(checks.get(segment.object()) instanceof ObjectCheck.Verified)) {
                        continue;
                    }
                    for (ChainRule rule : CHAIN_RULES) {
                        Optional<String> violation = rule.violation(chain.snapshot(), segment);
                        if (violation.isPresent()) {
                            checks.put(segment.object(), new ObjectCheck.Corrupt(segment.object(), violation.get()));
                            changed = true;
                            break;
                        }
                    }
                }
            }
            if (!changed) {
                return;
            }
        }
    }

    private static void collectUsable(Map<ReplicaObject, ObjectCheck> checks, List<ReplicaListing.Entry> snapshots,
                                      List<ReplicaListing.Entry> segments) {
        for (ObjectCheck c : checks.values()) {
            if (c instanceof ObjectCheck.Verified v) {
                (v.object().isSnapshot() ? snapshots : segments).add(new ReplicaListing.Entry(v.object(), v.header()));
            }
        }
    }
}
