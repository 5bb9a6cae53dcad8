package io.walship.replica;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Opens a replica from the way users name it: {@code file:///abs/path}, {@code file://./relative},
 * or a plain path. S3 URLs arrive with the S3 storage.
 */
public final class ReplicaUrl {
    private ReplicaUrl() {
    }

    /** Thrown for a replica URL walship cannot use; the message names the URL and what to do. */
    public static final class InvalidReplicaUrlException extends IllegalArgumentException {
        public InvalidReplicaUrlException(String message) {
            super(message);
        }
    }

    public static ReplicaStorage open(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidReplicaUrlException("replica URL is empty; give a folder path, file:///path or s3://bucket/path");
        }
        if (url.startsWith("file:")) {
            return new FileReplicaStorage(filePath(url));
        }
        int scheme = url.indexOf("://");
        if (scheme > 0) {
            throw new InvalidReplicaUrlException("replica URL " + url + ": scheme '" + url.substring(0, scheme)
                    + "' is not supported; use a folder path or file:///path");
        }
        return new FileReplicaStorage(Path.of(url));
    }

    private static Path filePath(String url) {
        String rest = url.substring("file:".length());
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
            // file://./backup and file://backup are relative paths as users write them; file:///x is absolute.
            if (!rest.startsWith("/")) {
                return Path.of(rest);
            }
        }
        try {
            return Path.of(new URI("file", null, rest, null));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new InvalidReplicaUrlException("replica URL " + url + " is not a valid file URL: " + e.getMessage());
        }
    }
}
