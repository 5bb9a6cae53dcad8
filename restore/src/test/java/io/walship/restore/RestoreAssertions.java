package io.walship.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Checks shared by the restore tests. */
final class RestoreAssertions {
    private RestoreAssertions() {
    }

    static RestoreResult restored(RestoreOutcome outcome) {
        return assertInstanceOf(RestoreOutcome.Restored.class, outcome).result();
    }

    /** The restored file is byte-identical to the recorded state, SQLite finds it sound, and nothing is left beside it. */
    static void assertRestored(DatabaseHistory history, long txid, RestoreResult result) throws IOException, SQLException {
        byte[] expected = history.stateAt(txid);
        assertEquals(txid, result.txid(), "restored txid");
        assertEquals(expected.length / history.pageSize(), result.pages(), "pages at txid " + txid);
        assertArrayEquals(expected, Files.readAllBytes(result.output()), "database bytes at txid " + txid);
        assertTrue(IntegrityCheck.run(result.output()).ok(), "integrity at txid " + txid);
        assertNoLeftovers(result.output());
    }

    /** No temporary restore file and no SQLite side file is left in the output's folder. */
    static void assertNoLeftovers(Path output) throws IOException {
        try (Stream<Path> files = Files.list(output.getParent())) {
            List<String> stray = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".walship-restore-") || n.endsWith("-wal") || n.endsWith("-shm")
                            || n.endsWith("-journal"))
                    .collect(Collectors.toList());
            assertEquals(List.of(), stray, "files left beside " + output);
        }
    }
}
