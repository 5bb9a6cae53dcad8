package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Walship;
import io.walship.replicator.DatabaseReplicator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the real jar with S3 replicas: each failure is one line on stderr that starts with {@code walship: }
 * and names what is wrong, with its own exit code (2 usage, 3 not restorable, 10 no such bucket, 11 access denied or
 * no credentials at all, 12 unreachable), no stack trace, no side effect, and never the secret key, whether it came
 * from the environment or the URL, at the default log level or at DEBUG, nor in {@code --help}.
 *
 * <p>Each test runs its commands in parallel (every run is a JVM start) and reports every problem it found.
 */
@Timeout(120)
class S3CliErrorsTest {
    static final int USAGE = 2;
    static final int NOT_RESTORABLE = 3;
    static final int BUCKET_NOT_FOUND = 10;
    static final int ACCESS_DENIED = 11;
    static final int UNREACHABLE = 12;

    /** A wrong secret nobody could mistake for anything else in an output. */
    static final String WRONG_SECRET = "zz-Wrong-Secret-4c9d8e7f-DO-NOT-PRINT";

    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @TempDir
    Path tmp;

    private static ExecutorService pool;
    private Path db;
    private int closedPort;
    private final List<Future<String>> checks = new ArrayList<>();

    @BeforeAll
    static void startPool() {
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdownNow();
    }

    @BeforeEach
    void setUp() throws Exception {
        db = tmp.resolve("app").resolve("app.db");
        Files.createDirectories(db.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t(x)");
            s.execute("INSERT INTO t VALUES (1)");
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closedPort = s.getLocalPort();
        }
    }

    // ---- malformed URLs: 2 ------------------------------------------------------------------------------------

    @Test
    void malformedUrlsAreUsageErrorsNamingTheProblem() throws Exception {
        String ok = "?endpoint=" + S3.endpoint() + "&region=us-east-1";
        Path out = tmp.resolve("out.db");
        run("ls: bad bucket name", env(), USAGE, List.of("Bad_Bucket", "bucket"), "ls", "s3://Bad_Bucket/x" + ok);
        run("ls: unknown option", env(), USAGE, List.of("colour"), "ls", url("x") + "&colour=blue");
        run("ls: bad part-size", env(), USAGE, List.of("part-size", "lots"), "ls", url("x") + "&part-size=lots");
        run("ls: part-size below 5MiB", env(), USAGE, List.of("part-size"), "ls", url("x") + "&part-size=1MiB");
        run("restore: bad part-size", env(), USAGE, List.of("part-size"), r -> assertFalse(Files.exists(out), "no output"),
                "restore", "-o", out.toString(), url("x") + "&part-size=12parsecs");
        run("restore: bad bucket name", env(), USAGE, List.of("bucket"), r -> assertFalse(Files.exists(out), "no output"),
                "restore", "-o", out.toString(), "s3://-x/y" + ok);
        run("replicate: bad bucket name", env(), USAGE, List.of("Bad_Bucket"), r -> assertNoSpool(),
                "replicate", db.toString(), "s3://Bad_Bucket/x" + ok);
        run("replicate: unknown option", env(), USAGE, List.of("colour"), r -> assertNoSpool(),
                "replicate", db.toString(), url("x") + "&colour=blue");
        run("replicate: bad part-size", env(), USAGE, List.of("part-size"), r -> assertNoSpool(),
                "replicate", db.toString(), url("x") + "&part-size=-1");
        // The secret in the URL is not echoed back with the URL.
        run("ls: unknown option, secret in the URL", Map.of(), USAGE, List.of("colour"), "ls",
                url("x") + "&access-key-id=" + S3ProxyServer.ACCESS_KEY + "&secret-access-key=" + WRONG_SECRET + "&colour=blue");
        run("replicate: bad bucket, secret in the URL", Map.of(), USAGE, List.of("Bad_Bucket"), r -> assertNoSpool(), "replicate",
                db.toString(), "s3://Bad_Bucket/x" + ok + "&access-key-id=A&secret-access-key=" + WRONG_SECRET);
        awaitChecks();
    }

