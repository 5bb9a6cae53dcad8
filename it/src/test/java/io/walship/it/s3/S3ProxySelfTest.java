package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.replica.S3ReplicaStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What the other S3 tests rely on from S3Proxy 4.0.0 in this JVM: it speaks S3 over HTTP on loopback, refuses a second
 * create-only write with 412 (for PutObject and for CompleteMultipartUpload), and refuses wrong credentials.
 */
@Timeout(60)
class S3ProxySelfTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @TempDir
    Path tmp;

    @Test
    void listensOnLoopbackWithARandomPortAndGivesEachTestItsOwnBucket() {
        assertEquals("127.0.0.1", S3.endpoint().getHost());
        assertTrue(S3.port() > 0);
        assertTrue(S3.client().listBuckets().buckets().stream().anyMatch(b -> b.name().equals(S3.bucket())));
        assertEquals(List.of(), S3.listRaw(S3.bucket(), ""));
    }

    @Test
    void aSecondPutWithIfNoneMatchStarIsRefusedWith412() {
        S3Client c = S3.client();
        String bucket = S3.bucket();
        c.putObject(b -> b.bucket(bucket).key("k").ifNoneMatch("*"), RequestBody.fromString("first"));
        S3Exception e = assertThrows(S3Exception.class,
                () -> c.putObject(b -> b.bucket(bucket).key("k").ifNoneMatch("*"), RequestBody.fromString("second")));
        assertEquals(412, e.statusCode(), e.toString());
        assertEquals("first", c.getObjectAsBytes(b -> b.bucket(bucket).key("k")).asUtf8String(), "the first object stays");
        // Without the header the server overwrites: that is what walship must never rely on.
        c.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromString("third"));
        assertEquals("third", c.getObjectAsBytes(b -> b.bucket(bucket).key("k")).asUtf8String());
    }

    @Test
    void completingAMultipartUploadOverAnExistingKeyWithIfNoneMatchStarIsRefusedWith412() {
        S3Client c = S3.client();
        String bucket = S3.bucket();
        c.putObject(b -> b.bucket(bucket).key("m"), RequestBody.fromString("existing"));
        String uploadId = c.createMultipartUpload(b -> b.bucket(bucket).key("m")).uploadId();
        String etag = c.uploadPart(b -> b.bucket(bucket).key("m").uploadId(uploadId).partNumber(1),
                RequestBody.fromString("part one")).eTag();
        S3Exception e = assertThrows(S3Exception.class, () -> c.completeMultipartUpload(b -> b.bucket(bucket).key("m")
                .uploadId(uploadId).ifNoneMatch("*")
                .multipartUpload(CompletedMultipartUpload.builder().parts(CompletedPart.builder().partNumber(1).eTag(etag).build())
                        .build())));
        assertEquals(412, e.statusCode(), e.toString());
        assertEquals("existing", c.getObjectAsBytes(b -> b.bucket(bucket).key("m")).asUtf8String());
    }

    @Test
    void walshipsS3StorageDetectsCreateOnlyMode() throws Exception {
        try (S3ReplicaStorage s = (S3ReplicaStorage) S3Urls.open(S3.url(S3.bucket(), "p"), S3ProxyServer.env())) {
            assertEquals(null, s.createOnly());
            Path f = Files.writeString(tmp.resolve("f"), "hello");
            s.put("segments/0000000000000001-0000000000000001.segment", f);
            assertEquals(Boolean.TRUE, s.createOnly(), "S3Proxy 4.0.0 honours If-None-Match: *, so puts are create-only");
        }
    }

    @Test
    void wrongCredentialsAreRefusedWith403() {
        try (S3Client wrong = S3ProxyServer.newClient(S3.endpoint(), S3ProxyServer.ACCESS_KEY, "not-the-secret")) {
            S3Exception e = assertThrows(S3Exception.class, () -> wrong.listObjectsV2(b -> b.bucket(S3.bucket())));
            assertEquals(403, e.statusCode(), e.toString());
        }
    }
}
