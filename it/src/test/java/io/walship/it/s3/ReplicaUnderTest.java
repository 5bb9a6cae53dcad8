package io.walship.it.s3;

import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;

/**
 * The kinds of replica a parameterised scenario runs against ({@code @EnumSource(ReplicaUnderTest.class)}): the same
 * scenario, the same assertions, whatever walship writes to. MinIO needs a Docker engine; where there is none its
 * cases are skipped, not failed, as {@link MinioReplicaStorageContractTest} is.
 */
public enum ReplicaUnderTest {
    /** A replica folder, named to walship by a file:// URL. */
    FOLDER {
        @Override
        ScenarioReplica create(Path tmp, S3ProxyServer s3) {
            return new FolderReplica(tmp.resolve("replica"));
        }
    },
    /** A fresh bucket of the S3Proxy in the test JVM, reached over HTTP with the S3 credentials. */
    S3PROXY {
        @Override
        ScenarioReplica create(Path tmp, S3ProxyServer s3) {
            return new BucketReplica(s3.client(), s3.endpoint(), s3.bucket(), S3ProxyServer.env());
        }
    },
    /** A fresh bucket of a MinIO container, started once for the test JVM. */
    MINIO {
        @Override
        boolean available() {
            return DockerClientFactory.instance().isDockerAvailable();
        }

        @Override
        ScenarioReplica create(Path tmp, S3ProxyServer s3) {
            return MinioServer.newBucketReplica();
        }
    };

    /** Whether this machine can run the replica (MinIO needs Docker). */
    boolean available() {
        return true;
    }

    /** A new, empty replica for one scenario; {@code tmp} is the scenario's folder, {@code s3} the JVM's S3Proxy. */
    abstract ScenarioReplica create(Path tmp, S3ProxyServer s3);
}