    /**
     * Text that is neither a path nor a URL walship reads used to become a local folder silently; every command now
     * refuses it as a usage error before doing anything.
     */
    @Test
    void locationsThatAreNeitherPathsNorUrlsAreUsageErrors() throws Exception {
        Path out = tmp.resolve("out.db");
        for (String[] bad : new String[][] {{"s3:/" + S3.bucket() + "/app", "s3://"},
            {S3.bucket() + "/app", "neither a path nor a URL; write ./" + S3.bucket() + "/app"},
            {"gs://" + S3.bucket() + "/app", "scheme 'gs' is not supported"}}) {
            run("ls " + bad[0], env(), USAGE, List.of(bad[1]), r -> assertNoFolder(bad[0]), "ls", bad[0]);
            run("restore " + bad[0], env(), USAGE, List.of(bad[1]), r -> {
                assertFalse(Files.exists(out), "no output");
                assertNoFolder(bad[0]);
            }, "restore", "-o", out.toString(), bad[0]);
            run("replicate " + bad[0], env(), USAGE, List.of(bad[1]), r -> {
                assertNoSpool();
                assertNoFolder(bad[0]);
            }, "replicate", db.toString(), bad[0]);
        }
        awaitChecks();
    }

    /** {@code ls} of a folder that does not exist is an error like a missing bucket, not an empty listing. */
    @Test
    void lsOfAMissingFolderIsExitCode10() throws Exception {
        Path missing = tmp.resolve("no-such-replica");
        run("ls folder", env(), BUCKET_NOT_FOUND, List.of(missing + " does not exist"), "ls", missing.toString());
        run("ls --json file URL", env(), BUCKET_NOT_FOUND, List.of("does not exist"), r ->
                assertEquals("", r.stdout(), "no JSON for a replica that is not there"), "ls", "--json", "file://" + missing);
        awaitChecks();
    }

    // ---- no credentials anywhere: 11 ----------------------------------------------------------------------------

