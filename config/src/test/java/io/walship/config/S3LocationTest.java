package io.walship.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parsing of {@code s3://} replica URLs into {@link S3Location}: defaults, units, bounds, errors, and no secret ever
 * shown. (These cases were written for the storage module's URL reader, which this grammar replaced.)
 */
class S3LocationTest {
    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY";

    private static S3Location parse(String url) {
        return (S3Location) ReplicaLocation.parse(url, Map.of());
    }

    private static InvalidReplicaLocationException refused(String url) {
        return assertThrows(InvalidReplicaLocationException.class, () -> ReplicaLocation.parse(url, Map.of()), url);
    }

    @Test
    void bucketAndPrefix() {
        S3Location o = parse("s3://my-bucket/db/app.db");
        assertEquals("my-bucket", o.bucket());
        assertEquals("db/app.db", o.path());
        assertEquals("", parse("s3://my-bucket").path());
        assertEquals("", parse("s3://my-bucket/").path());
        assertEquals("a/b", parse("s3://my-bucket/a/b///").path(), "trailing slashes are dropped");
        assertEquals("x", parse("s3://my.bucket-1_2/x?region=eu-west-1").path());
        assertEquals("my.bucket-1_2", parse("s3://my.bucket-1_2/x?region=eu-west-1").bucket());
    }

    @Test
    void defaultsForAws() {
        S3Location o = parse("s3://bucket/path");
        assertNull(o.endpoint());
        assertNull(o.region(), "the SDK's region chain decides");
        assertFalse(o.forcePathStyle(), "virtual-hosted style on AWS");
        assertEquals(S3Location.Checksum.WHEN_SUPPORTED, o.checksum(), "AWS gets the SDK's default flexible checksums (when-supported)");
        assertFalse(o.skipVerify());
        assertNull(o.storageClass());
        assertEquals(S3Location.DEFAULT_PART_SIZE, o.partSize());
        assertEquals(16L << 20, o.partSize().bytes());
        assertEquals(S3Location.DEFAULT_CONCURRENCY, o.concurrency());
        assertNull(o.credentials());
    }

    @Test
    void defaultsWithACustomEndpoint() {
        S3Location o = parse("s3://bucket/path?endpoint=http://127.0.0.1:9000&region=us-east-1");
        assertEquals(URI.create("http://127.0.0.1:9000"), o.endpoint());
        assertEquals("us-east-1", o.region());
        assertTrue(o.forcePathStyle(), "path style is on by default with an endpoint (MinIO, Ceph, ...)");
        assertEquals(S3Location.Checksum.WHEN_REQUIRED, o.checksum(), "checksums only when required with an endpoint");
    }

    @Test
    void endpointWithoutSchemeIsHttps() {
        assertEquals(URI.create("https://minio.example.com:9000"), parse("s3://bkt/p?endpoint=minio.example.com:9000").endpoint());
        assertEquals(URI.create("https://s3.example.com"), parse("s3://bkt/p?endpoint=s3.example.com").endpoint());
    }

    @Test
    void explicitOptionsOverrideTheDefaults() {
        S3Location o = parse("s3://bkt/p?endpoint=http://localhost:9000&force-path-style=false&checksum=when-supported"
                + "&skip-verify=true&storage-class=STANDARD_IA&concurrency=8&part-size=32MiB");
        assertFalse(o.forcePathStyle());
        assertEquals(S3Location.Checksum.WHEN_SUPPORTED, o.checksum());
        assertTrue(o.skipVerify());
        assertEquals("STANDARD_IA", o.storageClass());
        assertEquals(8, o.concurrency());
        assertEquals(32L << 20, o.partSize().bytes());

        S3Location aws = parse("s3://bkt/p?force-path-style=true&checksum=when-required");
        assertTrue(aws.forcePathStyle());
        assertEquals(S3Location.Checksum.WHEN_REQUIRED, aws.checksum());
        assertTrue(parse("s3://bkt/p?force-path-style=1").forcePathStyle());
        assertFalse(parse("s3://bkt/p?endpoint=http://h&force-path-style=0").forcePathStyle());
        assertTrue(parse("s3://bkt/p?skip-verify").skipVerify(), "a key without a value means true");
    }

    @Test
    void optionKeysAreCaseInsensitiveAndValuesUrlDecoded() {
        S3Location o = parse("s3://bkt/p?Region=eu-central-1&ENDPOINT=http%3A%2F%2F127.0.0.1%3A9000");
        assertEquals("eu-central-1", o.region());
        assertEquals(URI.create("http://127.0.0.1:9000"), o.endpoint());
    }

    @ParameterizedTest(name = "part-size={0}")
    @CsvSource({
        "5242880, 5242880",
        "5MiB, 5242880",
        "5mib, 5242880",
        "6MB, 6000000",
        "6000KB, 6000000",
        "8192KiB, 8388608",
        "1GiB, 1073741824",
        "2GB, 2000000000",
        "' 16MiB ', 16777216",
        "16 MiB, 16777216",
    })
    void partSizeUnits(String value, long bytes) {
        assertEquals(bytes, parse("s3://bkt/p?part-size=" + value.replace(" ", "%20")).partSize().bytes());
    }

    @ParameterizedTest(name = "part-size={0}")
    @ValueSource(strings = {"lots", "-5MiB", "5.5MiB", "5TiB", "MiB", "5 MiBs", ""})
    void badPartSizeIsAUsageErrorNamingTheOption(String value) {
        InvalidReplicaLocationException e = refused("s3://bkt/p?part-size=" + value);
        assertTrue(e.getMessage().contains("part-size"), e.getMessage());
    }

    @ParameterizedTest(name = "part-size={0}")
    @ValueSource(strings = {"1MiB", "5242879", "4MB", "0"})
    void partSizeBelowS3sMinimumIsRefused(String value) {
        InvalidReplicaLocationException e = refused("s3://bkt/p?part-size=" + value);
        assertTrue(e.getMessage().contains("part-size") && e.getMessage().contains("5MiB"), e.getMessage());
    }

    @Test
    void partSizeThatOverflowsIsRefused() {
        InvalidReplicaLocationException e = refused("s3://bkt/p?part-size=99999999999GiB");
        assertTrue(e.getMessage().startsWith("replica URL 's3://bkt/p"), e.getMessage());
    }

    @ParameterizedTest(name = "concurrency={0}")
    @ValueSource(ints = {1, 2, 63, 64})
    void concurrencyWithinBounds(int n) {
        assertEquals(n, parse("s3://bkt/p?concurrency=" + n).concurrency());
    }

    @ParameterizedTest(name = "concurrency={0}")
    @ValueSource(strings = {"0", "-1", "65", "1000", "many", "2.5"})
    void concurrencyOutOfBoundsIsRefused(String n) {
        InvalidReplicaLocationException e = refused("s3://bkt/p?concurrency=" + n);
        assertTrue(e.getMessage().contains("concurrency") || e.getMessage().contains(n), e.getMessage());
        assertTrue(e.getMessage().startsWith("replica URL 's3://bkt/p"), e.getMessage());
    }

    @Test
    void unknownOptionIsRefusedNamingItAndTheKnownOnes() {
        InvalidReplicaLocationException e = refused("s3://bucket/path?endpoint=http://h:1&colour=blue");
        String m = e.getMessage();
        assertTrue(m.contains("unknown option 'colour'"), m);
        for (String known : new String[] {"endpoint", "region", "force-path-style", "skip-verify", "storage-class", "part-size",
            "concurrency", "checksum", "access-key-id", "secret-access-key"}) {
            assertTrue(m.contains(known), known + " in: " + m);
        }
        assertTrue(m.startsWith("replica URL 's3://bucket/path"), m);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"s3://", "s3:///path", "s3://B/path", "s3://Bad_Bucket/x", "s3://x/p", "s3://-dash/p",
        "s3://bucket name/p", "s3://bücket/p"})
    void invalidBucketNameIsRefusedNamingIt(String url) {
        InvalidReplicaLocationException e = refused(url);
        assertTrue(e.getMessage().contains("bucket"), e.getMessage());
    }

    @Test
    void otherBadValuesAreRefused() {
        assertTrue(refused("s3://bkt/p?checksum=sometimes").getMessage().contains("checksum"));
        assertTrue(refused("s3://bkt/p?force-path-style=maybe").getMessage().contains("force-path-style"));
        assertTrue(refused("s3://bkt/p?skip-verify=yes please").getMessage().contains("skip-verify"));
        assertTrue(refused("s3://bkt/p?endpoint=http://").getMessage().contains("endpoint"));
        assertTrue(refused("s3://bkt/p?endpoint=ht tp://x").getMessage().contains("endpoint"));
        assertTrue(refused("s3://bkt/p?access-key-id=AKIA").getMessage().contains("secret-access-key"),
                "an access key without its secret");
    }

    @Test
    void credentialsInTheUrl() {
        S3Location o = parse("s3://bkt/p?access-key-id=AKIAEXAMPLE&secret-access-key=" + SECRET);
        assertEquals("AKIAEXAMPLE", o.credentials().accessKeyId().reveal());
        assertEquals(SECRET, o.credentials().secretAccessKey().reveal());
        // URL-encoded secrets (AWS secrets may hold '/' and '+').
        assertEquals("a/b+c", parse("s3://bkt/p?access-key-id=A&secret-access-key=a%2Fb%2Bc").credentials()
                .secretAccessKey().reveal());
    }

    @Test
    void theSecretNeverAppearsInToStringOrDescribe() {
        S3Location o = parse("s3://bkt/p?endpoint=http://127.0.0.1:9000&access-key-id=AKIAEXAMPLE&secret-access-key=" + SECRET);
        assertFalse(o.toString().contains(SECRET), o.toString());
        assertTrue(o.toString().contains("secret-access-key=****"), o.toString());
        assertFalse(o.toString().contains("AKIAEXAMPLE"), "the access key id is not shown either: " + o);
        assertFalse(o.describe().contains(SECRET), o.describe());
        assertEquals("s3://bkt/p at http://127.0.0.1:9000", o.describe());
        assertEquals("s3://bkt at http://127.0.0.1:9000", parse("s3://bkt?endpoint=http://127.0.0.1:9000").describe());
        assertEquals("s3://bkt/p", parse("s3://bkt/p").describe());
        assertFalse(parse("s3://bkt/p").toString().contains("access-key"), "no credentials, none shown");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "s3://Bad_Bucket/p?access-key-id=A&secret-access-key=" + SECRET,
        "s3://bkt/p?secret-access-key=" + SECRET + "&colour=blue&access-key-id=A",
        "s3://bkt/p?access-key-id=A&secret-access-key=" + SECRET + "&part-size=lots",
        "s3://bkt/p?access-key-id=A&secret-access-key=" + SECRET + "&part-size=1MiB",
        "s3://bkt/p?access-key-id=A&SECRET-ACCESS-KEY=" + SECRET + "&concurrency=0",
        "s3://bkt/p?secret-access-key=" + SECRET,
        "s3://bkt/p?secret-access-key=" + SECRET + "&checksum=sometimes&access-key-id=A",
        "s3://bkt/p?secret-access-key=" + SECRET + "&endpoint=http://&access-key-id=A",
    })
    void errorMessagesRedactTheSecret(String url) {
        InvalidReplicaLocationException e = refused(url);
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET.substring(0, 12)), e.getMessage());
    }

    /** One rule: both credentials are masked (the storage module's old rule left the access key id visible). */
    @Test
    void redactMasksBothCredentials() {
        assertEquals("s3://bkt/p?access-key-id=****&secret-access-key=****&region=x",
                ReplicaLocation.redact("s3://bkt/p?access-key-id=A&secret-access-key=" + SECRET + "&region=x"));
        assertEquals("s3://bkt/p?SECRET-ACCESS-KEY=****", ReplicaLocation.redact("s3://bkt/p?SECRET-ACCESS-KEY=" + SECRET));
        assertEquals("s3://bkt/p?region=x", ReplicaLocation.redact("s3://bkt/p?region=x"));
    }

    @Test
    void openingAnS3UrlWithAnUnknownSchemeNeighbourIsStillRefused() {
        InvalidReplicaLocationException e = assertThrows(InvalidReplicaLocationException.class,
                () -> ReplicaLocation.parse("s4://bucket/path?secret-access-key=" + SECRET, Map.of()));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }
}
