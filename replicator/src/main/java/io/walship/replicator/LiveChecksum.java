package io.walship.replicator;

import io.walship.replica.DatabaseChecksum;
import io.walship.replica.JsonWriter;
import java.time.Instant;

/**
 * The page checksum of the live database at a txid, computed by the capture thread under its read transaction: a
 * restore of the same txid must have the same checksum, or the replica diverged from the database it follows.
 *
 * @param txid     the txid whose state was checksummed (the last one walship had captured)
 * @param time     when that transaction was captured
 * @param checksum the state's page checksum
 */
public record LiveChecksum(long txid, Instant time, DatabaseChecksum checksum) {

    /** The form {@code /checksum} answers with: one JSON object. */
    public String toJson() {
        return JsonWriter.compact().beginObject()
                .name("txid").value(txid)
                .name("time").value(time.toString())
                .name("pageSize").value(checksum.pageSize())
                .name("pages").value(checksum.databasePages())
                .name("sha256").value(checksum.sha256())
                .endObject().toJson();
    }
}
