package io.walship.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.s3.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * The benchmark's request counter, against a real S3 server (S3Proxy) and a real SDK client: every S3 operation is
 * counted once under the right name and client, whatever the body's framing. No timing is asserted.
 */
class CountingProxyTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @Test
    void countsEachS3OperationOnceByClient() throws Exception {
        try (CountingProxy proxy = CountingProxy.start(S3.port());
             S3Client client = S3ProxyServer.newClient(proxy.endpoint(), S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)) {
            String bucket = S3.bucket();
            client.putObject(b -> b.bucket(bucket).key("p/a"), RequestBody.fromBytes(new byte[100_000]));
            client.getObject(b -> b.bucket(bucket).key("p/a")).readAllBytes();
            client.headObject(b -> b.bucket(bucket).key("p/a"));
            client.listObjectsV2(b -> b.bucket(bucket).prefix("p/"));
            String upload = client.createMultipartUpload(b -> b.bucket(bucket).key("p/big")).uploadId();
            String etag = client.uploadPart(b -> b.bucket(bucket).key("p/big").uploadId(upload).partNumber(1),
                    RequestBody.fromBytes(new byte[6 << 20])).eTag();
            client.completeMultipartUpload(b -> b.bucket(bucket).key("p/big").uploadId(upload)
                    .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
            client.deleteObject(b -> b.bucket(bucket).key("p/a"));

            List<CountingProxy.Exchange> seen = proxy.exchanges();
            Map<String, Object> counts = Runs.requests(seen, "aws-sdk-java");
            assertEquals(Map.of("PUT", 2L, "GET", 1L, "HEAD", 1L, "LIST", 1L, "POST", 2L, "DELETE", 1L, "total", 8L), counts,
                    seen.toString());
            for (CountingProxy.Exchange e : seen) {
                assertTrue(e.responseNanos >= e.bodyEndNanos && e.bodyEndNanos >= e.startNanos, "answered after the body: " + e);
            }
            // The body's length on the wire: the part, plus the chunk signatures when the SDK sends it aws-chunked.
            long part = seen.stream().filter(e -> e.target.contains("partNumber=1")).findFirst().orElseThrow().bodyBytes;
            assertTrue(part >= 6 << 20 && part < (6 << 20) + 64 * 1024, "part body " + part);
        }
    }

    @Test
    void followsChunkedBodiesOnAKeptAliveConnection() throws Exception {
        try (CountingProxy proxy = CountingProxy.start(S3.port())) {
            HttpClient http = HttpClient.newHttpClient();
            // A body of unknown length goes chunked; S3Proxy refuses the unsigned request, which is fine here.
            byte[] body = new byte[200_000];
            http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/" + S3.bucket() + "/k"))
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                    HttpResponse.BodyHandlers.discarding());
            http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/" + S3.bucket() + "?list-type=2")).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/" + S3.bucket() + "/k")).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            List<CountingProxy.Exchange> seen = proxy.exchanges();
            assertEquals("PUT,LIST,GET", seen.stream().map(e -> e.op.name()).collect(Collectors.joining(",")), seen.toString());
            assertTrue(seen.stream().allMatch(e -> e.client.equals("java-http-client")), seen.toString());
        }
    }

    @Test
    void namesOperationsAndClients() {
        assertEquals(CountingProxy.Op.LIST, CountingProxy.classify("GET", "/bucket?list-type=2&prefix=a%2F"));
        assertEquals(CountingProxy.Op.LIST, CountingProxy.classify("GET", "/bucket/"));
        assertEquals(CountingProxy.Op.GET, CountingProxy.classify("GET", "/bucket/generations/x/wal/0_0.wal.lz4"));
        assertEquals(CountingProxy.Op.POST, CountingProxy.classify("POST", "/bucket/k?uploads"));
        assertEquals("aws-sdk-go", CountingProxy.client("aws-sdk-go/1.44.318 (go1.21.5; linux; amd64)"));
        assertEquals("aws-sdk-java", CountingProxy.client("aws-sdk-java/2.57.8 md/io#sync ua/2.1 os/Linux"));
        assertEquals("unknown", CountingProxy.client(null));
    }
}
