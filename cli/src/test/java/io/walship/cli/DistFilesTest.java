package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walship.replicator.metrics.BuildInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release archive's man pages and completion script, written from the command model. */
class DistFilesTest {
    @TempDir
    Path dir;

    @Test
    void everyCommandHasAManPageThatManRendersAndTheCompletionKnowsEveryCommand() throws Exception {
        BuildInfo build = new BuildInfo("1.2.3", "0123456789abcdef0123456789abcdef01234567", false, "2026-11-30T12:00:00Z");
        DistFiles.write(dir, build);
        List<String> commands = List.of("replicate", "restore", "ls", "verify", "status", "databases", "version");
        for (String c : commands) {
            Path page = dir.resolve("man/walship-" + c + ".1");
            String text = Files.readString(page);
            assertTrue(text.contains(".TH \"WALSHIP-" + c.toUpperCase(java.util.Locale.ROOT) + "\" 1 \"2026-11-30\" \"walship 1.2.3\""), text);
            assertTrue(text.contains(".SH SYNOPSIS") && text.contains(".SH EXIT STATUS"), text);
        }
        String top = Files.readString(dir.resolve("man/walship.1"));
        for (String c : commands) {
            assertTrue(top.contains("\\fBwalship\\-" + c + "\\fR(1)"), "walship(1) refers to walship-" + c + "(1)");
        }
        String replicate = render(dir.resolve("man/walship-replicate.1"));
        if (replicate != null) {
            assertTrue(replicate.contains("--restore-if-db-not-exists") && replicate.contains("--lag-budget"), replicate);
            assertTrue(replicate.contains("EXIT STATUS") && replicate.contains("16"), replicate);
        }
        String completion = Files.readString(dir.resolve("completion/walship"));
        for (String c : commands) {
            assertTrue(completion.contains(c), "completion of " + c);
        }
        Process bash = new ProcessBuilder("bash", "-n", dir.resolve("completion/walship").toString()).redirectErrorStream(true).start();
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, bash.exitValue(), new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** The page as man shows it, with groff's warnings turned into a failure; null where man is not installed. */
    private static String render(Path page) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")), "man is not installed");
        ProcessBuilder pb = new ProcessBuilder("man", "--warnings=all", "-l", page.toString());
        pb.environment().put("MANWIDTH", "200");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals("", err.strip(), "man/groff warnings");
        return out.replaceAll(".\b", "").replace("\u2010", "-").replace("\u2212", "-");
    }
}
