package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One run of the real walship command line, with what it printed and its exit code; never calls System.exit. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        return with(ReplicaOpener.FROM_ENVIRONMENT, args);
    }

    /** A run whose commands open replicas with {@code opener}. */
    static CliRun with(ReplicaOpener opener, String... args) {
        CommandLine cl = Walship.commandLine(opener);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Asserts the exit code and that stderr is one {@code walship: } line containing {@code expected}, no stack trace. */
    CliRun fails(int expectedCode, String expected) {
        assertEquals(expectedCode, code, () -> "exit code; stderr: " + err);
        assertTrue(err.startsWith("walship: "), err);
        assertEquals(1, err.strip().lines().count(), "one line on stderr: " + err);
        assertTrue(err.contains(expected), () -> "stderr should contain '" + expected + "': " + err);
        assertFalse(err.contains("Exception\n") || err.contains("\tat "), err);
        return this;
    }

    CliRun succeeds() {
        assertEquals(ExitCodes.OK, code, () -> "exit code; stderr: " + err);
        assertEquals("", err);
        return this;
    }
}
