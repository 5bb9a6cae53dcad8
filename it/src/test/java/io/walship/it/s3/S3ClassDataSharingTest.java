package io.walship.it.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walship.it.Walship;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing archive built with the jar (cli/pom.xml runs {@code io.walship.cli.CdsTraining}) holds the
 * classes a command loads to reach a bucket: the S3 client, its HTTP client, signing and the parsing of listings. A
 * training run that only restored a file replica left them out, and every {@code ls} or restore from S3 then loaded
 * and verified some 4,000 classes from the jar (1.12 s for an {@code ls} here, against 0.73 s with them archived).
 * The JVM's class-loading log says where each class came from.
 */
class S3ClassDataSharingTest {
    @RegisterExtension
    static final S3ProxyServer S3 = new S3ProxyServer();

    @Test
    void anLsOfABucketLoadsTheS3ClientFromTheArchive(@TempDir Path tmp) throws Exception {
        Path jsa = Walship.jar().resolveSibling("walship.jsa");
        assertTrue(Files.isRegularFile(jsa), "the build makes " + jsa + " beside the jar (unless -Dwalship.cds.skip=true)");
        Path classLog = tmp.resolve("classes.log");
        // -Xshare:on: the JVM fails instead of running without an archive that does not fit.
        Walship.Result r = Walship.run(S3ProxyServer.env(), List.of("-XX:SharedArchiveFile=" + jsa, "-Xshare:on",
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Xlog:class+load=info:file=" + classLog), Duration.ofSeconds(60),
                List.of("ls", S3.url(S3.bucket(), "app")));
        assertTrue(r.output().contains("no snapshot") || r.ok(), "ls of an empty replica: " + r.describe());
        List<String> loaded = Files.readAllLines(classLog).stream().filter(l -> l.contains("[class,load]")).toList();
        List<String> fromJar = loaded.stream().filter(l -> !l.contains("source: shared objects file")).toList();
        for (String name : List.of("software.amazon.awssdk.services.s3.DefaultS3Client",
                "software.amazon.awssdk.http.apache5.Apache5HttpClient",
                "software.amazon.awssdk.http.auth.aws.internal.signer.DefaultAwsV4HttpSigner",
                "software.amazon.awssdk.services.s3.model.ListObjectsV2Response")) {
            List<String> lines = loaded.stream().filter(l -> l.contains("] " + name + " source:")).toList();
            assertEquals(1, lines.size(), name + " is loaded once: " + lines);
            assertTrue(lines.get(0).contains("source: shared objects file"), "from the archive: " + lines.get(0));
        }
        assertTrue(fromJar.size() * 5 < loaded.size(), "at most a fifth of " + loaded.size() + " classes outside the archive, "
                + "not " + fromJar.size() + ", e.g. " + fromJar.subList(0, Math.min(20, fromJar.size())));
    }
}
