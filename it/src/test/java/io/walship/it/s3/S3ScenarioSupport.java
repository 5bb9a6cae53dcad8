package io.walship.it.s3;

import io.walship.it.WalshipProcess;
import java.util.List;

/**
 * The scenarios against S3Proxy only: {@link ReplicaScenario} with a fresh bucket per test, for what only an S3
 * server shows (faults on the wire, multipart uploads, outages).
 */
abstract class S3ScenarioSupport extends ReplicaScenario {
    /** The replica's path inside the bucket. */
    static final String PREFIX = BucketReplica.PREFIX;

    String bucket;

    @Override
    protected String setUpReplica() {
        BucketReplica r = (BucketReplica) ReplicaUnderTest.S3PROXY.create(tmp, S3);
        replica = r;
        bucket = r.bucket();
        return ", bucket " + bucket + " at " + S3.endpoint();
    }

    /** The replica URL straight to S3Proxy. */
    String url(String... extraQuery) {
        return S3.url(bucket, PREFIX, extraQuery);
    }

    S3ReplicaView view() {
        return new S3ReplicaView(S3.client(), bucket, PREFIX);
    }

    WalshipProcess startJarDaemon(String url, List<String> jvmOptions, String... extra) {
        return reap(WalshipProcess.start(db, url, S3ProxyServer.env(), jvmOptions, daemonLog, extra));
    }

    S3RestoreCheck restoreCheck() {
        return new S3RestoreCheck(view(), url(), S3ProxyServer.env(), digestFile(), tmp.resolve("restores")).diagnostics(this::diagnostics);
    }
}
