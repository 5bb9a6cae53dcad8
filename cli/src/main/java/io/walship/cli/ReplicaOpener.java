package io.walship.cli;

import io.walship.config.ReplicaLocation;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.ReplicaStorages;

/**
 * How commands open a replica location. The real one reads S3 credentials from the process environment; tests put a
 * recording one in its place through {@link Walship#commandLine(ReplicaOpener)} to see which location each command
 * parsed, without a network.
 */
@FunctionalInterface
interface ReplicaOpener {
    ReplicaOpener FROM_ENVIRONMENT = location -> ReplicaStorages.open(location, System.getenv());

    ReplicaStorage open(ReplicaLocation location);
}
