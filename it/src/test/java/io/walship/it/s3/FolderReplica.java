package io.walship.it.s3;

import io.walship.it.Digest;
import io.walship.it.ReplicaDir;
import io.walship.it.RestoreCheck;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** A replica folder; {@link RestoreCheck} is its oracle. */
record FolderReplica(Path dir) implements ScenarioReplica {
    @Override
    public String url() {
        return "file://" + dir.toAbsolutePath();
    }

    @Override
    public Map<String, String> env() {
        return Map.of();
    }

    @Override
    public List<String> keys() {
        return ReplicaDir.keys(dir).stream().map(ReplicaDir.Key::key).toList();
    }

    @Override
    public long latestTxid() {
        return ReplicaDir.latestTxid(dir);
    }

    @Override
    public String summary() {
        return keys().size() + " objects, latest txid " + latestTxid() + ", snapshots at " + ReplicaDir.snapshotTxids(dir);
    }

    @Override
    public Digest.State checkRestores(Path digestFile, Path workDir, Supplier<String> diagnostics) throws Exception {
        RestoreCheck.Report r = RestoreCheck.of(dir, digestFile, workDir).diagnostics(diagnostics).run();
        return new Digest.State(r.finalI(), r.finalDigest());
    }
}
