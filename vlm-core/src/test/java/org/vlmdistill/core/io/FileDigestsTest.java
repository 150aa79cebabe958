package org.vlmdistill.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FileDigestsTest {

    @Test
    void knownVectorsFromFips180(@TempDir Path dir) throws IOException {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        Path abc = Files.write(dir.resolve("abc"), "abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", FileDigests.sha256(empty));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", FileDigests.sha256(abc));
    }

    @Test
    void aFileLongerThanTheBufferHashesAsItsBytesDo(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[3 * (1 << 20) + 7]; // three whole buffers and a tail
        new Random(19).nextBytes(bytes);
        Path file = Files.write(dir.resolve("weights.bin"), bytes);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertEquals(expected, FileDigests.sha256(file));
    }

    @Test
    void aMissingFileIsAnError(@TempDir Path dir) {
        assertThrows(NoSuchFileException.class, () -> FileDigests.sha256(dir.resolve("absent")));
    }
}