    /**
     * Without credentials in the URL, the environment, a profile or a role, every command exits 11 with one line that
     * says where walship looked, instead of "unreachable" and the SDK's list of every provider's complaint.
     */
    @Test
    void noCredentialsAnywhereIsExitCode11NamingWhereWalshipLooked() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("empty-home"));
        Map<String, String> none = Map.of("HOME", home.toString(),
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-credentials").toString(),
                "AWS_CONFIG_FILE", home.resolve("no-config").toString());
        String url = url("x");
        Path out = tmp.resolve("out.db");
        List<String> looked = List.of("no S3 credentials for s3://" + S3.bucket() + "/x", "WALSHIP_ACCESS_KEY_ID",
                "LITESTREAM_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", "~/.aws/credentials", "instance roles");
        Consumer<Walship.Result> oneShortLine = r -> {
            String line = r.stderr().lines().filter(l -> l.startsWith("walship: ")).findFirst().orElse("");
            assertTrue(line.length() < 700, "one short line, not the SDK's provider dump (" + line.length() + " chars)");
            assertFalse(r.stderr().contains("Unable to load credentials") || r.stderr().contains("Profile file"),
                    "no SDK provider dump");
        };
        run("ls", none, ACCESS_DENIED, looked, oneShortLine, "ls", url);
        run("restore", none, ACCESS_DENIED, looked, oneShortLine.andThen(r -> assertFalse(Files.exists(out))),
                "restore", "-o", out.toString(), url);
        run("replicate", none, ACCESS_DENIED, looked, oneShortLine.andThen(r -> assertNoSpool()),
                "replicate", db.toString(), url);
        awaitChecks();
    }

    // ---- wrong bucket: 10 -------------------------------------------------------------------------------------

    @Test
    void aBucketThatDoesNotExistIsExitCode10ForEveryCommand() throws Exception {
        String missing = "no-such-bucket-" + ProcessHandle.current().pid();
        String url = S3.url(missing, "x");
        Path out = tmp.resolve("out.db");
        run("ls", env(), BUCKET_NOT_FOUND, List.of(missing), "ls", url);
        run("ls --json", env(), BUCKET_NOT_FOUND, List.of(missing), "ls", "--json", url);
        run("restore", env(), BUCKET_NOT_FOUND, List.of(missing), r -> assertFalse(Files.exists(out), "no output"),
                "restore", "-o", out.toString(), url);
        run("restore --if-replica-exists", env(), BUCKET_NOT_FOUND, List.of(missing), r -> assertFalse(Files.exists(out)),
                "restore", "--if-replica-exists", "-o", out.toString(), url);
        run("replicate", env(), BUCKET_NOT_FOUND, List.of(missing), r -> {
            assertNoSpool();
            assertFalse(S3.client().listBuckets().buckets().stream().anyMatch(b -> b.name().equals(missing)), "no bucket was created");
        }, "replicate", db.toString(), url);
        awaitChecks();
    }

    // ---- wrong credentials: 11 --------------------------------------------------------------------------------

    @Test
    void wrongCredentialsAreExitCode11ForEveryCommandAndTheSecretIsNeverShown() throws Exception {
        String bucket = S3.bucket();
        String url = S3.url(bucket, "x");
        Map<String, String> wrong = S3ProxyServer.env(S3ProxyServer.ACCESS_KEY, WRONG_SECRET);
        Map<String, String> unknownKey = S3ProxyServer.env("no-such-access-key", WRONG_SECRET);
        Path out = tmp.resolve("out.db");
        run("ls, wrong secret", wrong, ACCESS_DENIED, List.of(bucket), "ls", url);
        run("ls, unknown access key", unknownKey, ACCESS_DENIED, List.of(bucket), "ls", "--json", url);
        run("ls, wrong secret in the URL", Map.of(), ACCESS_DENIED, List.of(bucket), "ls",
                url + "&access-key-id=" + S3ProxyServer.ACCESS_KEY + "&secret-access-key=" + WRONG_SECRET);
        run("restore", wrong, ACCESS_DENIED, List.of(bucket), r -> assertFalse(Files.exists(out), "no output"),
                "restore", "-o", out.toString(), url);
        run("replicate", wrong, ACCESS_DENIED, List.of(bucket), r -> {
            assertNoSpool();
            assertEquals(List.of(), S3.listRaw(bucket, ""), "nothing was written to the bucket");
        }, "replicate", db.toString(), url);
        Map<String, String> debug = new LinkedHashMap<>(wrong);
        debug.put("WALSHIP_LOG_LEVEL", "DEBUG");
        run("ls at DEBUG (stack traces logged)", debug, ACCESS_DENIED, List.of(bucket), "ls", url);
        run("restore at DEBUG, secret in the URL", Map.of("WALSHIP_LOG_LEVEL", "DEBUG"), ACCESS_DENIED, List.of(bucket),
                "restore", "-o", out.toString(), url + "&access-key-id=" + S3ProxyServer.ACCESS_KEY + "&secret-access-key=" + WRONG_SECRET);
        awaitChecks();
    }

    // ---- unreachable endpoint: 12 -----------------------------------------------------------------------------

    @Test
    void anUnreachableEndpointIsExitCode12ForEveryCommand() throws Exception {
        String endpoint = "127.0.0.1:" + closedPort;
        String url = "s3://walship-nowhere/x?endpoint=http://" + endpoint + "&region=us-east-1";
        Path out = tmp.resolve("out.db");
        run("ls", env(), UNREACHABLE, List.of(endpoint), "ls", url);
        run("restore", env(), UNREACHABLE, List.of(endpoint), r -> assertFalse(Files.exists(out), "no output"),
                "restore", "-o", out.toString(), url);
        // By default replicate stays up and captures into its spool (S3SidecarStartTest); an operator who wants the
        // start to fail asks for it.
        run("replicate", env(), UNREACHABLE, List.of(endpoint), r -> assertNoSpool(), "replicate", "-exit-on-unreachable",
                db.toString(), url);
        awaitChecks();
    }

    // ---- a replica path with nothing in it --------------------------------------------------------------------

    @Test
    void restoringAnEmptyReplicaIsExitCode3OrANoteWithIfReplicaExists() throws Exception {
        String bucket = S3.bucket();
        String url = S3.url(bucket, "nothing/here");
        Path out = tmp.resolve("out.db");
        run("restore", env(), NOT_RESTORABLE, List.of("nothing/here"), r -> assertFalse(Files.exists(out), "no output"),
                "restore", "-o", out.toString(), url);
        run("restore --if-replica-exists", env(), 0, List.of(), r -> {
            assertFalse(Files.exists(out), "nothing written");
            assertTrue(r.stdout().contains("--if-replica-exists"), "a note on stdout names the option:\n" + r.describe());
            assertEquals(List.of(), S3.listRaw(bucket, ""), "the bucket stays empty");
        }, "restore", "--if-replica-exists", "-o", out.toString(), url);
        run("ls --json", env(), 0, List.of(), r -> assertTrue(r.stdout().contains("\"latestTxid\":0"), r.describe()),
                "ls", "--json", url);
        awaitChecks();
    }

    // ---- --help -----------------------------------------------------------------------------------------------

    @Test
    void helpNeverShowsTheSecret() throws Exception {
        Map<String, String> env = S3ProxyServer.env(S3ProxyServer.ACCESS_KEY, WRONG_SECRET);
        for (List<String> args : List.of(List.of("--help"), List.of("replicate", "--help"), List.of("restore", "--help"),
                List.of("ls", "--help"), List.of("--version"))) {
            run(String.join(" ", args), env, 0, List.of(), r -> assertTrue(r.stdout().contains("walship"), r.describe()),
                    args.toArray(String[]::new));
        }
        awaitChecks();
    }

    /** Every command's help lists the exit codes it can return; none shows an uninterpolated "null". */
    @Test
    void everyCommandsHelpListsItsExitCodes() throws Exception {
        Map<String, List<Integer>> codes = Map.of("replicate", List.of(2, 8, 10, 11, 12, 14, 15, 16),
                "restore", List.of(2, 3, 4, 5, 6, 7, 10, 11, 12), "ls", List.of(2, 4, 7, 10, 11, 12),
                "verify", List.of(2, 3, 4, 6, 7, 10, 11, 12),
                "status", List.of(2, 13), "databases", List.of(0, 1, 2));
        for (Map.Entry<String, List<Integer>> c : codes.entrySet()) {
            run(c.getKey() + " --help", env(), 0, List.of(), r -> {
                String list = r.stdout().substring(Math.max(0, r.stdout().indexOf("Exit codes:")));
                for (int code : c.getValue()) {
                    assertTrue(list.matches("(?s).*\\n +" + code + " +\\S.*"), c.getKey() + " --help lists " + code);
                }
                assertFalse(r.stdout().matches("(?s).*(?<!(:|JSON)\\s{0,5})\\bnull\\b.*"), "an unresolved variable ('null') in the help");
            }, c.getKey(), "--help");
        }
        awaitChecks();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** A refused location created nothing, not even a folder named like it. */
    private void assertNoFolder(String location) {
        Path asFolder = Path.of(location).toAbsolutePath().normalize();
        assertFalse(Files.exists(asFolder), "a folder " + asFolder + " was created");
    }

    private String url(String prefix) {
        return S3.url(S3.bucket(), prefix);
    }

    private static Map<String, String> env() {
        return S3ProxyServer.env();
    }

    private void assertNoSpool() {
        Path spool = DatabaseReplicator.defaultSpoolDir(db);
        assertFalse(Files.exists(spool), "replicate created its spool folder " + spool + " although it refused to start");
    }

    private void run(String name, Map<String, String> env, int code, List<String> mentions, String... args) {
        run(name, env, code, mentions, r -> { }, args);
    }

    /**
     * Runs the jar in the pool and checks: the exit code; for a failure exactly one stderr line starting with
     * "walship: " that names each of {@code mentions}; no stack trace; no secret anywhere in the output; then {@code more}.
     */
    private void run(String name, Map<String, String> env, int code, List<String> mentions, Consumer<Walship.Result> more, String... args) {
        checks.add(pool.submit(() -> {
            Walship.Result r = Walship.run(env, Duration.ofSeconds(60), args);
            List<String> problems = new ArrayList<>();
            if (r.exitCode() != code) {
                problems.add("exit code " + r.exitCode() + ", expected " + code);
            }
            List<String> errorLines = r.stderr().lines().filter(l -> l.startsWith("walship: ")).toList();
            if (code != 0) {
                if (errorLines.size() != 1) {
                    problems.add(errorLines.size() + " stderr lines start with 'walship: ', expected exactly 1");
                }
                for (String m : mentions) {
                    if (errorLines.stream().noneMatch(l -> l.toLowerCase(Locale.ROOT).contains(m.toLowerCase(Locale.ROOT)))) {
                        problems.add("the error line does not mention '" + m + "'");
                    }
                }
            }
            boolean debug = "DEBUG".equals(env.get("WALSHIP_LOG_LEVEL"));
            if (!debug && (r.output().contains("\tat ") || r.output().contains("Exception in thread"))) {
                problems.add("a stack trace was printed");
            }
            for (String secret : List.of(WRONG_SECRET, S3ProxyServer.SECRET_KEY)) {
                if (r.output().contains(secret)) {
                    problems.add("the secret " + secret + " appears in the output");
                }
            }
            try {
                more.accept(r);
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
            return problems.isEmpty() ? null : name + ": " + String.join("; ", problems) + "\n    " + r.describe().replace("\n", "\n    ");
        }));
    }

    private void awaitChecks() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Future<String> f : checks) {
            String problem = f.get();
            if (problem != null) {
                failures.add(problem);
            }
        }
        checks.clear();
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " command(s) misbehaved:\n- " + String.join("\n- ", failures));
        }
    }
}
