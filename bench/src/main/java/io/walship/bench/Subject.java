package io.walship.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A replicator under test: walship (its fat jar) or Litestream 0.3.13 (its binary). */
sealed interface Subject permits WalshipSubject, LitestreamSubject {

    /** {@code walship} or {@code litestream}: the key of its numbers in the report. */
    String name();

    /** The client name the counting proxy gives its requests (from its User-Agent). */
    String client();

    /** Starts replicating {@code db} to {@code bucket} through the counting proxy; returns once the process runs. */
    Running start(Path db, String bucket, Settings settings) throws IOException;

    /** The command that restores the latest state of what {@link #start} replicated from {@code db} into {@code out}. */
    java.util.List<String> restoreCommand(Path db, String bucket, Path out) throws IOException;

    /**
     * Settings that differ from the replicator's defaults; null means the default.
     *
     * @param compactionLevels walship's {@code levels} (an empty list turns compaction off); Litestream ignores it
     */
    record Settings(Duration syncInterval, Long emergencyWalBytes, java.util.List<Duration> compactionLevels) {
        static final Settings DEFAULTS = new Settings(null, null);

        Settings(Duration syncInterval, Long emergencyWalBytes) {
            this(syncInterval, emergencyWalBytes, null);
        }
    }

    /** A running replicator process. */
    interface Running extends AutoCloseable {
        long pid();

        /** Waits until the initial snapshot reached the replica and the replicator went quiet. */
        void awaitReady(Duration timeout) throws IOException, InterruptedException;

        /**
         * Waits until the replica holds everything the app committed so far (the app has stopped writing) and the
         * replicator has been quiet for a while; returns when the last object carrying data reached the replica.
         */
        long awaitCaughtUp(int proxyMark, Duration timeout) throws IOException, InterruptedException;

        /** SIGTERM and wait for the exit; returns the exit code. */
        int stop() throws InterruptedException;

        Path log();

        @Override
        void close();
    }
}
