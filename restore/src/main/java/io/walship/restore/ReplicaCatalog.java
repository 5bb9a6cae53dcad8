package io.walship.restore;

import io.walship.replica.CorruptObjectException;
import io.walship.replica.ObjectHeader;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ObjectKeys;
import io.walship.replica.ObjectNotFoundException;
import io.walship.replica.ReplicaStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listing of a replica's walship objects, sorted by txid, with their headers read on demand.
 *
 * <p>The listing is taken once, so planning sees one consistent set of keys; objects may still disappear afterwards
 * (retention runs concurrently), which surfaces as {@link ObjectNotFoundException} when they are read. Keys that are not
 * walship objects (directory markers, temporary uploads, anything else) are ignored, and the backend's listing order
 * is never relied on. Headers are read lazily because, on object storage, each one is a request: a restore only needs
 * the headers of the objects it plans with.
 */
public final class ReplicaCatalog {
    private static final Logger log = LoggerFactory.getLogger(ReplicaCatalog.class);

    private static final Comparator<ReplicaObject> BY_TXID =
            Comparator.comparingLong(ReplicaObject::firstTxid).thenComparingLong(ReplicaObject::lastTxid);

    private final ReplicaStorage storage;
    private final List<ReplicaObject> snapshots;
    private final List<ReplicaObject> segments;

    private ReplicaCatalog(ReplicaStorage storage, List<ReplicaObject> snapshots, List<ReplicaObject> segments) {
        this.storage = storage;
        this.snapshots = List.copyOf(snapshots);
        this.segments = List.copyOf(segments);
    }

    /**
     * Lists the replica's snapshots and segments.
     *
     * @throws IOException when the storage cannot be listed
     */
    public static ReplicaCatalog load(ReplicaStorage storage) throws IOException {
        Map<String, ReplicaObject> byKey = new LinkedHashMap<>();
        int ignored = 0;
        for (String prefix : List.of(ObjectKeys.SNAPSHOTS, ObjectKeys.SEGMENTS)) {
            for (ObjectInfo info : storage.list(prefix)) {
                Optional<ObjectKeys.ObjectName> name = ObjectKeys.parse(info.key());
                if (name.isEmpty()) {
                    ignored++;
                    log.debug("ignoring {} in {}: not a walship object key", info.key(), storage.describe());
                    continue;
                }
                byKey.put(info.key(), ReplicaObject.of(name.get(), info.size()));
            }
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
        return new ReplicaCatalog(storage, snapshots, segments);
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

    /** Segments ordered by first txid, then last txid. */
    public List<ReplicaObject> segments() {
        return segments;
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
     * Reads and checks an object's header: its checksum, and that its kind and txid range are the ones its key names.
     *
     * @throws ObjectNotFoundException when the object is gone since the listing
     * @throws CorruptObjectException  when the header is damaged or contradicts the key
     */
    public ObjectHeader readHeader(ReplicaObject object) throws IOException {
        ObjectHeader header = ObjectHeader.decode(object.key(), storage.getRange(object.key(), 0, ObjectHeader.SIZE));
        checkMatchesKey(object, header);
        return header;
    }

    /**
     * Reads every header for a listing. Corrupt headers are reported in {@link ReplicaListing#unreadable()} rather than
     * failing the listing, because an operator looking at a damaged replica needs to see all of it; objects deleted
     * since the listing (retention) are left out.
     *
     * @throws IOException when the storage itself fails
     */
    public ReplicaListing listing() throws IOException {
        List<ReplicaListing.Entry> snapshotEntries = new ArrayList<>();
        List<ReplicaListing.Entry> segmentEntries = new ArrayList<>();
        List<ReplicaListing.Unreadable> unreadable = new ArrayList<>();
        List<ReplicaObject> all = new ArrayList<>(snapshots);
        all.addAll(segments);
        for (ReplicaObject o : all) {
            try {
                ReplicaListing.Entry entry = new ReplicaListing.Entry(o, readHeader(o));
                (o.isSnapshot() ? snapshotEntries : segmentEntries).add(entry);
            } catch (ObjectNotFoundException e) {
                log.debug("{} disappeared after it was listed; leaving it out", o.key());
            } catch (CorruptObjectException e) {
                unreadable.add(new ReplicaListing.Unreadable(o, e.getMessage()));
            }
        }
        return new ReplicaListing(replica(), snapshotEntries, segmentEntries, unreadable, latestTxid());
    }

    /** Rejects a header whose kind or txid range is not the one the object's key promises. */
    static void checkMatchesKey(ReplicaObject object, ObjectHeader header) throws CorruptObjectException {
        if (header.kind() != object.kind()) {
            throw new CorruptObjectException(object.key(), "header says " + header.kind() + " but the key names a "
                    + object.kind());
        }
        if (header.firstTxid() != object.firstTxid() || header.lastTxid() != object.lastTxid()) {
            throw new CorruptObjectException(object.key(), "header holds txids " + header.firstTxid() + ".."
                    + header.lastTxid() + " but the key names " + object.firstTxid() + ".." + object.lastTxid());
        }
    }
}
