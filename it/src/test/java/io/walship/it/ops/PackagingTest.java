package io.walship.it.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walship.config.DatabaseConfig;
import io.walship.config.WalshipConfig;
import io.walship.replicator.metrics.ListenAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The deployment files under {@code packaging/} are code too: the systemd unit must pass {@code systemd-analyze
 * verify} and keep its hardening, the Kubernetes manifest must parse and wire what walship needs (its arguments,
 * probes, credentials, a valid configuration on a shared volume), the Dockerfile must copy every module, and the
 * release archive must install what the unit and the docs say. No Docker engine runs here: the image is checked for
 * its structure only.
 */
class PackagingTest {
    private static final Path ROOT = repositoryRoot();
    /** The project's version, as Maven builds it (the it pom passes it). */
    private static final String VERSION = System.getProperty("walship.version", "missing");

    @TempDir
    Path dir;

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("packaging")) && Files.exists(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        assertNotNull(p, "no packaging/ folder above " + Path.of("").toAbsolutePath());
        return p;
    }

    // ---- systemd ----------------------------------------------------------------------------------------------

    @Test
    void systemdUnitKeepsItsHardeningAndStopsAfterTheFinalSync() throws IOException {
        Map<String, List<String>> unit = unitSettings(Files.readString(ROOT.resolve("packaging/systemd/walship.service")));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("User", "walship");
        expected.put("Group", "walship");
        expected.put("ProtectSystem", "strict");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.put("NoNewPrivileges", "yes");
        expected.put("Restart", "on-failure");
        expected.put("KillSignal", "SIGTERM");
        expected.put("ExecStart", "/opt/walship/bin/walship replicate -config /etc/walship.yml");
        expected.forEach((k, v) -> assertEquals(List.of(v), unit.get(k), k));
        assertTrue(unit.get("Environment").stream().anyMatch(e -> e.matches("\"?WALSHIP_JAVA_OPTS=.*-Xmx\\d+[mg].*")),
                "the unit caps the heap: " + unit.get("Environment"));
        assertFalse(unit.getOrDefault("ReadWritePaths", List.of()).isEmpty(), "the database folders must be writable");
        Duration stop = systemdSeconds(unit.get("TimeoutStopSec").get(0));
        assertTrue(stop.compareTo(WalshipConfig.DEFAULT_FINAL_SYNC_TIMEOUT.plusSeconds(30)) >= 0,
                "TimeoutStopSec " + stop + " leaves the final sync (" + WalshipConfig.DEFAULT_FINAL_SYNC_TIMEOUT + ") room");
    }

    /**
     * {@code systemd-analyze verify} on the unit installed from the release archive: {@code /opt/walship/} is replaced
     * by where the archive was unpacked, so verify also checks that ExecStart names the archive's launcher. verify
     * exits 0 on unknown keys and bad values too (it only warns), so every line that names the unit fails the test.
     * Lines about other units of the host (targets it depends on) are not ours to judge.
     */
    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        Path analyze = onPath("systemd-analyze");
        assumeTrue(analyze != null, "systemd-analyze is not installed");
        Path home = unpackRelease();
        String text = Files.readString(home.resolve("systemd/walship.service")).replace("/opt/walship/", home + "/");
        Path copy = dir.resolve("walship.service");
        Files.writeString(copy, text);
        Process p = new ProcessBuilder(analyze.toString(), "verify", "--man=no", copy.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze did not finish");
        List<String> ours = out.lines().filter(l -> l.contains("walship.service")).toList();
        assertTrue(ours.isEmpty(), "systemd-analyze verify complains about the unit:\n" + out);
        assumeTrue(p.exitValue() == 0, "systemd-analyze cannot verify on this machine (exit " + p.exitValue() + "):\n" + out);
    }

    // ---- Kubernetes -------------------------------------------------------------------------------------------

    @Test
    void sidecarManifestWiresWalshipBesideTheApp() throws Exception {
        List<Map<String, Object>> docs = yamlDocuments(ROOT.resolve("packaging/kubernetes/sidecar.yaml"));
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        for (Map<String, Object> d : docs) {
            assertNotNull(d.get("apiVersion"), "apiVersion in " + d);
            assertNotNull(map(d, "metadata").get("name"), "metadata.name in " + d);
            byKind.put((String) d.get("kind"), d);
        }
        assertEquals(List.of("ConfigMap", "Deployment", "Secret"), byKind.keySet().stream().sorted().toList());

        Map<String, Object> deployment = byKind.get("Deployment");
        Map<String, Object> spec = map(deployment, "spec");
        assertEquals(1, spec.get("replicas"), "one writer per database");
        assertEquals("Recreate", map(spec, "strategy").get("type"), "never two Pods at once");
        Map<String, Object> pod = map(map(spec, "template"), "spec");
        Map<String, Object> walship = container(pod, "walship");
        Map<String, Object> app = container(pod, "app");
        assertEquals(List.of("replicate", "-config", "/etc/walship/walship.yml", "-restore-if-db-not-exists"), walship.get("args"));
        assertEquals("walship:" + VERSION, walship.get("image"), "the image tag build-image gives: the project's version");
        // The app may start once the restore is over (/startupz), not merely once walship is alive (/healthz, which
        // answers during the restore); the startup budget allows a long restore.
        Map<String, Object> startup = map(walship, "startupProbe");
        assertEquals("/startupz", map(startup, "httpGet").get("path"));
        long budget = ((Number) startup.get("periodSeconds")).longValue() * ((Number) startup.get("failureThreshold")).longValue();
        assertTrue(budget >= Duration.ofHours(12).toSeconds(), "startup budget " + budget + " s");

        int port = (Integer) list(walship, "ports").stream().map(PackagingTest::asMap)
                .filter(x -> "walship-http".equals(x.get("name"))).findFirst().orElseThrow().get("containerPort");
        assertEquals("/readyz", map(map(walship, "readinessProbe"), "httpGet").get("path"));
        assertEquals("/healthz", map(map(walship, "livenessProbe"), "httpGet").get("path"));
        assertEquals("walship-http", map(map(walship, "readinessProbe"), "httpGet").get("port"));

        // Credentials come from the Secret in the manifest, under the names walship reads.
        Map<String, Object> secret = byKind.get("Secret");
        Map<String, String> fromSecret = new HashMap<>();
        for (Object o : list(walship, "env")) {
            Map<String, Object> env = asMap(o);
            Map<String, Object> ref = map(map(env, "valueFrom"), "secretKeyRef");
            assertEquals(map(secret, "metadata").get("name"), ref.get("name"));
            assertTrue(map(secret, "stringData").containsKey(ref.get("key")), "the Secret has key " + ref.get("key"));
            fromSecret.put((String) env.get("name"), (String) ref.get("key"));
        }
        assertEquals(List.of("WALSHIP_ACCESS_KEY_ID", "WALSHIP_SECRET_ACCESS_KEY"), fromSecret.keySet().stream().sorted().toList());

        // The ConfigMap holds a configuration walship accepts; its database lies on the volume both containers mount,
        // and it serves HTTP on the port the probes use.
        Map<String, Object> configMap = byKind.get("ConfigMap");
        Path configFile = dir.resolve("walship.yml");
        Files.writeString(configFile, (String) map(configMap, "data").get("walship.yml"));
        WalshipConfig config = WalshipConfig.load(configFile, Map.of(), true);
        assertEquals(port, ListenAddress.parse(config.addr()).port());
        String configMount = mountPath(walship, volumeOfConfigMap(pod, (String) map(configMap, "metadata").get("name")));
        assertEquals("/etc/walship", configMount, "-config /etc/walship/walship.yml is in the mounted ConfigMap");
        for (DatabaseConfig db : config.dbs()) {
            Path folder = db.path().getParent();
            String shared = sharedVolume(pod, walship, app, folder);
            assertNotNull(shared, db.path() + " must be on a volume that both containers mount");
        }
    }

    // ---- container --------------------------------------------------------------------------------------------

    @Test
    void dockerfileBuildsTheReleaseArchiveAndRunsItUnderTiniAsNonRoot() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("packaging/container/Dockerfile"));
        List<String> froms = dockerfile.lines().filter(l -> l.startsWith("FROM ")).toList();
        assertEquals(2, froms.size(), "multi-stage: build, then run");
        assertTrue(froms.get(0).contains("jdk") && froms.get(0).endsWith(" AS build"), froms.get(0));
        assertTrue(froms.get(1).contains("jre"), froms.get(1));
        assertTrue(dockerfile.contains("./mvnw ") && dockerfile.contains("-pl dist -am package"), "built with the Maven wrapper");
        assertTrue(dockerfile.contains("test -f \"dist/target/walship-${VERSION}.tar.gz\""),
                "the build fails unless the archive's version is the tag's");
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(dockerfile);
        assertTrue(user.find(), "a USER line");
        assertFalse(user.group(1).startsWith("0") || user.group(1).startsWith("root"), user.group(1));
        assertTrue(dockerfile.contains("\nEXPOSE 9090\n"));
        // tini is PID 1: it reaps orphans (what an -exec app leaves) and forwards signals to walship.
        assertTrue(dockerfile.contains("apt-get install -y --no-install-recommends tini"), "tini is installed");
        assertTrue(dockerfile.contains("\nENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/walship\"]\n"));
        assertTrue(dockerfile.contains("ln -s /opt/walship/bin/walship /usr/local/bin/walship"), "walship on the PATH");
        for (String label : List.of("title", "description", "version=\"${VERSION}\"", "revision=\"${REVISION}\"",
                "created=\"${CREATED}\"")) {
            assertTrue(dockerfile.contains("org.opencontainers.image." + label), "OCI label " + label);
        }
        // Maven reads every module of the reactor: each module's pom must be in the build stage.
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (modules.find()) {
            String m = modules.group(1);
            assertTrue(dockerfile.contains("COPY " + m + "/ " + m + "/") || dockerfile.contains("COPY " + m + "/pom.xml " + m + "/"),
                    "the Dockerfile copies module " + m);
        }
        for (Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(.+) \\S+$").matcher(dockerfile); copy.find(); ) {
            for (String source : copy.group(1).split(" ")) {
                assertTrue(Files.exists(ROOT.resolve(source)), "COPY source " + source + " exists");
            }
        }
        // What the build reads from outside the modules is in the build context too: the parent pom's Checkstyle
        // configuration, and what the release archive's assembly takes.
        Matcher buildConfig = Pattern.compile("<walship.buildConfig>\\$\\{maven.multiModuleProjectDirectory}/([^<]+)</")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(buildConfig.find(), "the parent pom names its build configuration folder");
        assertTrue(dockerfile.contains("COPY " + buildConfig.group(1) + "/ " + buildConfig.group(1) + "/"),
                "the Dockerfile copies " + buildConfig.group(1) + "/");
        // Test-jars are dependencies of other modules' tests: skipping their compilation (maven.test.skip) breaks the
        // reactor, so the image's build only skips running them.
        assertFalse(dockerfile.contains("maven.test.skip"), "the image's build compiles the tests (test-jars)");
        for (String outside : List.of("README.md", "docs/", "packaging/systemd/")) {
            assertTrue(dockerfile.contains("COPY " + outside) || dockerfile.contains(" " + outside + " "), outside);
        }
    }

    /**
     * build-image tags the image with the project's version and passes it, the commit and the time as labels. No
     * docker engine here: a stand-in docker on the PATH records the command line build-image runs.
     */
    @Test
    void buildImageTagsTheImageWithTheProjectsVersion() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path args = dir.resolve("docker-args");
        Path docker = bin.resolve("docker");
        Files.writeString(docker, "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + args + "\n");
        docker.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("packaging/container/build-image").toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> argv = Files.readAllLines(args);
        assertEquals("build", argv.get(0));
        assertEquals("walship:" + VERSION, argv.get(argv.indexOf("-t") + 1), argv.toString());
        assertTrue(argv.contains("VERSION=" + VERSION), argv.toString());
        assertTrue(argv.stream().anyMatch(a -> a.matches("REVISION=[0-9a-f]{40}")), argv.toString());
        assertTrue(argv.stream().anyMatch(a -> a.matches("CREATED=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")), argv.toString());
        assertEquals("packaging/container/Dockerfile", argv.get(argv.indexOf("-f") + 1));
    }

    // ---- release archive ----------------------------------------------------------------------------------------

    /**
     * The release archive, unpacked as OPERATIONS.md installs it: its launcher runs the jar from any folder and through
     * a symbolic link on the PATH, prints the version Maven built, its help, and reaches {@code walship status}; the
     * man pages and the completion script are there; the systemd unit in it is the repository's, and every path the
     * unit names under /opt/walship is a file of the archive.
     */
    @Test
    void theReleaseArchiveInstallsALauncherManPagesCompletionAndTheUnit() throws Exception {
        Path home = unpackRelease();
        Path link = Files.createDirectories(dir.resolve("usr-local-bin")).resolve("walship");
        Files.createSymbolicLink(link, home.resolve("bin/walship"));

        Run version = launch(link, "version");
        assertEquals(0, version.code(), version.out());
        assertEquals("walship " + VERSION, version.out().lines().findFirst().orElse(""), version.out());
        assertTrue(version.out().lines().anyMatch(l -> l.matches("commit ([0-9a-f]{40}|unknown).*")), version.out());
        assertTrue(version.out().lines().anyMatch(l -> l.matches("built \\d{4}-.*Z")), version.out());
        assertEquals(version.out(), launch(home.resolve("bin/walship"), "--version").out());

        Run help = launch(link, "--help");
        assertEquals(0, help.code(), help.out());
        for (String command : List.of("replicate", "restore", "ls", "verify", "status", "databases", "version")) {
            assertTrue(help.out().contains(command), command + " in " + help.out());
            Path page = home.resolve("share/man/man1/walship-" + command + ".1");
            assertTrue(Files.size(page) > 500, page + " exists");
        }
        assertTrue(Files.isRegularFile(home.resolve("share/man/man1/walship.1")));
        String completion = Files.readString(home.resolve("share/bash-completion/completions/walship"));
        assertTrue(completion.contains("complete -F") && completion.contains("replicate"), "a bash completion script");
        Run status = launch(link, "status", "--addr", "127.0.0.1:1");
        assertEquals(13, status.code(), "status from the installed launcher, no daemon there: " + status.out());

        String unitText = Files.readString(home.resolve("systemd/walship.service"));
        assertEquals(Files.readString(ROOT.resolve("packaging/systemd/walship.service")), unitText);
        Map<String, List<String>> unit = unitSettings(unitText);
        List<String> installed = new ArrayList<>();
        installed.add(unit.get("ExecStart").get(0).split(" ")[0]);
        for (String doc : unit.get("Documentation").get(0).split(" ")) {
            if (doc.startsWith("file://")) {
                installed.add(doc.substring("file://".length()));
            } else if (doc.startsWith("man:")) {
                Matcher m = Pattern.compile("man:([\\w-]+)\\((\\d)\\)").matcher(doc);
                assertTrue(m.matches(), doc);
                installed.add("/opt/walship/share/man/man" + m.group(2) + "/" + m.group(1) + "." + m.group(2));
            }
        }
        assertTrue(installed.size() >= 3, installed.toString());
        for (String path : installed) {
            assertTrue(path.startsWith("/opt/walship/"), path + " is under /opt/walship");
            Path file = home.resolve(path.substring("/opt/walship/".length()));
            assertTrue(Files.isRegularFile(file), path + " is in the archive (" + file + ")");
        }
        assertTrue(Files.isExecutable(home.resolve("bin/walship")), "the launcher is executable");
        for (String doc : List.of("README.md", "OPERATIONS.md", "CONFIG.md", "FORMAT.md")) {
            assertTrue(Files.isRegularFile(home.resolve("docs/" + doc)), doc);
        }
    }

    /**
     * The launcher passes lib/walship.jsa, when there is one (the container image trains one), as the class-data
     * sharing archive, and runs without a word when the file is not an archive this JVM and jar can use. With
     * {@code -Xshare:on} the JVM fails rather than run without the archive it was given, which shows that the launcher
     * passed the file.
     */
    @Test
    void theReleaseLauncherUsesAClassDataSharingArchiveInLib() throws Exception {
        Path home = unpackRelease();
        Path launcher = home.resolve("bin/walship");
        Path jsa = home.resolve("lib/walship.jsa");
        Files.writeString(jsa, "not an archive");
        Run garbage = launch(launcher, "--version");
        assertEquals(0, garbage.code(), garbage.out());
        assertTrue(garbage.out().startsWith("walship "), "nothing but the version: " + garbage.out());
        assertNotEquals(0, launchWith(launcher, "-Xshare:on", "--version").code(), "the launcher passes lib/walship.jsa");

        Files.delete(jsa);
        Process train = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ArchiveClassesAtExit=" + jsa, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-jar", home.resolve("lib/walship.jar").toRealPath().toString(), "--help").redirectErrorStream(true).start();
        String trained = new String(train.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(train.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, train.exitValue(), trained);
        assertTrue(Files.isRegularFile(jsa), "the training run wrote " + jsa);
        Run used = launchWith(launcher, "-Xshare:on", "--version");
        assertEquals(0, used.code(), "a matching archive is used: " + used.out());
        assertTrue(used.out().startsWith("walship "), used.out());
    }

    private record Run(int code, String out) {
    }

    private static Run launch(Path launcher, String... args) throws Exception {
        return launchWith(launcher, "", args);
    }

    /** Runs the launcher with {@code javaOpts} added to {@code WALSHIP_JAVA_OPTS}. */
    private static Run launchWith(Path launcher, String javaOpts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // The launcher finds java through JAVA_HOME, as on a machine whose java is not on the PATH.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("WALSHIP_JAVA_OPTS", ("-Xmx128m -XX:TieredStopAtLevel=1 " + javaOpts).strip());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher finished");
        return new Run(p.exitValue(), out);
    }

    /** Unpacks walship-VERSION.tar.gz (built by the dist module) into the test's folder; returns its walship-VERSION/. */
    private Path unpackRelease() throws Exception {
        Path archive = Path.of(System.getProperty("walship.dist", "missing"));
        assertTrue(Files.isRegularFile(archive), archive + " is built by the dist module (./mvnw -pl it -am verify)");
        Path into = Files.createDirectories(dir.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", into.toString()).redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tar.exitValue(), out);
        Path home = into.resolve("walship-" + VERSION);
        assertTrue(Files.isDirectory(home), "the archive unpacks into walship-" + VERSION + "/");
        return home;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The settings of a unit file, key to values in order; comments and section headers are skipped. */
    static Map<String, List<String>> unitSettings(String text) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";") || l.startsWith("[")) {
                continue;
            }
            int eq = l.indexOf('=');
            out.computeIfAbsent(l.substring(0, eq).strip(), k -> new ArrayList<>()).add(l.substring(eq + 1).strip());
        }
        return out;
    }

    private static Duration systemdSeconds(String value) {
        Matcher m = Pattern.compile("(\\d+)(s|min)?").matcher(value);
        assertTrue(m.matches(), "a time span in s or min: " + value);
        long n = Long.parseLong(m.group(1));
        return "min".equals(m.group(2)) ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
    }

    private static Path onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static List<Map<String, Object>> yamlDocuments(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object o : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
            docs.add(asMap(o));
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        if (!(o instanceof Map)) {
            fail("expected a mapping, found " + o);
        }
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return asMap(m.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) {
        Object o = m.get(key);
        return o == null ? List.of() : (List<Object>) o;
    }

    /** A container or native sidecar (an init container) of the Pod by name. */
    private static Map<String, Object> container(Map<String, Object> pod, String name) {
        for (String kind : List.of("containers", "initContainers")) {
            for (Object o : list(pod, kind)) {
                if (name.equals(asMap(o).get("name"))) {
                    Map<String, Object> c = asMap(o);
                    if (kind.equals("initContainers")) {
                        assertEquals("Always", c.get("restartPolicy"), name + " must be a native sidecar, not a one-shot init container");
                    }
                    return c;
                }
            }
        }
        return fail("no container " + name);
    }

    private static String volumeOfConfigMap(Map<String, Object> pod, String configMap) {
        for (Object o : list(pod, "volumes")) {
            Map<String, Object> v = asMap(o);
            if (v.get("configMap") instanceof Map<?, ?> cm && configMap.equals(cm.get("name"))) {
                return (String) v.get("name");
            }
        }
        return fail("no volume of ConfigMap " + configMap);
    }

    private static String mountPath(Map<String, Object> container, String volume) {
        for (Object o : list(container, "volumeMounts")) {
            Map<String, Object> m = asMap(o);
            if (volume.equals(m.get("name"))) {
                return (String) m.get("mountPath");
            }
        }
        return null;
    }

    /** The volume both containers mount at {@code folder} (or above it), or null. */
    private static String sharedVolume(Map<String, Object> pod, Map<String, Object> a, Map<String, Object> b, Path folder) {
        for (Object o : list(pod, "volumes")) {
            String name = (String) asMap(o).get("name");
            String pa = mountPath(a, name);
            String pb = mountPath(b, name);
            if (pa != null && pa.equals(pb) && folder.startsWith(Path.of(pa))) {
                return name;
            }
        }
        return null;
    }
}
