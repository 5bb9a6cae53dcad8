package io.walship.replicator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /status document survives its JSON round trip, hides credentials, and tolerates other versions' fields. */
class DaemonStatusTest {

    @Test
    void jsonRoundTripKeepsEveryField() {
        DaemonStatus.ReplicaStatus ok = new DaemonStatus.ReplicaStatus("s3", "s3://bucket/app at http://minio:9000", 41,
                0.25, Instant.parse("2026-11-26T04:00:01.500Z"), null, null);
        DaemonStatus.ReplicaStatus broken = new DaemonStatus.ReplicaStatus("file", "/backup/app", 0, 12.0, null,
                "disk full: \"/backup\"\nretrying", "another writer owns it");
        DaemonStatus s = new DaemonStatus(Instant.parse("2026-11-26T04:00:02Z"), false, "/data/app.db -> file: failed",
                List.of(new DaemonStatus.DatabaseStatus("/data/app.db", 42, Instant.parse("2026-11-26T04:00:01Z"), 8192, true,
                        null, null, List.of(ok, broken), List.of(new DaemonStatus.TxidRange(12, 40),
                        new DaemonStatus.TxidRange(41, 41))),
                        new DaemonStatus.DatabaseStatus("/data/other.db", 0, null, 0, false, "SQLITE_BUSY", null, List.of())));
        assertEquals(s, DaemonStatus.fromJson(s.toJson()));
        Object parsed = Json.parse(s.toJson());
        assertTrue(parsed instanceof Map<?, ?> m && m.containsKey("databases"), s.toJson());
        assertTrue(s.toJson().contains("\"spoolDropped\": [{\"firstTxid\": 12, \"lastTxid\": 40}, {\"firstTxid\": 41,"
                + " \"lastTxid\": 41}]"), s.toJson());
        assertTrue(s.toJson().contains("\"spoolDropped\": []"), "a database that dropped nothing says so\n" + s.toJson());
    }

    @Test
    void unknownFieldsAreIgnoredAndMissingOnesAreEmpty() {
        DaemonStatus s = DaemonStatus.fromJson("""
                {"ready": true, "version": "9.9", "databases": [{"path": "/a.db", "replicas": [{"name": "r", "extra": [1, {"x": null}]}]}]}
                """);
        assertTrue(s.ready());
        assertNull(s.time());
        assertEquals("/a.db", s.databases().get(0).path());
        assertEquals(0, s.databases().get(0).localTxid());
        assertEquals("r", s.databases().get(0).replicas().get(0).name());
        assertFalse(s.databases().get(0).capturing());
        assertEquals(List.of(), s.databases().get(0).spoolDropped(), "a daemon of an older version reports no drops");
    }

    @Test
    void notJsonIsRejectedWithThePosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DaemonStatus.fromJson("<html>"));
        assertTrue(e.getMessage().contains("character 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DaemonStatus.fromJson("[1, 2]"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1} x"));
        assertEquals("é\u0001\t", Json.parse("\"\\u00e9\\u0001\\t\""));
    }

    @Test
    void credentialsInALocationAreMasked() {
        assertEquals("s3://****@bucket/app", DaemonStatus.withoutSecrets("s3://AKIA:secret@bucket/app"));
        assertEquals("s3://bucket/app?region=x&secret-access-key=****&access-key-id=****",
                DaemonStatus.withoutSecrets("s3://bucket/app?region=x&secret-access-key=abc&access-key-id=AKIA"));
        assertEquals("/backup/app", DaemonStatus.withoutSecrets("/backup/app"));
        assertEquals("s3://bucket/app at http://minio:9000", DaemonStatus.withoutSecrets("s3://bucket/app at http://minio:9000"));
    }
}
