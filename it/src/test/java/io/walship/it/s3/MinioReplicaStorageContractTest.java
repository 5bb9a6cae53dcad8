package io.walship.it.s3;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The {@link io.walship.replica.ReplicaStorage} contract against MinIO in a container. Skipped (not failed) where there
 * is no Docker engine, as on the development machines and CI of this project today.
 */
@Testcontainers(disabledWithoutDocker = true)
class MinioReplicaStorageContractTest extends S3ReplicaStorageContract {
    /** The MinIO release the contract and the parameterised scenarios run against. */
    static final String IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";

    @Container
    static final MinIOContainer MINIO = new MinIOContainer(IMAGE);

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3Client client;

    @Override
    protected URI endpoint() {
        return URI.create(MINIO.getS3URL());
    }

    @Override
    protected synchronized S3Client raw() {
        if (client == null) {
            client = S3ProxyServer.newClient(endpoint(), MINIO.getUserName(), MINIO.getPassword());
        }
        return client;
    }

    @Override
    protected Map<String, String> env() {
        return S3ProxyServer.env(MINIO.getUserName(), MINIO.getPassword());
    }

    @Override
    protected String newBucket() {
        String name = "walship-contract-" + BUCKETS.incrementAndGet();
        raw().createBucket(b -> b.bucket(name));
        return name;
    }

    @AfterAll
    static void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
