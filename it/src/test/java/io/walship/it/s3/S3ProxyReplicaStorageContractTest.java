package io.walship.it.s3;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/** The {@link io.walship.replica.ReplicaStorage} contract against S3Proxy over HTTP on loopback. */
class S3ProxyReplicaStorageContractTest extends S3ReplicaStorageContract {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @Override
    protected URI endpoint() {
        return S3.endpoint();
    }

    @Override
    protected S3Client raw() {
        return S3.client();
    }

    @Override
    protected Map<String, String> env() {
        return S3ProxyServer.env();
    }

    @Override
    protected String newBucket() {
        return S3.bucket();
    }
}
