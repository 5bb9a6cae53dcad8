package io.walship.replica;

import java.io.IOException;

/**
 * A replica's storage refused or could not be reached, classified so that commands can say what to fix and exit with
 * a distinct code. The message names the replica and what to do; it never contains a secret.
 */
public class StorageException extends IOException {
    /** What went wrong, from the operator's point of view. */
    public enum Problem {
        /** The bucket (or folder) does not exist. */
        BUCKET_NOT_FOUND,
        /** The credentials are missing, wrong, or not allowed to do this. */
        ACCESS_DENIED,
        /**
         * The endpoint cannot be reached (DNS, connection refused, TLS, timeouts), or it answers only that it cannot serve
         * now (HTTP 5xx or 429 after retries): either may heal by itself.
         */
        UNREACHABLE,
        /** Anything else the storage answered. */
        OTHER
    }

    private final Problem problem;

    public StorageException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
