package io.walship.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the replicator lands; owned by the replicator author. */
@Command(name = "replicate", description = "Continuously replicate a SQLite database to a replica.")
public final class ReplicateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
