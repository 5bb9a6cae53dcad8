package io.walship.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The side-by-side benchmark: walship (its fat jar) and, when its binary is there, Litestream 0.3.13, against one
 * S3Proxy behind a request-counting proxy, with Python sqlite3 writers as the app. Prints the table of figures and
 * writes every number to {@code bench/target/bench-TIMESTAMP.json}. Run it with {@code bench/run}; see
 * docs/PERFORMANCE.md for the method. A scenario that fails is reported and the others still run.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("walship.root", ".")).toAbsolutePath().normalize();
        Options options;
        try {
            options = Options.parse(args, root);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("bench: " + e.getMessage());
            }
            System.err.print(Options.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        System.exit(run(options));
    }

    static int run(Options options) throws Exception {
        Instant started = Instant.now();
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Files.createDirectories(options.out());
        Path work = Files.createDirectories(options.out().resolve("work-" + stamp));
        Results results = new Results();
        Map<String, Object> failures = new LinkedHashMap<>();
        AppWriter app = new AppWriter(options.root().resolve("bench/writers/app.py"));
        System.out.printf("bench: walship %s (checkout %s), Litestream %s, scale %s, scenarios %s; work folder %s%n", options.jar(),
                gitDescribe(options.root()),
                options.litestream() == null ? "absent (its columns stay empty)" : options.litestream(), options.scale(),
                String.join(",", options.only()), work);
        try (BuildLock buildLock = new BuildLock(BuildLock.DEFAULT, options.waitForBuildsMinutes()); Lab lab = new Lab(options, work, buildLock)) {
            WalshipSubject walship = new WalshipSubject(lab, options.jar(), options.root().resolve("dist/src/bin/walship"));
            List<Subject> subjects = new ArrayList<>(List.of(walship));
            if (options.litestream() != null) {
                subjects.add(new LitestreamSubject(lab, options.litestream()));
            }
            for (String scenario : Options.SCENARIOS) {
                if (!options.runs(scenario) || scenario.equals("restore")) {
                    continue; // restore runs inside bulk, on its replicas
                }
                long t0 = System.nanoTime();
                double busy0 = systemBusySeconds();
                long build0 = buildLock.busySeconds();
                System.out.println("bench: --- " + scenario + " ---");
                try {
                    switch (scenario) {
                        case "bulk" -> BulkScenario.run(lab, app, subjects, results);
                        case "segments" -> SegmentsScenario.run(lab, app, walship, results);
                        case "sustained" -> SustainedScenario.run(lab, app, subjects, results);
                        case "idle" -> IdleScenario.run(lab, app, subjects, results);
                        case "barrier" -> BarrierScenario.run(lab, app, walship, results);
                        default -> throw new IllegalStateException(scenario);
                    }
                } catch (Exception | AssertionError e) {
                    System.out.println("bench: " + scenario + " FAILED: " + e);
                    e.printStackTrace(System.out);
                    failures.put(scenario, String.valueOf(e));
                }
                double took = (System.nanoTime() - t0) / 1e9;
                // Context for judging contention: the whole machine's busy CPU seconds, and the load average after.
                results.put("machineLoad", scenario, "seconds", took);
                results.put("machineLoad", scenario, "machineBusyCpuSeconds", systemBusySeconds() - busy0);
                results.put("machineLoad", scenario, "loadAverageAfter", loadAverage());
                results.put("machineLoad", scenario, "mavenBuildBesideSeconds", buildLock.busySeconds() - build0);
                System.out.printf("bench: %s took %.0f s%s%n", scenario, took, buildLock.busySeconds() > build0
                        ? " (a Maven build ran beside it for about " + (buildLock.busySeconds() - build0) + " s)" : "");
            }
        }
        Report report = new Report(results);
        String table = report.markdown();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("started", started.toString());
        doc.put("finished", Instant.now().toString());
        doc.put("machine", machine());
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("scale", options.scale());
        opts.put("scenarios", new ArrayList<>(options.only()));
        opts.put("walshipJar", options.jar().toString());
        opts.put("checkout", gitDescribe(options.root()));
        opts.put("litestream", options.litestream() == null ? null : options.litestream().toString());
        opts.put("heldBuildLock", BuildLock.HELD_BY_BENCH);
        opts.put("walshipJavaOpts", WalshipSubject.JAVA_OPTS);
        doc.put("options", opts);
        doc.put("table", report.rows().stream().map(Report.Row::asMap).toList());
        doc.put("results", results.asMap());
        doc.put("failures", failures);
        Path json = options.out().resolve("bench-" + stamp + ".json");
        Files.writeString(json, JsonText.write(doc), StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(table);
        System.out.println();
        System.out.println("bench: a Maven build ran beside the measurements for about " + totalBuildSeconds(results) + " s in all");
        System.out.println("bench: every number is in " + json);
        if (!options.keep()) {
            deleteRecursively(work);
        } else {
            System.out.println("bench: the work folder is kept: " + work);
        }
        if (!failures.isEmpty()) {
            System.out.println("bench: failed scenarios: " + failures.keySet());
            return 1;
        }
        return 0;
    }

    /** The checkout's commit (and "-dirty" with uncommitted changes), or null without git. */
    private static String gitDescribe(Path root) {
        try {
            Process p = new ProcessBuilder("git", "-C", root.toString(), "describe", "--always", "--dirty").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long totalBuildSeconds(Results results) {
        long total = 0;
        for (String s : Options.SCENARIOS) {
            Double v = results.num("machineLoad", s, "mavenBuildBesideSeconds");
            total += v == null ? 0 : v.longValue();
        }
        return total;
    }

    /** Busy CPU seconds of the whole machine so far (user + nice + system + irq + softirq + steal in /proc/stat). */
    private static double systemBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    m.put("memTotalKiB", Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    m.put("cpu", line.substring(line.indexOf(':') + 1).strip());
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            m.put("procError", e.toString());
        }
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        return m;
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
