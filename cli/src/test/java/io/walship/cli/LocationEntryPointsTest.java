package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.config.ByteSize;
import io.walship.config.FolderLocation;
import io.walship.config.ReplicaLocation;
import io.walship.config.S3Credentials;
import io.walship.config.S3Location;
import io.walship.config.Secret;
import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.StorageException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same replica locations fed to every entry point: the command line of {@code replicate}, {@code restore},
 * {@code ls} and {@code verify}, and a configuration file's {@code url:} and its separate keys ({@code type: s3}, {@code bucket:},
 * {@code path:}, {@code endpoint:}, ...), read through {@code replicate -config}, {@code restore -config},
 * {@code ls -config}, {@code verify -config} and {@code databases -config}. Each entry point must reach the same
 * typed location, or refuse the input as a usage error (exit 2) with the same problem. Which location a command
 * parsed is seen at the storage boundary: the commands open replicas through a recording {@link ReplicaOpener}
 * whose storage answers every listing with "bucket not found" (exit 10), so nothing touches a network;
 * {@code databases} opens nothing and prints the location's masked URL. No entry point ever prints a credential of
 * the table (AKIAEXAMPLE, s3cr3t), whether it accepts the input or refuses it.
 *
 * <p>Two differences are by design and are rows of the table too: under {@code url:} a configuration file requires a
 * scheme (as Litestream does; a folder goes under {@code path:}), and names other Litestream replica types there as
 * such.
 */
class LocationEntryPointsTest {
    /** The credentials the table uses; no output of any run may contain them. */
    private static final String KEY_ID = "AKIAEXAMPLE";
    private static final String SECRET = "s3cr3t";

    @TempDir
    static Path dir;

    /** What an entry point must do with an input: reach this location, or fail with exit 2 and this problem. */
    sealed interface Expect {
    }

    record Reaches(ReplicaLocation location) implements Expect {
    }

    record Refuses(String problem) implements Expect {
    }

    /**
     * One input and what each entry point must make of it.
     *
     * @param input what the user writes on the command line and under {@code url:}
     * @param cli what replicate, restore, ls and verify do with it
     * @param url what a configuration file's {@code url:} does with it, or null for the same as {@code cli}
     * @param keys the same replica written with separate keys (YAML lines of one replica), or null where there is no
     *             such form
     * @param viaKeys what the keys form does, or null for the same as {@code cli}
     */
    record Row(String input, Expect cli, Expect url, String keys, Expect viaKeys) {
        @Override
        public String toString() {
            return input;
        }
    }

    private static S3Location s3(String bucket, String path, String endpoint, String region) {
        URI e = endpoint == null ? null : URI.create(endpoint);
        return new S3Location(bucket, path, e, region, e != null, false, null, S3Location.DEFAULT_PART_SIZE,
                S3Location.DEFAULT_CONCURRENCY, e != null ? S3Location.Checksum.WHEN_REQUIRED
                : S3Location.Checksum.WHEN_SUPPORTED, null);
    }

