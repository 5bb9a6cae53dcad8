package io.walship.config;

import java.util.Objects;

/**
 * An S3 access key pair given with a replica (in its URL, its keys or at the top of the configuration file). Both parts
 * are {@link Secret}s, so this record prints as {@code S3Credentials[accessKeyId=****, secretAccessKey=****]}.
 */
public record S3Credentials(Secret accessKeyId, Secret secretAccessKey) {
    public S3Credentials {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    }
}
