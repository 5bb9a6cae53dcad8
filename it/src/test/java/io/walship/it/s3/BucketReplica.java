package io.walship.it.s3;

import io.walship.it.Digest;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;

/** A replica under {@link #PREFIX} in a bucket of an S3 server; {@link S3RestoreCheck} is its oracle. */
record BucketReplica(S3Client client, URI endpoint, String bucket, Map<String, String> env) implements ScenarioReplica {
    /** The replica's path inside the bucket. */
    static final String PREFIX = "prod/app.db";

    @Override
    public String url() {
        return url(new String[0]);
    }

    /** The replica URL with more query parameters ({@code part-size=5MiB}). */
    String url(String... extraQuery) {
        return S3ProxyServer.url(endpoint, bucket, PREFIX, extraQuery);
    }

    S3ReplicaView view() {
        return new S3ReplicaView(client, bucket, PREFIX);
    }

    @Override
    public List<String> keys() {
        return view().objects().stream().map(S3ReplicaView.Obj::key).toList();
    }

    @Override
    public long latestTxid() {
        return view().latestTxid();
    }

    @Override
    public String summary() {
        return view().summary();
    }

    /** The oracle restores one random txid with the jar and the rest in this JVM, to keep the scenarios short. */
    @Override
    public Digest.State checkRestores(Path digestFile, Path workDir, Supplier<String> diagnostics) throws Exception {
        S3RestoreCheck.Report r = new S3RestoreCheck(view(), url(), env, digestFile, workDir).viaJar(1).diagnostics(diagnostics).run();
        return new Digest.State(r.finalI(), r.finalDigest());
    }
}
