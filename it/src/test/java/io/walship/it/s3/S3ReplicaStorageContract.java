package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.ObjectInfo;
import io.walship.replica.ReplicaStorage;
import io.walship.replica.S3ReplicaStorage;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The contract against an S3-compatible server, opened the way users name it ({@code s3://bucket/prefix?endpoint=...})
 * with credentials from the environment map, plus what only S3 has: a key prefix inside the bucket, ETags of multipart
 * objects, conditional writes.
 */
abstract class S3ReplicaStorageContract extends ReplicaStorageContract {
    static final String PREFIX = "dbs/app.db";

    protected String bucket;

    protected abstract URI endpoint();

    protected abstract S3Client raw();

    protected abstract Map<String, String> env();

    /** A new empty bucket for this test. */
    protected abstract String newBucket();

    @Override
    protected ReplicaStorage open(long partSize) {
        bucket = newBucket();
        return S3Urls.open(S3ProxyServer.url(endpoint(), bucket, PREFIX, "part-size=" + partSize, "concurrency=3"), env());
    }

    @Override
    protected void putDirectoryMarker(String key) {
        raw().putObject(b -> b.bucket(bucket).key(PREFIX + "/" + key).contentType("application/x-directory"), RequestBody.empty());
    }

    @Override
    protected void checkMultipartObject(String key, long size) {
        var head = raw().headObject(b -> b.bucket(bucket).key(PREFIX + "/" + key));
        assertEquals(size, head.contentLength());
        long parts = (size + PART_SIZE - 1) / PART_SIZE;
        assertTrue(head.eTag().replace("\"", "").endsWith("-" + parts),
                "a multipart object's ETag ends in -<parts> (" + parts + "): " + head.eTag());
    }

    @Test
    void keysAreRelativeToThePrefixAndOtherPrefixesAreNotListed() throws Exception {
        storage.put("snapshots/0000000000000001.snapshot", file(bytes(100)));
        // Neighbours in the same bucket that are not this replica's objects.
        raw().putObject(b -> b.bucket(bucket).key("dbs/app.db2/snapshots/0000000000000001.snapshot"), RequestBody.fromString("x"));
        raw().putObject(b -> b.bucket(bucket).key("dbs/other.db/segments/0000000000000001-0000000000000002.segment"),
                RequestBody.fromString("y"));
        raw().putObject(b -> b.bucket(bucket).key("top-level-object"), RequestBody.fromString("z"));

        Set<String> raw = rawKeys();
        assertTrue(raw.contains(PREFIX + "/snapshots/0000000000000001.snapshot"), "stored under the URL's path: " + raw);
        Set<String> listed = storage.list("").stream().map(ObjectInfo::key).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("snapshots/0000000000000001.snapshot"), listed, "only this replica's objects, relative to its root");
        assertEquals(100, storage.getRange("snapshots/0000000000000001.snapshot", 0, 1000).length);
    }

    @Test
    void theServerHonoursConditionalWritesSoPutsAreCreateOnly() throws Exception {
        S3ReplicaStorage s3 = (S3ReplicaStorage) storage;
        assertEquals(null, s3.createOnly(), "unknown before the first put");
        storage.put("segments/0000000000000001-0000000000000001.segment", file(bytes(10)));
        assertEquals(Boolean.TRUE, s3.createOnly(), "the server answered 412 to the probe's second If-None-Match: * put");
        assertEquals(Set.of(PREFIX + "/segments/0000000000000001-0000000000000001.segment"), rawKeys(),
                "the create-only probe object was deleted");
    }

    @Test
    void describeNamesTheReplicaWithoutSecrets() {
        String d = storage.describe();
        assertTrue(d.contains(bucket) && d.contains(PREFIX) && d.contains(endpoint().toString()), d);
        String secret = env().get("WALSHIP_SECRET_ACCESS_KEY");
        assertFalse(d.contains(secret), d);
        assertFalse(((S3ReplicaStorage) storage).location().toString().contains(secret));
    }

    protected Set<String> rawKeys() {
        Set<String> out = new TreeSet<>();
        for (var page : raw().listObjectsV2Paginator(b -> b.bucket(bucket))) {
            page.contents().stream().map(S3Object::key).forEach(out::add);
        }
        return out;
    }
}
