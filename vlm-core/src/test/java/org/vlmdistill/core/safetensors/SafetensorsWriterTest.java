package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.core.safetensors.Bytes.concat;
import static org.vlmdistill.core.safetensors.Bytes.json;
import static org.vlmdistill.core.safetensors.Bytes.raw;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] bytesOf(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void everyDTypeRoundTripsWithMetadata() throws IOException {
        Random random = new Random(1);
        List<TensorData> tensors = new ArrayList<>();
        for (DType d : DType.values()) {
            tensors.add(TensorData.of("t." + d.safetensorsName(), d, new long[]{2, 3}, randomBytes(random, 6 * d.byteSize())));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note", "ünïcode \"quoted\" \\ and\nnewline");
        Path file = dir.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, metadata);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(metadata, f.metadata());
            assertEquals(tensors.size(), f.tensors().size());
            for (TensorData t : tensors) {
                TensorInfo info = f.tensor(t.name());
                assertEquals(t.dtype(), info.dtype());
                assertEquals(List.of(2L, 3L), info.shape());
                assertEquals(6, info.numElements());
                assertEquals(6L * t.dtype().byteSize(), info.byteLength());
                assertArrayEquals(bytesOf(t.bytes()), bytesOf(f.data(t.name())), t.name());
                assertArrayEquals(bytesOf(t.bytes()), bytesOf(f.data(info)), t.name());
                // HF's layout keeps every tensor aligned to its element size within the file.
                assertEquals(0, (f.dataAreaOffset() + info.dataBegin()) % t.dtype().byteSize(), t.name());
            }
        }
    }

    @Test
    void scalarsAndZeroSizeTensorsRoundTrip() throws IOException {
        Path file = dir.resolve("edge.safetensors");
        SafetensorsWriter.write(file, List.of(
                TensorData.of("scalar", DType.F64, new long[0], Bytes.concat(new byte[]{0, 0, 0, 0, 0, 0, (byte) 0xF0, 0x3F})),
                TensorData.of("empty", DType.F32, new long[]{0}, new byte[0]),
                TensorData.of("empty3d", DType.BF16, new long[]{3, 0, 2}, new byte[0]),
                TensorData.of("one", DType.U8, new long[]{1}, new byte[]{7})));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo scalar = f.tensor("scalar");
            assertEquals(List.of(), scalar.shape());
            assertEquals(0, scalar.rank());
            assertEquals(1, scalar.numElements());
            assertEquals(1.0, f.data("scalar").get(ValueLayout.JAVA_DOUBLE_UNALIGNED, 0));
            for (String empty : List.of("empty", "empty3d")) {
                assertEquals(0, f.tensor(empty).numElements());
                assertEquals(0, f.data(empty).byteSize());
            }
            assertArrayEquals(new long[]{3, 0, 2}, f.tensor("empty3d").shapeArray());
            assertEquals(7, f.data("one").get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(Map.of(), f.metadata());
        }
    }

    @Test
    void headerIsByteExactForASmallCase() throws IOException {
        Path file = dir.resolve("a.safetensors");
        SafetensorsWriter.write(file, List.of(TensorData.of("a", DType.F32, new long[]{2}, Bytes.f32(1, 2))),
                Map.of("format", "pt"));
        // 85 bytes of JSON, padded with 3 spaces to 88 so that the data starts at 8 + 88 = 96, a multiple of 8.
        String header = json("{'__metadata__':{'format':'pt'},'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}");
        assertEquals(85, header.length());
        byte[] expected = concat(raw(88, header + "   "), Bytes.f32(1, 2));
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    /**
     * The metadata is written sorted by key, whatever order the map iterates in (Map.of's changes from one
     * JVM to the next): the same tensors and metadata give the same bytes, so an optimizer state written
     * again after a resume equals the uninterrupted run's byte for byte.
     */
    @Test
    void metadataIsWrittenInKeyOrderWhateverTheMapsOrder() throws IOException {
        List<String> keys = new ArrayList<>(List.of("steps", "format", "b", "a", "zz", "é"));
        java.util.Collections.shuffle(keys, new Random());
        Map<String, String> forward = new LinkedHashMap<>();
        keys.forEach(k -> forward.put(k, "v-" + k));
        Map<String, String> backward = new LinkedHashMap<>();
        keys.reversed().forEach(k -> backward.put(k, "v-" + k));
        List<TensorData> tensors = List.of(TensorData.of("a", DType.F32, new long[]{2}, Bytes.f32(1, 2)));
        Path one = dir.resolve("forward.safetensors");
        Path two = dir.resolve("backward.safetensors");
        SafetensorsWriter.write(one, tensors, forward);
        SafetensorsWriter.write(two, tensors, backward);
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(two));
        String header = new String(Files.readAllBytes(one), StandardCharsets.UTF_8);
        assertTrue(header.contains("{\"a\":\"v-a\",\"b\":\"v-b\",\"format\":\"v-format\",\"steps\":\"v-steps\","
                + "\"zz\":\"v-zz\",\"é\":\"v-é\"}"), header);
    }

    /** Expected bytes are the vectors of HF's own tests (safetensors/src/tensor.rs). */
    @Test
    void matchesHuggingFaceTestVectors() throws IOException {
        byte[] data = Bytes.f32(0, 1, 2, 3, 4, 5);

        Path attn = dir.resolve("attn.safetensors");
        SafetensorsWriter.write(attn, List.of(TensorData.of("attn.0", DType.F32, new long[]{1, 2, 3}, data)));
        assertArrayEquals(concat(raw(64, json("{'attn.0':{'dtype':'F32','shape':[1,2,3],'data_offsets':[0,24]}}")), data),
                Files.readAllBytes(attn));

        // test_serialization_forced_alignement: a 65-byte header padded with 7 spaces.
        Path aligned = dir.resolve("aligned.safetensors");
        SafetensorsWriter.write(aligned, List.of(TensorData.of("attn0", DType.F32, new long[]{1, 1, 2, 3}, data)));
        assertArrayEquals(concat(raw(72, json("{'attn0':{'dtype':'F32','shape':[1,1,2,3],'data_offsets':[0,24]}}") + "       "), data),
                Files.readAllBytes(aligned));

        // test_empty: no tensors, without and with metadata.
        Path empty = dir.resolve("empty.safetensors");
        SafetensorsWriter.write(empty, List.of());
        assertArrayEquals(new byte[]{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, Files.readAllBytes(empty));
        SafetensorsWriter.write(empty, List.of(), Map.of("framework", "pt"));
        assertArrayEquals(raw(40, json("{'__metadata__':{'framework':'pt'}}") + "     "), Files.readAllBytes(empty));
    }

    @Test
    void ordersTensorsLikeHuggingFace() throws IOException {
        List<TensorData> tensors = new ArrayList<>();
        String[] names = {"m", "b", "a", "z"};
        int i = 0;
        for (DType d : DType.values()) { // F64 m, F32 b, F16 a, BF16 z, I64 m, I32 b, I16 a, I8 z, U8 m, BOOL b
            tensors.add(TensorData.of(names[i++ % names.length] + "." + d.safetensorsName(), d, new long[]{1}, new byte[d.byteSize()]));
        }
        tensors.add(TensorData.of("c.F32", DType.F32, new long[]{1}, new byte[4]));
        tensors.add(TensorData.of("a.F32", DType.F32, new long[]{1}, new byte[4]));
        Path file = dir.resolve("order.safetensors");
        SafetensorsWriter.write(file, tensors);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<String> order = f.tensors().stream().map(TensorInfo::name).toList();
            // HF's Dtype enum, descending: I64 > F64 > F32 > I32 > BF16 > F16 > I16 > I8 > U8 > BOOL; then by name.
            assertEquals(List.of("m.I64", "m.F64", "a.F32", "b.F32", "c.F32", "b.I32", "z.BF16", "a.F16", "a.I16",
                    "z.I8", "m.U8", "b.BOOL"), order);
        }
    }

    @Test
    void namesSortByCodePointLikeRust() {
        // U+FF21 (one UTF-16 unit) sorts before U+1F600 (a surrogate pair) in UTF-8 byte order, after it in UTF-16 order.
        assertTrue(SafetensorsWriter.CODE_POINT_ORDER.compare("\uFF21", "\uD83D\uDE00") < 0);
        assertTrue(SafetensorsWriter.CODE_POINT_ORDER.compare("a", "ab") < 0);
        assertEquals(0, SafetensorsWriter.CODE_POINT_ORDER.compare("ab", "ab"));
    }

    @Test
    void escapesNamesLikeSerdeJson() throws IOException {
        Path file = dir.resolve("escape.safetensors");
        String name = "q\"b\\s\u0001\t/é";
        SafetensorsWriter.write(file, List.of(TensorData.of(name, DType.U8, new long[]{1}, new byte[]{1})));
        byte[] content = Files.readAllBytes(file);
        String header = new String(content, 8, content[0], StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"q\\\"b\\\\s\\u0001\\t/é\":{"), header);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of(name), f.tensors().stream().map(TensorInfo::name).toList());
        }
    }

    @Test
    void streamsNativeMappedAndNonByteHeapSegmentsLargerThanOneChunk() throws IOException {
        int n = 5 << 20; // 20 MiB of F32, more than the writer's 8 MiB chunk
        float[] floats = new float[n];
        for (int i = 0; i < n; i++) {
            floats[i] = i * 0.5f;
        }
        Path first = dir.resolve("first.safetensors");
        Path copy = dir.resolve("copy.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeBytes = arena.allocate((long) n * 4);
            MemorySegment.copy(MemorySegment.ofArray(floats), 0, nativeBytes, 0, nativeBytes.byteSize());
            SafetensorsWriter.write(first, List.of(
                    new TensorData("heap", DType.F32, new long[]{n}, MemorySegment.ofArray(floats)),
                    new TensorData("native", DType.F32, new long[]{n}, nativeBytes)));
        }
        try (SafetensorsFile f = SafetensorsFile.open(first)) {
            MemorySegment expected = MemorySegment.ofArray(floats);
            assertEquals(-1, f.data("heap").mismatch(expected));
            assertEquals(-1, f.data("native").mismatch(expected));
            // Copy from the mapping itself: the writer must accept read-only mapped segments.
            List<TensorData> fromMapping = f.tensors().stream()
                    .map(t -> new TensorData(t.name(), t.dtype(), t.shapeArray(), f.data(t))).toList();
            SafetensorsWriter.write(copy, fromMapping, Map.of("copied", "yes"));
        }
        try (SafetensorsFile f = SafetensorsFile.open(copy)) {
            assertEquals(-1, f.data("native").mismatch(MemorySegment.ofArray(floats)));
            assertEquals(Map.of("copied", "yes"), f.metadata());
        }
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTempFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(TensorData.of("old", DType.U8, new long[]{1}, new byte[]{1})));
        SafetensorsWriter.write(file, List.of(TensorData.of("new", DType.U8, new long[]{2}, new byte[]{2, 3})));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("new"), f.tensors().stream().map(TensorInfo::name).toList());
        }
        assertEquals(List.of(file), listDir());
    }

    @Test
    void failureWhileStreamingKeepsTheOldFileAndDeletesTheTemp() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(TensorData.of("old", DType.U8, new long[]{1}, new byte[]{1})));
        byte[] before = Files.readAllBytes(file);
        MemorySegment dead;
        try (Arena arena = Arena.ofConfined()) {
            dead = arena.allocate(16);
        }
        TensorData unreadable = new TensorData("dead", DType.F32, new long[]{4}, dead);
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(file, List.of(unreadable)));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir());
    }

    /**
     * Deferred bytes are made when the writer reaches their tensor, in file order, once each: when the
     * k-th is asked for, the file being written (the temp beside the target) already holds the header
     * and every earlier tensor, so a writer of a model's parameters holds one tensor's copy at a time.
     */
    @Test
    void deferredBytesAreMadeOneAtATimeAsTheWriterReachesThem() throws IOException {
        Random random = new Random(System.nanoTime());
        Path file = dir.resolve("deferred.safetensors");
        int n = 2 + random.nextInt(5);
        List<byte[]> data = new ArrayList<>();
        List<TensorData> tensors = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        List<Long> writtenWhenAsked = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int rows = 1 + random.nextInt(64);
            byte[] b = randomBytes(random, rows * 4);
            data.add(b);
            String name = "t" + i;
            tensors.add(TensorData.deferred(name, DType.F32, new long[]{rows}, () -> {
                asked.add(name);
                writtenWhenAsked.add(tempSize(file));
                return MemorySegment.ofArray(b.clone()); // a fresh copy, as a device read makes
            }));
        }
        SafetensorsWriter.write(file, tensors, null);
        assertEquals(tensors.stream().map(TensorData::name).sorted().toList(), asked, "each asked once, in file order");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (int i = 0; i < n; i++) {
                assertArrayEquals(data.get(i), bytesOf(f.data("t" + i)), "t" + i);
                TensorInfo info = f.tensor("t" + i);
                assertEquals(f.dataAreaOffset() + info.dataBegin(), writtenWhenAsked.get(i),
                        "t" + i + " was asked for before the bytes ahead of it were written");
            }
        }
        assertEquals(List.of(file), listDir());
    }

    @Test
    void rejectsDeferredBytesOfAnotherLengthThanTheShapeSays() throws IOException {
        rejected("w", "its bytes are 20 long, the header says 24",
                TensorData.deferred("w", DType.F32, new long[]{2, 3}, () -> MemorySegment.ofArray(new byte[20])));
    }

    /** The size of the temp file the writer is filling beside {@code target}: the only other file in the folder. */
    private long tempSize(Path target) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> temps = s.filter(p -> !p.equals(target)).toList();
            assertEquals(1, temps.size(), "temp files beside " + target + ": " + temps);
            return Files.size(temps.getFirst());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private void rejected(String tensor, String fragment, TensorData... tensors) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(file, List.of(tensors)));
        assertTrue(e.getMessage().startsWith(file + ": tensor '" + tensor + "': "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(Files.exists(file));
        assertEquals(List.of(), listDir());
    }

    @Test
    void rejectsAByteLengthThatDoesNotMatchTheShape() throws IOException {
        rejected("w", "needs 6 × 4 bytes but 20 were given", TensorData.of("w", DType.F32, new long[]{2, 3}, new byte[20]));
    }

    @Test
    void rejectsDuplicateNames() throws IOException {
        rejected("w", "two tensors have this name", TensorData.of("w", DType.U8, new long[]{1}, new byte[1]),
                TensorData.of("w", DType.I8, new long[]{1}, new byte[1]));
    }

    @Test
    void rejectsAnEmptyName() throws IOException {
        rejected("", "tensor name is empty", TensorData.of("", DType.U8, new long[]{1}, new byte[1]));
    }

    @Test
    void rejectsTheReservedMetadataName() throws IOException {
        rejected("__metadata__", "reserved", TensorData.of("__metadata__", DType.U8, new long[]{1}, new byte[1]));
    }

    @Test
    void rejectsANegativeDimension() throws IOException {
        rejected("w", "negative dimension", TensorData.of("w", DType.U8, new long[]{-1}, new byte[0]));
    }

    @Test
    void rejectsANameWithAnUnpairedSurrogate() throws IOException {
        rejected("a\uD800", "unpaired UTF-16 surrogate", TensorData.of("a\uD800", DType.U8, new long[]{1}, new byte[1]));
    }

    @Test
    void tensorDataCopiesItsShape() {
        long[] shape = {2, 2};
        TensorData t = TensorData.of("w", DType.U8, shape, new byte[4]);
        shape[0] = 9;
        t.shape()[1] = 9;
        assertArrayEquals(new long[]{2, 2}, t.shape());
    }

    @Test
    void slicesAreReadOnlyAndDieWithTheFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafetensorsWriter.write(file, List.of(TensorData.of("w", DType.F32, new long[]{2}, Bytes.f32(1, 2))));
        SafetensorsFile f = SafetensorsFile.open(file);
        MemorySegment slice = f.data("w");
        assertTrue(slice.isReadOnly());
        assertThrows(IllegalArgumentException.class, () -> slice.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> slice.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> f.data("w"));
    }

    @Test
    void rejectsTensorInfoFromAnotherFile() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, List.of(TensorData.of("w", DType.F32, new long[]{2}, Bytes.f32(1, 2))));
        SafetensorsWriter.write(b, List.of(TensorData.of("w", DType.F32, new long[]{1}, Bytes.f32(3))));
        try (SafetensorsFile fa = SafetensorsFile.open(a); SafetensorsFile fb = SafetensorsFile.open(b)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fb.data(fa.tensor("w")));
            assertTrue(e.getMessage().contains(b + ": tensor 'w'"), e.getMessage());
            SafetensorsException missing = assertThrows(SafetensorsException.class, () -> fa.tensor("nope"));
            assertTrue(missing.getMessage().startsWith(a + ": tensor 'nope': no such tensor"), missing.getMessage());
        }
    }

    @Test
    void otherThreadsReadSlicesWhileTheFileIsOpen() throws Exception {
        Path file = dir.resolve("w.safetensors");
        byte[] bytes = new byte[1 << 16];
        new Random(3).nextBytes(bytes);
        SafetensorsWriter.write(file, List.of(TensorData.of("w", DType.U8, new long[]{bytes.length}, bytes)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<Callable<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reads.add(() -> bytesOf(f.data("w")));
            }
            for (Future<byte[]> r : pool.invokeAll(reads)) {
                assertArrayEquals(bytes, r.get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
