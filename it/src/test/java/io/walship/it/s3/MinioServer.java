package io.walship.it.s3;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.testcontainers.containers.MinIOContainer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The MinIO container of the parameterised scenarios: started on first use and left to Testcontainers to remove when
 * the test JVM exits, so that every scenario class shares one. Only touched where Docker is available.
 */
final class MinioServer {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static MinIOContainer container;
    private static S3Client client;

    private MinioServer() {
    }

    static synchronized BucketReplica newBucketReplica() {
        if (container == null) {
            MinIOContainer c = new MinIOContainer(MinioReplicaStorageContractTest.IMAGE);
            c.start();
            container = c;
            client = S3ProxyServer.newClient(URI.create(c.getS3URL()), c.getUserName(), c.getPassword());
        }
        String bucket = "walship-scenario-" + BUCKETS.incrementAndGet();
        client.createBucket(b -> b.bucket(bucket));
        return new BucketReplica(client, URI.create(container.getS3URL()), bucket,
                S3ProxyServer.env(container.getUserName(), container.getPassword()));
    }
}
