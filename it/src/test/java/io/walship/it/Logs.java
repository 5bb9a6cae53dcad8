package io.walship.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** Reading the logs of child processes for assertions and diagnostics. */
public final class Logs {
    private Logs() {
    }

    public static List<String> lines(Path log) {
        try {
            if (!Files.exists(log)) {
                return List.of();
            }
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return List.of("[cannot read " + log + ": " + e + "]");
        }
    }

    public static String tail(Path log, int n) {
        List<String> lines = lines(log);
        List<String> last = lines.subList(Math.max(0, lines.size() - n), lines.size());
        StringBuilder b = new StringBuilder("---- last " + last.size() + " of " + lines.size() + " lines of " + log + " ----\n");
        for (String l : last) {
            b.append(clip(l, 600)).append('\n');
        }
        return b.append("---- end of ").append(log.getFileName()).append(" ----\n").toString();
    }

    /** Lines of a walship log at WARN level that mention a snapshot, e.g. "WARN ... taking a snapshot: WAL was reset". */
    public static List<String> warnSnapshotLines(Path log) {
        Pattern snapshot = Pattern.compile("(?i)snapshot");
        return lines(log).stream().filter(l -> l.contains("WARN") && snapshot.matcher(l).find()).toList();
    }

    public static long count(Path log, String needle) {
        return lines(log).stream().filter(l -> l.contains(needle)).count();
    }

    public static String clip(String s, int max) {
        if (s == null) {
            return "";
        }
        s = s.strip();
        return s.length() <= max ? s : s.substring(0, max / 3) + "\n  [... " + (s.length() - max) + " chars ...]\n" + s.substring(s.length() - 2 * max / 3);
    }
}
