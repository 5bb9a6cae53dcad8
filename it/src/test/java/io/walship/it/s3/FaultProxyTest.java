package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The fault proxy does what the fault tests rely on, seen by an SDK client that does not retry. */
@Timeout(60)
class FaultProxyTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    private FaultProxy proxy;
    private S3Client client;

    @BeforeEach
    void setUp() throws IOException {
        proxy = FaultProxy.start(S3.port(), 7);
        client = S3ProxyServer.newClient(proxy.endpoint(), S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, false);
    }

    @AfterEach
    void tearDown() {
        client.close();
        proxy.close();
    }

    @Test
    void passesThroughAndCountsRequests() {
        client.putObject(b -> b.bucket(S3.bucket()).key("a"), RequestBody.fromString("hello"));
        assertEquals("hello", client.getObjectAsBytes(b -> b.bucket(S3.bucket()).key("a")).asUtf8String());
        assertTrue(proxy.requests.get() >= 2, proxy.stats());
        assertEquals(0, proxy.errors() + proxy.resetsBeforeRequest.get() + proxy.resetsInResponse.get());
    }

    @Test
    void answersErrorsInsteadOfForwarding() {
        proxy.errors(1.0);
        for (int i = 0; i < 6; i++) {
            S3Exception e = assertThrows(S3Exception.class, () -> client.putObject(b -> b.bucket(S3.bucket()).key("e"),
                    RequestBody.fromString("x")));
            assertTrue(Set.of(500, 503, 429).contains(e.statusCode()), e.toString());
        }
        assertEquals(6, proxy.errors(), proxy.stats());
        proxy.passThrough();
        assertEquals(0, S3.listRaw(S3.bucket(), "").size(), "no request reached the server");
    }

    @Test
    void resetsConnections() {
        proxy.resets(1.0);
        for (int i = 0; i < 4; i++) {
            assertThrows(SdkClientException.class, () -> client.listObjectsV2(b -> b.bucket(S3.bucket())));
        }
        assertEquals(4, proxy.resetsBeforeRequest.get() + proxy.resetsInResponse.get(), proxy.stats());
    }

    @Test
    void anOutageRefusesEverythingUntilItEnds() {
        client.listObjectsV2(b -> b.bucket(S3.bucket()));
        proxy.outage(true);
        assertThrows(SdkClientException.class, () -> client.listObjectsV2(b -> b.bucket(S3.bucket())));
        assertThrows(SdkClientException.class, () -> client.listObjectsV2(b -> b.bucket(S3.bucket())));
        proxy.outage(false);
        client.listObjectsV2(b -> b.bucket(S3.bucket()));
        assertTrue(proxy.outageResets.get() >= 2, proxy.stats());
    }

    @Test
    void addsLatencyToEveryResponse() {
        proxy.latency(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        client.listObjectsV2(b -> b.bucket(S3.bucket()));
        assertTrue(System.nanoTime() - t0 >= 300_000_000L, "a response waits for the latency");
    }

    @Test
    void cutsOneResponseMidBodyAndSeesTheRangedRetry() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        client.putObject(b -> b.bucket(S3.bucket()).key("big"), RequestBody.fromBytes(data));
        proxy.cutNextResponseAfter(300_000);
        try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(S3.bucket()).key("big"))) {
            assertThrows(IOException.class, in::readAllBytes, "the body is cut short");
        }
        assertEquals(1, proxy.cuts.get(), proxy.stats());
        // Continue where a reader would: the bytes up to the cut are the object's.
        byte[] rest = client.getObjectAsBytes(b -> b.bucket(S3.bucket()).key("big").range("bytes=200000-")).asByteArray();
        assertArrayEquals(Arrays.copyOfRange(data, 200_000, data.length), rest);
        assertTrue(proxy.ranges.contains("200000-"), "the proxy saw the ranged GET: " + proxy.ranges);
        assertEquals(1, proxy.cuts.get(), "the cut is one-shot");
    }
}
