package io.walship.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run behind the class-data sharing archive: one JVM that runs what short commands load, so that the
 * archive holds those classes and they start faster. The build (cli/pom.xml) and the container image run it as
 * {@code java -XX:ArchiveClassesAtExit=walship.jsa -cp walship.jar io.walship.cli.CdsTraining WORK REPLICA}; it is not
 * a command of the {@code walship} executable.
 *
 * <p>Two restores: one of the tiny file replica {@code REPLICA} (the restore path: planning, applying, verifying), and
 * one from an S3 bucket that this process serves on a loopback port and that holds nothing (every request, a listing,
 * gets an empty listing). The second loads the S3 client, its HTTP client, request signing and marshalling, and the
 * parsing of listings, and ends with "holds no snapshot". Without it, a restore from S3 loaded and verified some 4,000
 * classes from the jar at every start (0.4 s of CPU here); with it, about 800.
 */
public final class CdsTraining {
    private static final byte[] EMPTY_LISTING = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>walship-cds-training</Name>"
            + "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>")
            .getBytes(StandardCharsets.UTF_8);

    private CdsTraining() {
    }

    /** Exits 0 when both restores ended as expected, 1 otherwise, so that a broken training run fails the build. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: CdsTraining WORK-FOLDER TRAINING-REPLICA");
            System.exit(ExitCodes.USAGE);
        }
        Path work = Files.createDirectories(Path.of(args[0]));
        int file = Walship.commandLine().execute("restore", "--force", "-o", work.resolve("restored.db").toString(), args[1]);
        HttpServer bucket = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        bucket.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(200, EMPTY_LISTING.length);
            exchange.getResponseBody().write(EMPTY_LISTING);
            exchange.close();
        });
        bucket.start();
        // The empty bucket's one-line error is expected: it is shown only when the exit code is not.
        StringWriter s3Errors = new StringWriter();
        int s3;
        try {
            String url = "s3://walship-cds-training/app?endpoint=http://127.0.0.1:" + bucket.getAddress().getPort()
                    + "&region=us-east-1&access-key-id=training&secret-access-key=training";
            s3 = Walship.commandLine().setErr(new PrintWriter(s3Errors, true))
                    .execute("restore", "--force", "-o", work.resolve("empty.db").toString(), url);
        } finally {
            bucket.stop(0);
        }
        if (file != ExitCodes.OK || s3 != ExitCodes.NOT_RESTORABLE) {
            System.err.print(s3Errors);
            System.err.println("CdsTraining: the file restore exited " + file + " (expected 0) and the S3 restore from an "
                    + "empty bucket " + s3 + " (expected " + ExitCodes.NOT_RESTORABLE + ")");
            System.exit(ExitCodes.INTERNAL_ERROR);
        }
        System.exit(ExitCodes.OK);
    }
}
