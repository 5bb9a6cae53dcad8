package io.walship.replicator.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Which walship this is: the version Maven built, the git commit it was built from and when. The build writes them
 * into {@code build.properties} beside this class (Maven resource filtering, the commit from
 * git-commit-id-maven-plugin); {@code walship version} prints them and {@code walship_build_info} exports them.
 *
 * @param version the Maven version, e.g. {@code 0.1.0}
 * @param commit the full git commit id, {@code unknown} when the sources were built outside a git checkout
 * @param dirty whether the checkout had uncommitted changes when it was built
 * @param buildTime when it was built, ISO 8601 in UTC, or {@code unknown}
 */
public record BuildInfo(String version, String commit, boolean dirty, String buildTime) {
    private static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = load();

    /** This build's information; {@code development} and {@code unknown} when run from unfiltered classes (an IDE). */
    public static BuildInfo current() {
        return CURRENT;
    }

    /** The commit shortened to 12 hex digits, as people quote it, with {@code -dirty} when the tree was changed. */
    public String shortCommit() {
        String c = commit.length() > 12 && commit.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)
                ? commit.substring(0, 12) : commit;
        return dirty ? c + "-dirty" : c;
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read walship's build.properties", e);
        }
        return new BuildInfo(value(p, "version", "development"), value(p, "commit", UNKNOWN),
                Boolean.parseBoolean(value(p, "dirty", "false")), value(p, "buildTime", UNKNOWN));
    }

    /** A property, or the fallback when it is missing, empty or was never filtered ({@code ${...}} left as is). */
    private static String value(Properties p, String key, String fallback) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() || v.contains("${") ? fallback : v.strip();
    }
}
