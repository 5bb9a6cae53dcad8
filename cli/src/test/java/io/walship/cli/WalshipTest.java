package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.restore.RestoreException;
import org.junit.jupiter.api.Test;

/** The top-level command: help, version, usage errors and the exit code table. */
class WalshipTest {

    @Test
    void helpListsTheCommandsAndExitCodes() {
        CliRun run = CliRun.of("--help").succeeds();
        for (String s : new String[] {"replicate", "restore", "ls", "Exit codes:", "integrity_check"}) {
            assertTrue(run.out().contains(s), s + " in " + run.out());
        }
        String restoreHelp = CliRun.of("restore", "--help").succeeds().out();
        assertTrue(restoreHelp.contains("OUT.corrupt"), restoreHelp);
        assertTrue(restoreHelp.contains("  5   the output database exists"), restoreHelp);
        assertTrue(CliRun.of("ls", "--help").succeeds().out().contains("Exit codes:"));
    }

    @Test
    void versionIsPrinted() {
        assertTrue(CliRun.of("--version").succeeds().out().startsWith("walship "));
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun.of().fails(ExitCodes.USAGE, "missing command");
    }

    @Test
    void anUnknownCommandOrOptionIsAUsageError() {
        CliRun.of("frobnicate").fails(ExitCodes.USAGE, "frobnicate");
        CliRun.of("ls", "--colour", "/tmp/x").fails(ExitCodes.USAGE, "--colour");
    }

    @Test
    void everyRestoreFailureHasItsOwnExitCode() {
        assertEquals(3, ExitCodes.of(RestoreException.Reason.NOT_RESTORABLE));
        assertEquals(4, ExitCodes.of(RestoreException.Reason.CORRUPT_OBJECT));
        assertEquals(4, ExitCodes.of(RestoreException.Reason.MISSING_OBJECT));
        assertEquals(5, ExitCodes.of(RestoreException.Reason.OUTPUT_EXISTS));
        assertEquals(6, ExitCodes.of(RestoreException.Reason.INTEGRITY_FAILED));
        assertEquals(7, ExitCodes.of(RestoreException.Reason.LOCAL_IO));
        assertEquals(7, ExitCodes.of(RestoreException.Reason.REPLICA_IO));
    }
}
