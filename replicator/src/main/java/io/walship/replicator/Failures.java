package io.walship.replicator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Which failures walship retries. Transient are the ones the world causes and may heal: I/O errors (a full disk, a
 * vanished file, an unreachable replica, walship's own typed ones such as a spool that cannot be written), SQLite's
 * (the app holding a lock past the busy timeout) and the AWS SDK's (the replica's storage client; the S3 backend
 * translates them into {@link IOException}s, so one reaching walship is a missed translation, not a bug in the loop).
 * Anything else, an {@link IllegalStateException} or a {@link NullPointerException}, is a bug: retrying it would
 * repeat it forever and hide it, so the thread that meets one stops its part for good with one ERROR and the stack
 * trace.
 */
final class Failures {
    private Failures() {
    }

    /**
     * Whether {@code e} is worth retrying (see the class comment). An exception whose cause is transient is too (a
     * {@code DirectoryIteratorException} or a {@code CompletionException} around an I/O error). An {@link Error}
     * never is, nor is anything it wraps: the loops stop their part on one.
     */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null && !(t instanceof Error); t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof SQLException
                    || t instanceof SdkException) {
                return true;
            }
        }
        return false;
    }
}
