package io.walship.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one entry of {@code dbs:}: the database path, Litestream's capture and checkpoint keys mapped onto walship's
 * {@link ReplicationSettings} (see {@link DatabaseConfig} for how each maps), and its replicas, either as Litestream
 * 0.3's list {@code replicas:} or Litestream 0.5's single {@code replica:}. Litestream's {@code meta-path} names the
 * database's own metadata folder, which for walship is its spool folder; Litestream 0.5's
 * {@code restore-if-db-not-exists} does what {@code replicate -restore-if-db-not-exists} does, for this database.
 */
final class DatabaseReader {
    static final Set<String> KEYS = Set.of("path", "replicas", "replica", "monitor-interval", "checkpoint-interval",
            "min-checkpoint-page-count", "max-checkpoint-page-count", "emergency-wal-size", "busy-timeout", "meta-path",
            "restore-if-db-not-exists", "max-spool-size");

    private DatabaseReader() {
    }

    static DatabaseConfig read(YamlMapping db, Map<String, String> env, ReplicaReader.Defaults defaults,
                               Map<String, String> locationsSeen) throws ConfigException {
        db.checkKeys(KEYS, UnsupportedKeys::database);

        String pathText = db.string("path");
        if (pathText == null) {
            throw db.missing("path", "every database needs its path; add path: /var/lib/app/app.db");
        }
        Path path;
        try {
            path = LocalPaths.resolve(pathText.strip(), env);
        } catch (IllegalArgumentException e) {
            throw db.error("path", e.getMessage());
        }

        Optional<Path> spoolDir = Optional.empty();
        String metaPath = db.string("meta-path");
        if (metaPath != null) {
            try {
                spoolDir = Optional.of(LocalPaths.resolve(metaPath.strip(), env));
            } catch (IllegalArgumentException e) {
                throw db.error("meta-path", e.getMessage());
            }
            if (spoolDir.get().equals(path) || spoolDir.get().equals(path.getParent())) {
                throw db.error("meta-path", "is the database file or its folder; name a folder of its own for the "
                        + "spool, e.g. /var/lib/walship/" + path.getFileName());
            }
        }
        Boolean restoreIfMissing = db.bool("restore-if-db-not-exists");
        Optional<ByteSize> maxSpoolSize = Optional.ofNullable(db.size("max-spool-size"));
        if (maxSpoolSize.isPresent() && maxSpoolSize.get().bytes() == 0) {
            throw db.error("max-spool-size", "must be more than 0; write e.g. 10GiB, or leave it out for half of the"
                    + " free space");
        }

        ReplicationSettings settings = ReplicationSettings.defaults();
        Duration monitor = db.duration("monitor-interval", false);
        if (monitor != null) {
            settings = settings.withMonitorInterval(monitor);
        }
        Duration checkpointInterval = db.duration("checkpoint-interval", true);
        if (checkpointInterval == null) {
            checkpointInterval = DatabaseConfig.DEFAULT_CHECKPOINT_INTERVAL;
        }
        Long minPages = db.whole("min-checkpoint-page-count", 1, Integer.MAX_VALUE);
        if (minPages != null) {
            settings = settings.withCheckpointPages(minPages);
        }
        Long maxPages = db.whole("max-checkpoint-page-count", 0, Integer.MAX_VALUE);
        ByteSize emergency = db.size("emergency-wal-size");
        if (maxPages != null && emergency != null) {
            String later = db.keyLine("emergency-wal-size") > db.keyLine("max-checkpoint-page-count")
                    ? "emergency-wal-size" : "max-checkpoint-page-count";
            throw db.errorAtKey(later, "max-checkpoint-page-count and emergency-wal-size set the same threshold; "
                    + "keep one");
        }
        if (maxPages != null) {
            if (maxPages != 0 && maxPages < settings.checkpointPages()) {
                throw db.error("max-checkpoint-page-count", maxPages + " is below min-checkpoint-page-count ("
                        + settings.checkpointPages() + "); the forced checkpoint must come after the PASSIVE one");
            }
            long pages = maxPages == 0 ? DatabaseConfig.LITESTREAM_TRUNCATE_PAGES : maxPages;
            settings = settings.withEmergencyWalSize(DatabaseConfig.walSizeForPages(pages));
        }
        if (emergency != null) {
            if (emergency.bytes() == 0) {
                throw db.error("emergency-wal-size", "must be more than 0; write e.g. 500MB");
            }
            settings = settings.withEmergencyWalSize(emergency);
        }
        Duration busy = db.duration("busy-timeout", true);
        if (busy != null) {
            if (busy.toMillis() > Integer.MAX_VALUE) {
                throw db.error("busy-timeout", "is too long; write at most 24h, e.g. 5s");
            }
            settings = settings.withBusyTimeout(busy);
        }

        List<YamlMapping> items;
        if (db.has("replicas") && db.has("replica")) {
            String later = db.keyLine("replica") > db.keyLine("replicas") ? "replica" : "replicas";
            throw db.errorAtKey(later, "give either replica: (one replica) or replicas: (a list), not both");
        } else if (db.has("replica")) {
            items = List.of(db.mapping("replica"));
        } else if (db.has("replicas")) {
            items = db.mappings("replicas", ReplicaReader.ITEM_HINT);
            if (items.isEmpty()) {
                throw db.error("replicas", "the list is empty; add at least one replica, e.g. '- url: s3://BUCKET/PATH'");
            }
        } else {
            throw db.missing("replicas", "a database needs somewhere to go; add replicas: with at least one item, "
                    + "e.g. '- url: s3://BUCKET/PATH'");
        }

        List<ReplicaReader.Draft> drafts = new ArrayList<>();
        Map<String, ReplicaReader.Draft> byName = new HashMap<>();
        for (YamlMapping item : items) {
            ReplicaReader.Draft d = ReplicaReader.read(item, env, defaults);
            if (d.name() != null) {
                ReplicaReader.Draft first = byName.putIfAbsent(d.name(), d);
                if (first != null) {
                    throw item.error("name", "another replica of this database is already named '" + d.name()
                            + "' (line " + first.where().valueLine("name") + "); give each replica its own name");
                }
            }
            String seen = locationsSeen.putIfAbsent(d.location().identity(), d.where().path());
            if (seen != null) {
                String key = item.has("url") ? "url" : item.has("bucket") ? "bucket" : "path";
                throw item.error(key, "the same place as " + seen + "; two replicas sharing a location would "
                        + "overwrite each other, give each its own path");
            }
            drafts.add(d);
        }
        List<String> names = ReplicaNames.assign(drafts.stream().map(ReplicaReader.Draft::name).toList(),
                drafts.stream().map(d -> d.location().type()).toList());
        List<ReplicaConfig> replicas = new ArrayList<>();
        Duration minSync = null;
        for (int i = 0; i < drafts.size(); i++) {
            ReplicaReader.Draft d = drafts.get(i);
            String name = names.get(i);
            if (d.name() == null && byName.containsKey(name)) {
                throw d.where().missing("name", "its default name '" + name + "' is already used by another replica; "
                        + "add name: to this replica");
            }
            replicas.add(d.named(name));
            if (minSync == null || d.syncInterval().compareTo(minSync) < 0) {
                minSync = d.syncInterval();
            }
        }
        settings = settings.withSyncInterval(minSync);
        return new DatabaseConfig(path, settings, checkpointInterval, replicas, spoolDir,
                restoreIfMissing != null && restoreIfMissing, maxSpoolSize);
    }
}
