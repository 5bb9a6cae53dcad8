package io.walship.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The benchmark's command line.
 *
 * @param root the repository root (where {@code cli/target/walship.jar} and {@code bench/writers/app.py} are)
 * @param litestream the Litestream 0.3.13 binary, or null to skip its columns
 */
record Options(Path root, Path jar, Path litestream, Set<String> only, double scale, Path out, boolean keep, long waitForBuildsMinutes) {
    /** The scenarios in the order they run; {@code --only} picks from these. */
    static final List<String> SCENARIOS = List.of("bulk", "restore", "segments", "sustained", "idle", "barrier");
    static final String DEFAULT_LITESTREAM = "/tmp/package/litestream";

    static final String USAGE = """
            usage: bench/run [--only SCENARIO,...] [--scale X] [--litestream PATH] [--jar PATH] [--out DIR] [--keep]
                             [--wait-for-builds MINUTES]
              --only        a subset of: bulk, restore, segments, sustained, idle, barrier (default: all;
                            restore needs the bulk replica, so it runs bulk too)
              --scale X     multiply sizes and durations by X (e.g. 0.05 for a quick smoke run; default 1)
              --litestream  Litestream 0.3.13 binary (default: $WALSHIP_LITESTREAM, else /tmp/package/litestream);
                            its columns are left empty when it is absent
              --jar         walship's fat jar (default: cli/target/walship.jar)
              --out DIR     where bench-<timestamp>.json goes (default: bench/target)
              --keep        keep the work folder (databases, replicas' logs) instead of deleting it
              --wait-for-builds MINUTES
                            before each measurement, wait while a Maven build holds /tmp/walship-maven.lock, at most
                            this long in the whole run (default 20); the JSON says how long a build ran beside
            """;

    static Options parse(String[] args, Path root) {
        Path jar = root.resolve("cli/target/walship.jar");
        String ls = System.getenv().getOrDefault("WALSHIP_LITESTREAM", DEFAULT_LITESTREAM);
        Set<String> only = new LinkedHashSet<>(SCENARIOS);
        double scale = 1.0;
        Path out = root.resolve("bench/target");
        boolean keep = false;
        long waitMinutes = 20;
        List<String> a = new ArrayList<>(List.of(args));
        for (int i = 0; i < a.size(); i++) {
            String arg = a.get(i);
            switch (arg) {
                case "--only" -> {
                    only = new LinkedHashSet<>();
                    for (String s : value(a, ++i, arg).split(",")) {
                        String name = s.strip().toLowerCase(Locale.ROOT);
                        if (!SCENARIOS.contains(name)) {
                            throw new IllegalArgumentException("--only: unknown scenario '" + s + "'; choose from " + SCENARIOS);
                        }
                        only.add(name);
                    }
                }
                case "--scale" -> {
                    scale = Double.parseDouble(value(a, ++i, arg));
                    if (!(scale > 0 && scale <= 10)) {
                        throw new IllegalArgumentException("--scale: give a number above 0 and at most 10, e.g. 0.05");
                    }
                }
                case "--litestream" -> ls = value(a, ++i, arg);
                case "--jar" -> jar = Path.of(value(a, ++i, arg));
                case "--out" -> out = Path.of(value(a, ++i, arg));
                case "--keep" -> keep = true;
                case "--wait-for-builds" -> waitMinutes = Long.parseLong(value(a, ++i, arg));
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        if (only.contains("restore")) {
            only.add("bulk");
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("walship's jar " + jar + " does not exist; build it with bench/run or "
                    + "./mvnw -B -pl cli -am package -DskipTests");
        }
        Path litestream = ls.isBlank() ? null : Path.of(ls);
        if (litestream != null && !Files.isExecutable(litestream)) {
            System.err.println("bench: no Litestream binary at " + litestream + ": its columns stay empty (get it with "
                    + "`cd /tmp && npm pack @flydotio/litestream-linux-x64@1.0.1 && tar xzf flydotio-litestream-linux-x64-1.0.1.tgz`)");
            litestream = null;
        }
        return new Options(root, jar, litestream, only, scale, out, keep, waitMinutes);
    }

    private static String value(List<String> a, int i, String option) {
        if (i >= a.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return a.get(i);
    }

    boolean runs(String scenario) {
        return only.contains(scenario);
    }

    /** {@code n} scaled, at least {@code min}. */
    long scaled(long n, long min) {
        return Math.max(min, Math.round(n * scale));
    }

    double scaledSeconds(double seconds, double min) {
        return Math.max(min, seconds * scale);
    }
}
