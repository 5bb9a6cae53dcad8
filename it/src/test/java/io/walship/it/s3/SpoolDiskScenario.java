package io.walship.it.s3;

import io.walship.it.WalshipProcess;
import io.walship.replicator.TmpfsMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/**
 * The S3 scenarios whose spool lives on a small tmpfs of its own, to be filled and remounted: the daemons they start
 * are stopped before the tmpfs is unmounted, so that it is not busy.
 */
abstract class SpoolDiskScenario extends S3ScenarioSupport {
    /** The spool's tmpfs; null until {@link #mountSpool} succeeded. */
    TmpfsMount mount;
    private final List<WalshipProcess> daemons = new ArrayList<>();

    @AfterEach
    void unmount() {
        daemons.forEach(WalshipProcess::close);
        if (mount != null) {
            mount.close();
        }
    }

    /** Mounts a tmpfs of {@code size} bytes on {@code dir}; returns why not where the machine refuses. */
    Optional<String> mountSpool(Path dir, long size) {
        TmpfsMount.Attempt attempt = TmpfsMount.tryMount(dir, size);
        if (attempt.mount().isEmpty()) {
            return Optional.of(attempt.refusal());
        }
        mount = attempt.mount().get();
        step("spool on " + mount);
        return Optional.empty();
    }

    /** {@code d}, to be stopped before the tmpfs is unmounted. */
    WalshipProcess onSpoolDisk(WalshipProcess d) {
        daemons.add(d);
        return d;
    }
}