    static Stream<Row> rows() throws Exception {
        Path existing = Files.createDirectories(dir.resolve("backup"));
        Path cwd = Path.of("").toAbsolutePath();
        Files.createDirectories(cwd.resolve("target"));
        S3Location tuned = new S3Location("bucket1", "a/b", URI.create("http://127.0.0.1:9000"), "us-east-1", false,
                true, "STANDARD_IA", ByteSize.ofMebibytes(5), 2, S3Location.Checksum.WHEN_SUPPORTED, null);
        S3Location withKeys = new S3Location("bucket1", "app", null, null, false, false, null,
                S3Location.DEFAULT_PART_SIZE, S3Location.DEFAULT_CONCURRENCY, S3Location.Checksum.WHEN_SUPPORTED,
                new S3Credentials(Secret.of(KEY_ID), Secret.of(SECRET + "/+x")));
        Expect noScheme = new Refuses("has no scheme; write file:///PATH or s3://BUCKET/PATH, or give a folder with path:");
        return Stream.of(
                // The example: DigitalOcean under every command, never an AWS bucket named after the host.
                new Row("s3://mybkt.nyc3.digitaloceanspaces.com/app",
                        new Reaches(s3("mybkt", "app", "https://nyc3.digitaloceanspaces.com", "nyc3")), null,
                        "type: s3\nbucket: mybkt\npath: app\nendpoint: https://nyc3.digitaloceanspaces.com\nregion: nyc3",
                        null),
                new Row("s3://bucket1.localhost:9000/x/",
                        new Reaches(s3("bucket1", "x", "http://localhost:9000", "us-east-1")), null,
                        "type: s3\nbucket: bucket1\npath: /x/\nendpoint: http://localhost:9000\nregion: us-east-1", null),
                new Row("s3://bucket1/a/b?endpoint=http://127.0.0.1:9000&region=us-east-1&part-size=5MiB&concurrency=2"
                        + "&force-path-style=false&checksum=when-supported&skip-verify=yes&storage-class=STANDARD_IA",
                        new Reaches(tuned), null,
                        "type: s3\nbucket: bucket1\npath: a/b\nendpoint: http://127.0.0.1:9000\nregion: us-east-1\n"
                                + "part-size: 5242880\nconcurrency: 2\nforce-path-style: off\nchecksum: when-supported\n"
                                + "skip-verify: true\nstorage-class: STANDARD_IA", null),
                new Row("s3://bucket1/app?access-key-id=" + KEY_ID + "&secret-access-key=" + SECRET + "%2F%2Bx",
                        new Reaches(withKeys), null, "type: s3\nbucket: bucket1\npath: app\naccess-key-id: " + KEY_ID
                        + "\nsecret-access-key: " + SECRET + "/+x", null),
                // The literal example: its bucket 'b' is too short for S3, so every entry point refuses it
                // alike, by that name; none reads it as the (valid) AWS bucket 'b.nyc3.digitaloceanspaces.com'.
                new Row("s3://b.nyc3.digitaloceanspaces.com/app", new Refuses("'b' is not a valid bucket name"), null,
                        "type: s3\nbucket: b\npath: app\nendpoint: https://nyc3.digitaloceanspaces.com", null),
                // A 2-character bucket and a 6GiB part used to pass restore and ls but not replicate.
                new Row("s3://ab/app", new Refuses("'ab' is not a valid bucket name"), null, "type: s3\nbucket: ab\npath: app",
                        null),
                new Row("s3://bucket1/app?part-size=6GiB", new Refuses("outside S3's part size limits"), null,
                        "type: s3\nbucket: bucket1\npath: app\npart-size: 6GiB", null),
                new Row("s3://bucket1/app?part-size=4MiB", new Refuses("outside S3's part size limits"), null,
                        "type: s3\nbucket: bucket1\npath: app\npart-size: 4MiB", null),
                // Refused inputs that carry credentials: the message names the problem, never the secret.
                new Row("s3://ab/app?access-key-id=" + KEY_ID + "&secret-access-key=" + SECRET,
                        new Refuses("'ab' is not a valid bucket name"), null, "type: s3\nbucket: ab\naccess-key-id: "
                        + KEY_ID + "\nsecret-access-key: " + SECRET, null),
                new Row("s3://bucket1/app?endpoint=http://" + KEY_ID + ":" + SECRET + "@127.0.0.1:9000",
                        new Refuses("the endpoint has a user part"), null, "type: s3\nbucket: bucket1\nendpoint: http://"
                        + KEY_ID + ":" + SECRET + "@127.0.0.1:9000", null),
                new Row("file://./target?secret-access-key=" + SECRET, new Refuses("names no folder, or has a query"),
                        null, null, null),
                new Row("s3://bucket1/app?concurrency=65", new Refuses("out of range; write a number from 1 to 64"), null,
                        "type: s3\nbucket: bucket1\nconcurrency: 65", null),
                new Row("s3://bucket1/app?skip-verify=perhaps", new Refuses("'perhaps' is not true or false"), null,
                        "type: s3\nbucket: bucket1\nskip-verify: perhaps", null),
                new Row("s3://bucket1/app?colour=blue", new Refuses("unknown option 'colour'"), null,
                        "type: s3\nbucket: bucket1\ncolour: blue", new Refuses("unknown key")),
                new Row("s3://127.0.0.1:9000/bucket1", new Refuses("is a host and port, not a bucket"), null, null, null),
                new Row("s3:/bucket1/app", new Refuses("an s3 URL starts with s3:// (two slashes)"), null, null, null),
                new Row("bucket1/app", new Refuses("neither a path nor a URL; write ./bucket1/app"), noScheme, null, null),
                new Row("gs://bucket1/app", new Refuses("scheme 'gs' is not supported"),
                        new Refuses("replica type 'gs' is not supported by walship"), "type: gs\nbucket: bucket1",
                        new Refuses("replica type 'gs' is not supported by walship")),
                new Row(existing.toString(), new Reaches(FolderLocation.of(existing)), noScheme,
                        "path: " + existing, null),
                new Row("file://" + existing, new Reaches(FolderLocation.of(existing)), null,
                        "type: file\npath: " + existing, null),
                new Row("./target", new Reaches(FolderLocation.of(cwd.resolve("target"))), noScheme, "path: ./target",
                        null),
                new Row("file://./target", new Reaches(FolderLocation.of(cwd.resolve("target"))), null, "path: target",
                        null),
                new Row("../" + cwd.getFileName() + "/target", new Reaches(FolderLocation.of(cwd.resolve("target"))),
                        noScheme, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyEntryPointReadsTheSameLocation(Row row) throws Exception {
        Path db = dir.resolve("app.db");
        Path out = dir.resolve("out.db");
        check(row.cli(), run("replicate", db.toString(), row.input()), "replicate DB " + row.input());
        check(row.cli(), run("restore", "-o", out.toString(), row.input()), "restore " + row.input());
        check(row.cli(), run("ls", row.input()), "ls " + row.input());
        check(row.cli(), run("verify", row.input()), "verify " + row.input());
        checkConfig(row.url() != null ? row.url() : row.cli(), db, "url: " + row.input());
        if (row.keys() != null) {
            checkConfig(row.viaKeys() != null ? row.viaKeys() : row.cli(), db, row.keys());
        }
    }

    /** Every command that reads a configuration file, given a file whose one database has this replica. */
    private static void checkConfig(Expect expect, Path db, String replicaKeys) throws Exception {
        Path config = writeConfig(db, replicaKeys);
        String what = "config " + replicaKeys.replace('\n', ' ');
        Path out = dir.resolve("out.db");
        check(expect, run("replicate", "-config", config.toString()), "replicate -config, " + what);
        check(expect, run("restore", "-config", config.toString(), "-o", out.toString(), db.toString()),
                "restore -config, " + what);
        check(expect, run("ls", "-config", config.toString(), db.toString()), "ls -config, " + what);
        check(expect, run("verify", "-config", config.toString(), db.toString()), "verify -config, " + what);
        Run listed = run("databases", "-config", config.toString());
        noCredentials(listed, "databases -config, " + what);
        assertEquals(List.of(), listed.opened(), "databases opens no replica");
        if (expect instanceof Reaches r) {
            assertEquals(ExitCodes.OK, listed.result().code(), what + "\nstderr: " + listed.result().err());
            assertTrue(listed.result().out().contains(r.location().maskedUrl()), "databases -config, " + what
                    + ": expected " + r.location().maskedUrl() + " in\n" + listed.result().out());
        } else if (expect instanceof Refuses f) {
            refused(f, listed, "databases -config, " + what);
        }
    }

    /** A run of the command line, and the locations its commands opened. */
    private record Run(CliRun result, List<ReplicaLocation> opened) {
    }

    private static Run run(String... args) {
        List<ReplicaLocation> opened = new ArrayList<>();
        CliRun result = CliRun.with(location -> {
            opened.add(location);
            return new NoBucket(location);
        }, args);
        return new Run(result, opened);
    }

    private static Path writeConfig(Path db, String replicaKeys) throws Exception {
        Path config = dir.resolve("walship.yml");
        Files.writeString(config, "dbs:\n  - path: " + db + "\n    replica:\n"
                + replicaKeys.lines().map(l -> "      " + l + "\n").reduce("", String::concat));
        return config;
    }

    private static void check(Expect expect, Run run, String what) {
        noCredentials(run, what);
        if (expect instanceof Reaches r) {
            assertEquals(List.of(r.location()), run.opened(), what + "\nstderr: " + run.result().err());
            assertEquals(ExitCodes.BUCKET_NOT_FOUND, run.result().code(), what + "\nstderr: " + run.result().err());
        } else if (expect instanceof Refuses f) {
            assertEquals(List.of(), run.opened(), what);
            refused(f, run, what);
        }
    }

    private static void refused(Refuses f, Run run, String what) {
        assertEquals(ExitCodes.USAGE, run.result().code(), what + "\nstderr: " + run.result().err());
        assertTrue(run.result().err().startsWith("walship: ") && run.result().err().contains(f.problem()),
                what + ": expected '" + f.problem() + "' in " + run.result().err());
        assertEquals(1, run.result().err().strip().lines().count(), run.result().err());
    }

    private static void noCredentials(Run run, String what) {
        for (String printed : List.of(run.result().out(), run.result().err())) {
            assertFalse(printed.contains(KEY_ID) || printed.contains(SECRET), what + ": a credential was printed: "
                    + printed);
        }
    }

    /** A storage that answers like a bucket that does not exist, so every command stops before doing anything. */
    private record NoBucket(ReplicaLocation location) implements ReplicaStorage {
        @Override
        public String describe() {
            return location.describe();
        }

        @Override
        public void put(String key, Path source) throws StorageException {
            throw missing();
        }

        @Override
        public InputStream get(String key, long offset) throws StorageException {
            throw missing();
        }

        @Override
        public byte[] getRange(String key, long offset, int length) throws StorageException {
            throw missing();
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws StorageException {
            throw missing();
        }

        @Override
        public void delete(Collection<String> keys) throws StorageException {
            throw missing();
        }

        private StorageException missing() {
            return new StorageException(StorageException.Problem.BUCKET_NOT_FOUND, "test: " + describe()
                    + " does not exist", null);
        }
    }
}
