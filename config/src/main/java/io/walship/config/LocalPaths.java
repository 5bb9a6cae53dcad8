package io.walship.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Turns a path written in the configuration file into an absolute one, as Litestream does: a leading {@code ~} or
 * {@code ~/} is the home directory (from {@code HOME} in the environment the caller passes, so tests need not touch
 * the real one), and a relative path is relative to the working directory walship was started in. Nothing is read
 * from the disk: the database may not exist yet.
 */
final class LocalPaths {
    private LocalPaths() {
    }

    /** @throws IllegalArgumentException saying what is wrong with the path */
    static Path resolve(String text, Map<String, String> env) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("the path is empty; write the path of a file, e.g. /var/lib/app/app.db");
        }
        String t = text;
        if (t.equals("~") || t.startsWith("~/")) {
            String home = env.get("HOME");
            if (home == null || home.isBlank()) {
                throw new IllegalArgumentException("'" + text + "' starts with ~ but HOME is not set; write an absolute path");
            }
            t = home + t.substring(1);
        }
        try {
            return Path.of(t).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid path: " + e.getReason());
        }
    }
}
