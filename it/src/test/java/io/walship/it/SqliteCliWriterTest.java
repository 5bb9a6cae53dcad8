package io.walship.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The application is the sqlite3 shell (C SQLite 3.40) running a generated script of deterministic transactions. */
class SqliteCliWriterTest extends ScenarioSupport {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sqliteShellWrites() throws Exception {
        WalshipProcess d = startDaemon();
        SqliteCliWriter w = cliWriter(300).start();
        w.awaitSuccess(Duration.ofSeconds(60));
        step("sqlite3 done");
        awaitSynced(d, Duration.ofSeconds(30));
        d.stopCleanly();
        reportWarnings();
        restoreCheck().run();
    }
}
