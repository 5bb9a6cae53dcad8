package io.walship.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The database grows (12 MiB of blobs), most rows are deleted and VACUUM shrinks the file; writes continue. */
class VacuumTest extends ScenarioSupport {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void vacuumShrinksTheDatabase() throws Exception {
        WalshipProcess d = startDaemon();
        Writer w = writer("writer").seed(31).txs(150).sleep(0.005).at(20, "bigtx:12").at(100, "vacuum").start();
        Map<String, String> stats = w.awaitSuccess(Duration.ofSeconds(60));
        step("writer done: " + stats);
        long before = Writer.stat(stats, "vacuum_pages_before");
        long after = Writer.stat(stats, "vacuum_pages_after");
        assertTrue(after * 4 < before, "VACUUM should shrink the database a lot: " + stats);
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        reportWarnings();
        RestoreCheck.Report report = restoreCheck().run();
        long expectedBytes = Writer.stat(stats, "page_count") * Writer.stat(stats, "page_size");
        assertEquals(expectedBytes, report.latest().fileSize(),
                "the latest restore should be the shrunk database: source page_count " + stats.get("page_count")
                        + " * page_size " + stats.get("page_size") + "\n" + diagnostics());
        // Some restored txid before the VACUUM should be the big database (unless the daemon never saw it).
        long biggest = report.byTxid().values().stream().mapToLong(RestoreCheck.Restored::fileSize).max().orElse(0);
        step("largest restored file " + biggest + " B, latest " + report.latest().fileSize() + " B");
    }
}
