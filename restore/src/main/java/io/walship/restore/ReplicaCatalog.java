package io.walship.restore;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.Lineage;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listing of a replica's walship objects, sorted by txid, with their headers read only where the key does not
 * say enough.
 *
 * <p>The listing is one LIST of the replica (all pages of it), so planning sees one consistent set of keys; objects may
 * still disappear afterwards (retention runs concurrently), which surfaces as {@link ObjectNotFoundException} when they
 * are read. Keys that are not walship objects (directory markers, temporary uploads, anything else) are ignored, and
 * the backend's listing order is never relied on.
 *
 * <p>Format-version-2 keys carry txids, times, level and lineage, so a restore plans and {@code ls} lists from the
 * listing alone. A version-1 key names txids only: its header is read (one small range request) when its time is
 * needed, once, and kept. Headers read are checked against their key. The header cache is safe to use from several
 * threads.
 */
public final class ReplicaCatalog {
    private static final Logger log = LoggerFactory.getLogger(ReplicaCatalog.class);

    static final Comparator<ReplicaObject> BY_TXID = Comparator.comparingLong(ReplicaObject::firstTxid)
            .thenComparingLong(ReplicaObject::lastTxid).thenComparing(ReplicaObject::level)
            .thenComparing(ReplicaObject::key);

    private final ReplicaStorage storage;
    private final List<ReplicaObject> snapshots;
    private final List<ReplicaObject> segments;
    private final Map<String, ObjectHeader> headers;

    private ReplicaCatalog(ReplicaStorage storage, List<ReplicaObject> snapshots, List<ReplicaObject> segments,
                           Map<String, ObjectHeader> headers) {
        this.storage = storage;
        this.snapshots = List.copyOf(snapshots);
        this.segments = List.copyOf(segments);
        this.headers = headers;
    }

    /**
     * Lists the replica's snapshots and segments, with one LIST request (following every page).
     *
     * @throws IOException when the storage cannot be listed
     */
    public static ReplicaCatalog load(ReplicaStorage storage) throws IOException {
        Map<String, ReplicaObject> byKey = new LinkedHashMap<>();
        int ignored = 0;
        for (ObjectInfo info : storage.list("")) {
            Optional<ObjectKeys.ObjectName> name = ObjectKeys.parse(info.key());
            if (name.isEmpty()) {
                ignored++;
                log.debug("ignoring {} in {}: not a walship object key", info.key(), storage.describe());
                continue;
            }
            byKey.put(info.key(), ReplicaObject.of(name.get(), info.size()));
        }
        List<ReplicaObject> snapshots = new ArrayList<>();
        List<ReplicaObject> segments = new ArrayList<>();
        for (ReplicaObject o : byKey.values()) {
            (o.isSnapshot() ? snapshots : segments).add(o);
        }
        snapshots.sort(BY_TXID);
        segments.sort(BY_TXID);
        log.debug("listed {}: {} snapshots, {} segments, {} other keys ignored", storage.describe(), snapshots.size(),
                segments.size(), ignored);
        return new ReplicaCatalog(storage, snapshots, segments, new ConcurrentHashMap<>());
    }

    /** The same listing restricted to one lineage's objects, sharing the headers read so far. */
    public ReplicaCatalog only(Lineage lineage) {
        return new ReplicaCatalog(storage, snapshots.stream().filter(o -> o.lineage().equals(lineage)).toList(),
                segments.stream().filter(o -> o.lineage().equals(lineage)).toList(), headers);
    }

    public ReplicaStorage storage() {
        return storage;
    }

    /** The replica's description for logs and messages; never contains secrets. */
    public String replica() {
        return storage.describe();
    }

    /** Snapshots in txid order. */
    public List<ReplicaObject> snapshots() {
        return snapshots;
    }

    /** Segments ordered by first txid, then last txid, then level. */
    public List<ReplicaObject> segments() {
        return segments;
    }

    /** Every object, snapshots first. */
    public List<ReplicaObject> objects() {
        List<ReplicaObject> all = new ArrayList<>(snapshots);
        all.addAll(segments);
        return all;
    }

