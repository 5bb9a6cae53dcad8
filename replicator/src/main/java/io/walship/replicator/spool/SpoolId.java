package io.walship.replicator.spool;

import io.walship.replica.Crc32c;
import io.walship.replica.DurableFiles;
import io.walship.replica.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The file {@code id} in the spool folder: a random id made once when the spool is created, the identity of the
 * writer that ships from this spool. Bytes: {@code walship-spool-id 1\n<16 hex>\ncrc32c <8 hex of the lines before>\n}.
 */
final class SpoolId {
    static final String NAME = "id";

    private SpoolId() {
    }

    static String readOrCreate(Path dir, FileIo io) throws IOException {
        Path file = dir.resolve(NAME);
        if (Files.exists(file)) {
            return parse(file);
        }
        long v = 0;
        SecureRandom random = new SecureRandom();
        while (v == 0) {
            v = random.nextLong();
        }
        String body = "walship-spool-id 1\n" + String.format("%016x", v) + "\n";
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        String content = body + "crc32c " + String.format("%08x", Crc32c.of(b, 0, b.length)) + "\n";
        try {
            DurableFiles.create(file, ch -> ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII))), io);
        } catch (FileAlreadyExistsException e) {
            return parse(file);
        }
        return String.format("%016x", v);
    }

    private static String parse(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int crcAt = text.lastIndexOf("crc32c ");
        if (!text.startsWith("walship-spool-id 1\n") || crcAt < 0) {
            throw new SpoolCorruptException("spool id file " + file + " is not one walship wrote; move the spool folder aside"
                    + " and restart with -adopt-lineage");
        }
        byte[] body = text.substring(0, crcAt).getBytes(StandardCharsets.US_ASCII);
        if (!text.substring(crcAt + 7).strip().equals(String.format("%08x", Crc32c.of(body, 0, body.length)))) {
            throw new SpoolCorruptException("spool id file " + file + " is damaged (checksum mismatch); move the spool folder"
                    + " aside and restart with -adopt-lineage");
        }
        return text.substring("walship-spool-id 1\n".length(), crcAt).strip();
    }
}
