package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs every file of {@code src/test/resources/safetensors-corpus/} through the reader. */
class SafetensorsCorpusTest {

    private static Path corpus(String kind) throws URISyntaxException {
        return Path.of(Objects.requireNonNull(SafetensorsCorpusTest.class.getResource("/safetensors-corpus/" + kind),
                "corpus directory " + kind).toURI());
    }

    private static List<Path> files(String kind) throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(corpus(kind))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyInvalidFileIsRejectedWithSafetensorsException() throws IOException, URISyntaxException {
        List<Path> files = files("invalid");
        assertTrue(files.size() >= Corpus.INVALID.size(), "corpus has " + files.size() + " invalid files");
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            // assertThrows fails on any other Throwable, which is the point: nothing but SafetensorsException.
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close());
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyValidFileOpensAndEveryTensorIsReadable() throws IOException, URISyntaxException {
        List<Path> files = files("valid");
        assertFalse(files.isEmpty());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                long covered = 0;
                for (TensorInfo t : f.tensors()) {
                    MemorySegment data = f.data(t);
                    assertEquals(t.numElements() * t.dtype().byteSize(), data.byteSize(), t.name());
                    data.toArray(ValueLayout.JAVA_BYTE);
                    covered += data.byteSize();
                }
                assertEquals(Files.size(file), f.dataAreaOffset() + covered);
            }
        }));
    }

    /** The listed cases and the committed files must agree; regenerate with {@code Corpus.main}. */
    @Test
    void committedFilesMatchTheirCases() throws IOException, URISyntaxException {
        for (Corpus.Case c : Corpus.INVALID) {
            assertArrayEquals(c.bytes(), Files.readAllBytes(corpus("invalid").resolve(c.fileName())), c.name());
        }
        for (Corpus.Case c : Corpus.VALID) {
            assertArrayEquals(c.bytes(), Files.readAllBytes(corpus("valid").resolve(c.fileName())), c.name());
        }
    }
}
