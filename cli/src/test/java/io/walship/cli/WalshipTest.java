package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.restore.RestoreException;
import java.util.List;
import java.util.Map;
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

    /** Every command lists the exit codes it can return, with their meanings, and no help text shows "null". */
    @Test
    void everyCommandsHelpListsItsExitCodes() {
        Map<String, List<Integer>> codes = Map.of(
                "replicate", List.of(0, 1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16),
                "restore", List.of(0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12),
                "ls", List.of(0, 1, 2, 4, 7, 10, 11, 12),
                "verify", List.of(0, 1, 2, 3, 4, 6, 7, 10, 11, 12),
                "status", List.of(0, 1, 2, 13),
                "databases", List.of(0, 1, 2));
        for (Map.Entry<String, List<Integer>> c : codes.entrySet()) {
            String help = CliRun.of(c.getKey(), "--help").succeeds().out();
            String list = help.substring(help.indexOf("Exit codes:"));
            for (int code : c.getValue()) {
                assertTrue(list.matches("(?s).*\\n +" + code + " +\\S.*"), c.getKey() + " lists " + code + ":\n" + list);
            }
            // picocli prints an unresolved ${VAR} as null; a JSON null in a description follows a ':' or "JSON".
            assertFalse(help.matches("(?s).*(?<!(:|JSON)\\s{0,5})\\bnull\\b.*"), help);
        }
        String top = CliRun.of("--help").succeeds().out();
        for (int code = 0; code <= 16; code++) {
            assertTrue(code == 9 || top.matches("(?s).*\\n +" + code + " +\\S.*"), "walship --help lists " + code);
        }
        String replicate = CliRun.of("replicate", "--help").succeeds().out();
        assertTrue(replicate.contains("Do not expand $VAR and ${VAR} in the config file."), replicate);
        assertTrue(replicate.contains("14   replicate: another walship holds the database's spool"), replicate);
        assertTrue(replicate.contains("15   replicate: the replica path holds another lineage"), replicate);
        assertTrue(replicate.contains("16   replicate: the final sync could not ship everything"), replicate);
        assertTrue(replicate.contains(" N   with -exec: the app's own exit code"), replicate);
        assertTrue(CliRun.of("ls", "--help").succeeds().out().contains("10   the replica's bucket (ls: or folder) does not"
                + " exist"));
    }

    /** {@code walship version} and {@code --version}: the version, the git commit and the build time the build recorded. */
    @Test
    void versionPrintsVersionCommitAndBuildTime() {
        String out = CliRun.of("version").succeeds().out();
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(0).matches("walship \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), out);
        assertTrue(lines.get(1).matches("commit [0-9a-f]{40}( \\(with uncommitted changes\\))?"), "a git commit: " + out);
        assertTrue(lines.get(2).matches("built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), out);
        assertTrue(lines.get(3).startsWith("Java 17") || lines.get(3).matches("Java \\d+.*"), out);
        assertEquals(out, CliRun.of("--version").succeeds().out(), "--version prints the same");
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
