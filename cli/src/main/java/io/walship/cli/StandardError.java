package io.walship.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's standard error is a terminal. {@code System.console()} answers for standard input and output
 * together, so {@code walship restore ... > out.log} at a terminal would count as no terminal although the progress
 * lines go to stderr, which is the terminal. Linux names a file descriptor's target under {@code /proc/self/fd}.
 */
final class StandardError {
    private StandardError() {
    }

    static boolean isTerminal() {
        return isTerminalDevice(target(Path.of("/proc/self/fd/2")));
    }

    /** The path a file descriptor link names, or an empty string where it cannot be read (not Linux, no /proc). */
    static String target(Path fdLink) {
        try {
            return Files.readSymbolicLink(fdLink).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "";
        }
    }

    /** Terminal devices: pseudo-terminals, virtual consoles and serial lines, and the controlling terminal. */
    static boolean isTerminalDevice(String device) {
        return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty") || device.equals("/dev/console");
    }
}
