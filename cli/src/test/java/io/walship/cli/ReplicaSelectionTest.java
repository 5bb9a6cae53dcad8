package io.walship.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.FileReplicaStorage;
import io.walship.restore.DatabaseHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore -config FILE DB}, {@code ls -config FILE DB} and {@code verify -config FILE DB}: the database's replica comes from the configuration
 * file, the first one or the one {@code --replica} names, as {@code litestream restore -config FILE DB} does.
 */
class ReplicaSelectionTest {
    @TempDir
    Path dir;

    private DatabaseHistory source;
    private Path db;
    private Path config;

    /** The primary replica holds txids 1-6, the second 1-3. */
    @BeforeEach
    void setUp() throws Exception {
        source = DatabaseHistory.sixTransactions(dir.resolve("source.db"));
        FileReplicaStorage primary = new FileReplicaStorage(dir.resolve("primary"));
        source.writeSnapshot(primary, 1);
        source.writeSegment(primary, 2, 3);
        source.writeSegment(primary, 4, 6);
        FileReplicaStorage second = new FileReplicaStorage(dir.resolve("second"));
        source.writeSnapshot(second, 1);
        source.writeSegment(second, 2, 3);
        db = dir.resolve("data/app.db");
        config = dir.resolve("walship.yml");
        Files.writeString(config, """
                dbs:
                  - path: %s
                    replicas:
                      - name: primary
                        path: %s
                      - name: second
                        url: file://%s
                  - path: %s
                    replica: {path: %s}
                """.formatted(db, dir.resolve("primary"), dir.resolve("second"), dir.resolve("other.db"),
                dir.resolve("other")));
    }

    @AfterEach
    void tearDown() throws Exception {
        source.close();
    }

    @Test
    void restoresTheDatabaseFromItsFirstReplica() throws Exception {
        Path out = dir.resolve("out/app.db");
        CliRun run = CliRun.of("restore", "-config", config.toString(), "-o", out.toString(), db.toString()).succeeds();
        assertTrue(run.out().startsWith("restored " + out + " to txid 6 "), run.out());
        assertArrayEquals(source.stateAt(6), Files.readAllBytes(out));
    }

    @Test
    void replicaPicksAnotherOneByName() throws Exception {
        Path out = dir.resolve("out/app.db");
        CliRun.of("restore", "-config", config.toString(), "--replica", "second", "-o", out.toString(), db.toString())
                .succeeds();
        assertArrayEquals(source.stateAt(3), Files.readAllBytes(out));
        String listing = CliRun.of("ls", "-config", config.toString(), "-replica", "second", db.toString()).succeeds().out();
        assertTrue(listing.startsWith("replica file://" + dir.resolve("second") + "\n"), listing);
        assertTrue(listing.contains("\nlatest txid 3\n"), listing);
    }

    /** Without -o the database is restored to its own path; --if-db-not-exists then leaves it, as at a container start. */
    @Test
    void withoutOutputTheDatabaseIsRestoredInPlace() throws Exception {
        CliRun.of("restore", "-config", config.toString(), "--if-db-not-exists", db.toString()).succeeds();
        assertArrayEquals(source.stateAt(6), Files.readAllBytes(db));
        CliRun again = CliRun.of("restore", "-config", config.toString(), "--if-db-not-exists", db.toString()).succeeds();
        assertTrue(again.out().contains("--if-db-not-exists"), again.out());
        assertArrayEquals(source.stateAt(6), Files.readAllBytes(db));
    }

    @Test
    void lsListsTheFirstReplica() {
        String listing = CliRun.of("ls", "-config", config.toString(), db.toString()).succeeds().out();
        assertTrue(listing.startsWith("replica file://" + dir.resolve("primary") + "\n"), listing);
        assertTrue(listing.contains("\nlatest txid 6\n"), listing);
    }

    /** verify takes the same selection (the mixin is shared). */
    @Test
    void verifyChecksTheSelectedReplica() {
        String first = CliRun.of("verify", "-config", config.toString(), db.toString()).succeeds().out();
        assertTrue(first.startsWith("replica file://" + dir.resolve("primary") + "\n") && first.contains("latest txid 6"),
                first);
        String second = CliRun.of("verify", "-config", config.toString(), "--replica", "second", db.toString())
                .succeeds().out();
        assertTrue(second.startsWith("replica file://" + dir.resolve("second") + "\n") && second.contains("latest txid 3"),
                second);
    }

    @Test
    void mistakesAreUsageErrorsNamingWhatToFix() throws Exception {
        Path out = dir.resolve("out.db");
        CliRun.of("restore", "-config", config.toString(), "-o", out.toString(), dir.resolve("nope.db").toString())
                .fails(ExitCodes.USAGE, "database " + dir.resolve("nope.db") + " is not listed in " + config + "; it lists "
                        + db + ", " + dir.resolve("other.db"));
        CliRun.of("ls", "-config", config.toString(), "--replica", "tertiary", db.toString())
                .fails(ExitCodes.USAGE, "lists no replica named 'tertiary' for " + db + "; its replicas are primary, second");
        CliRun.of("ls", "--replica", "second", dir.resolve("primary").toString())
                .fails(ExitCodes.USAGE, "--replica needs -config FILE");
        CliRun.of("restore", "-o", out.toString(), "-config", dir.resolve("absent.yml").toString(), db.toString())
                .fails(ExitCodes.USAGE, "config file not found");
        Path bad = Files.writeString(dir.resolve("bad.yml"), "dbs:\n  - path: /x.db\n    replica: {url: 'bkt/app'}\n");
        CliRun.of("ls", "-config", bad.toString(), "/x.db").fails(ExitCodes.USAGE, "bad.yml:3: key 'dbs[0].replica.url'");
        assertFalse(Files.exists(out));
    }

    @Test
    void theDefaultConfigIsNotReadWithoutMinusConfig() throws Exception {
        // Without -config the argument is a replica: a database path is a folder that holds no snapshot.
        Files.createDirectories(db.getParent());
        CliRun.of("restore", "-o", dir.resolve("x.db").toString(), db.getParent().toString())
                .fails(ExitCodes.NOT_RESTORABLE, "no snapshot");
        assertEquals(ExitCodes.USAGE, CliRun.of("restore", db.toString()).code(), "-o is required without -config");
    }
}