    /** The lineages the listed objects belong to, in order. */
    public SortedSet<Lineage> lineages() {
        SortedSet<Lineage> out = new TreeSet<>();
        snapshots.forEach(o -> out.add(o.lineage()));
        segments.forEach(o -> out.add(o.lineage()));
        return out;
    }

    /**
     * What no restore may combine, from the keys alone: several lineages, and within each lineage overlapping
     * segments of one level, partial overlaps across levels and two snapshots at one txid ({@link HistoryConflict}).
     */
    public List<HistoryConflict> conflicts() {
        List<HistoryConflict> out = new ArrayList<>();
        List<ReplicaObject> all = objects();
        HistoryConflict.mixedLineages(all).ifPresent(out::add);
        for (List<ReplicaObject> lineage : HistoryConflict.byLineage(all).values()) {
            out.addAll(HistoryConflict.withinLineage(lineage));
        }
        return out;
    }

    /** The highest txid named by any object's key, 0 when the replica holds no walship object. */
    public long latestTxid() {
        long latest = 0;
        for (ReplicaObject o : snapshots) {
            latest = Math.max(latest, o.lastTxid());
        }
        for (ReplicaObject o : segments) {
            latest = Math.max(latest, o.lastTxid());
        }
        return latest;
    }

    /**
     * Reads and checks an object's header: its checksum, and that everything its key names (kind, txids, level,
     * lineage, times) is what the header holds. Read once per object; later calls answer from memory.
     *
     * @throws ObjectNotFoundException when the object is gone since the listing
     * @throws CorruptObjectException  when the header is damaged or contradicts the key
     */
    public ObjectHeader readHeader(ReplicaObject object) throws IOException {
        ObjectHeader known = headers.get(object.key());
        if (known != null) {
            return known;
        }
        ObjectHeader header = ObjectHeader.decode(object.key(), storage.getRange(object.key(), 0, ObjectHeader.SIZE));
        checkMatchesKey(object, header);
        headers.put(object.key(), header);
        return header;
    }

    /** The header read earlier for this object, if any; reads nothing. */
    Optional<ObjectHeader> knownHeader(ReplicaObject object) {
        return Optional.ofNullable(headers.get(object.key()));
    }

    /** When the object's first transaction committed (a snapshot's time): from the key, else from its header. */
    public Instant firstTime(ReplicaObject object) throws IOException {
        return object.keyFirstTime().isPresent() ? object.keyFirstTime().get() : readHeader(object).firstTime();
    }

    /** When the object's last transaction committed (a snapshot's time): from the key, else from its header. */
    public Instant lastTime(ReplicaObject object) throws IOException {
        return object.keyLastTime().isPresent() ? object.keyLastTime().get() : readHeader(object).lastTime();
    }

    /**
     * Everything listed, with times, for {@code ls}. Only version-1 objects need their header read for that; a corrupt
     * one is reported in {@link ReplicaListing#unreadable()} rather than failing the listing, because an operator
     * looking at a damaged replica needs to see all of it. Objects deleted since the listing (retention) are left out.
     *
     * @throws IOException when the storage itself fails
     */
    public ReplicaListing listing() throws IOException {
        List<ReplicaListing.Entry> snapshotEntries = new ArrayList<>();
        List<ReplicaListing.Entry> segmentEntries = new ArrayList<>();
        List<ReplicaListing.Unreadable> unreadable = new ArrayList<>();
        for (ReplicaObject o : objects()) {
            try {
                ReplicaListing.Entry entry = new ReplicaListing.Entry(o, firstTime(o), lastTime(o), knownHeader(o));
                (o.isSnapshot() ? snapshotEntries : segmentEntries).add(entry);
            } catch (ObjectNotFoundException e) {
                log.debug("{} disappeared after it was listed; leaving it out", o.key());
            } catch (CorruptObjectException e) {
                unreadable.add(new ReplicaListing.Unreadable(o, e.getMessage()));
            }
        }
        return new ReplicaListing(replica(), snapshotEntries, segmentEntries, unreadable, latestTxid(), conflicts());
    }

    /** Rejects a header that contradicts what the object's key names. */
    static void checkMatchesKey(ReplicaObject object, ObjectHeader header) throws CorruptObjectException {
        ObjectKeys.checkHeaderMatchesKey(object.name(), header);
    }
}
