package io.walship.it.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * probes, credentials, a valid configuration on a shared volume), and the Dockerfile must copy every module.
 */
class PackagingTest {
    private static final Path ROOT = repositoryRoot();

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
        expected.put("ExecStart", "/usr/bin/java -XX:+ExitOnOutOfMemoryError -jar /opt/walship/walship.jar replicate -config /etc/walship.yml");
        expected.forEach((k, v) -> assertEquals(List.of(v), unit.get(k), k));
        assertFalse(unit.getOrDefault("ReadWritePaths", List.of()).isEmpty(), "the database folders must be writable");
        Duration stop = systemdSeconds(unit.get("TimeoutStopSec").get(0));
        assertTrue(stop.compareTo(WalshipConfig.DEFAULT_FINAL_SYNC_TIMEOUT.plusSeconds(30)) >= 0,
                "TimeoutStopSec " + stop + " leaves the final sync (" + WalshipConfig.DEFAULT_FINAL_SYNC_TIMEOUT + ") room");
    }

    /**
     * {@code systemd-analyze verify} on the unit, with {@code /usr/bin/java} replaced by this JVM's java so that the
     * only thing judged is the unit itself, not whether this machine has a java at that path. verify exits 0 on
     * unknown keys and bad values too (it only warns), so every line that names the unit fails the test. Lines about
     * other units of the host (targets it depends on) are not ours to judge.
     */
    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        Path analyze = onPath("systemd-analyze");
        assumeTrue(analyze != null, "systemd-analyze is not installed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String text = Files.readString(ROOT.resolve("packaging/systemd/walship.service")).replace("/usr/bin/java", java);
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
    void dockerfileBuildsWithTheWrapperAndRunsAsNonRoot() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("packaging/container/Dockerfile"));
        List<String> froms = dockerfile.lines().filter(l -> l.startsWith("FROM ")).toList();
        assertEquals(2, froms.size(), "multi-stage: build, then run");
        assertTrue(froms.get(0).contains("jdk") && froms.get(0).endsWith(" AS build"), froms.get(0));
        assertTrue(froms.get(1).contains("jre"), froms.get(1));
        assertTrue(dockerfile.contains("./mvnw "), "built with the Maven wrapper");
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(dockerfile);
        assertTrue(user.find(), "a USER line");
        assertFalse(user.group(1).startsWith("0") || user.group(1).startsWith("root"), user.group(1));
        assertTrue(dockerfile.contains("\nEXPOSE 9090\n"));
        assertTrue(dockerfile.contains("\nENTRYPOINT [\"/usr/local/bin/walship\"]\n"));
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
