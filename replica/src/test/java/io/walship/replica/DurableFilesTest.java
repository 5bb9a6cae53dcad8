package io.walship.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir
    Path dir;

    /** Records the folders synced, the seam through which the folder fsync is observed. */
    private static final class SyncRecorder implements FileIo {
        final List<Path> synced = new ArrayList<>();

        @Override
        public void syncDirectory(Path d) throws IOException {
            synced.add(d);
            FileIo.super.syncDirectory(d);
        }
    }

    @Test
    void publishNewMovesAForcedFileToAFreeNameAndSyncsTheFolder() throws IOException {
        SyncRecorder io = new SyncRecorder();
        Path temp = dir.resolve("out.tmp");
        DurableFiles.writeForced(temp, ch -> ch.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.US_ASCII))), io);
        Path target = dir.resolve("out");
        DurableFiles.publishNew(temp, target, io);
        assertEquals("new", Files.readString(target));
        assertFalse(Files.exists(temp));
        assertEquals(List.of(dir), io.synced);
    }

    @Test
    void publishNewNeverReplacesAnExistingFile() throws IOException {
        SyncRecorder io = new SyncRecorder();
        Path target = Files.writeString(dir.resolve("out"), "old");
        Path temp = Files.writeString(dir.resolve("out.tmp"), "new");
        assertThrows(FileAlreadyExistsException.class, () -> DurableFiles.publishNew(temp, target, io));
        assertEquals("old", Files.readString(target));
        assertEquals("new", Files.readString(temp));
        assertEquals(List.of(), io.synced);
    }
}
