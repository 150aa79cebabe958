package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vlmdistill.core.safetensors.Bytes.json;

class SafetensorsCheckpointTest {
    private static final String S1 = "model-00001-of-00003.safetensors";
    private static final String S2 = "model-00002-of-00003.safetensors";
    private static final String S3 = "model-00003-of-00003.safetensors";

    @TempDir
    Path dir;

    private static TensorData f32(String name, float... values) {
        return TensorData.of(name, DType.F32, new long[]{values.length}, Bytes.f32(values));
    }

    /**
     * With a 32-byte limit HF's split gives [a, b] (16 + 16), then [e] (40 bytes, over the limit:
     * a shard of its own, emitted at once), then [c, d].
     */
    private static List<TensorData> fiveTensors() {
        return List.of(f32("a", 1, 2, 3, 4), f32("b", 5, 6, 7, 8), f32("c", 9, 10, 11, 12),
                TensorData.of("d", DType.I64, new long[]{2}, new byte[16]),
                TensorData.of("e", DType.U8, new long[]{40}, new byte[40]));
    }

    private List<String> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shardedRoundTripFollowsHuggingFaceNamingSplitAndIndex() throws IOException {
        List<Path> written = SafetensorsWriter.writeSharded(dir, fiveTensors(), Map.of("format", "pt"), 32);
        assertEquals(List.of(dir.resolve(S1), dir.resolve(S2), dir.resolve(S3)), written);
        assertEquals(List.of(S1, S2, S3, SafetensorsCheckpoint.INDEX_FILE), listDir());
        String index = Files.readString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE));
        assertEquals("""
                {
                  "metadata": {
                    "total_size": 104
                  },
                  "weight_map": {
                    "a": "model-00001-of-00003.safetensors",
                    "b": "model-00001-of-00003.safetensors",
                    "c": "model-00003-of-00003.safetensors",
                    "d": "model-00003-of-00003.safetensors",
                    "e": "model-00002-of-00003.safetensors"
                  }
                }
                """, index);

        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertEquals(dir, ckpt.root());
            assertEquals(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), ckpt.indexFile().orElseThrow());
            assertEquals(OptionalLong.of(104), ckpt.totalSize());
            assertEquals(Map.of("total_size", "104"), ckpt.indexMetadata());
            assertEquals(List.of("a", "b", "e", "d", "c"), List.copyOf(ckpt.names()));
            assertEquals(3, ckpt.shards().size());
            assertEquals(dir.resolve(S3), ckpt.shardOf("c").path());
            assertEquals(Map.of("format", "pt"), ckpt.shardOf("e").metadata());
            assertArrayEquals(Bytes.f32(9, 10, 11, 12), ckpt.data("c").toArray(ValueLayout.JAVA_BYTE));
            assertEquals(DType.I64, ckpt.tensor("d").dtype());
            assertEquals(16, ckpt.data(ckpt.tensor("d")).byteSize());
            assertEquals(5, ckpt.tensors().size());
            assertTrue(ckpt.contains("a"));
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> ckpt.tensor("zzz"));
            assertTrue(e.getMessage().startsWith(dir.resolve(SafetensorsCheckpoint.INDEX_FILE) + ": tensor 'zzz': no such tensor"),
                    e.getMessage());
        }
    }

    @Test
    void oneShardIsWrittenAsModelSafetensorsWithoutIndex() throws IOException {
        List<Path> written = SafetensorsWriter.writeSharded(dir, fiveTensors(), null, 1L << 30);
        assertEquals(List.of(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE)), written);
        assertEquals(List.of(SafetensorsCheckpoint.SINGLE_FILE), listDir());
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertTrue(ckpt.indexFile().isEmpty());
            assertEquals(OptionalLong.empty(), ckpt.totalSize());
            assertEquals(5, ckpt.names().size());
            assertArrayEquals(Bytes.f32(1, 2, 3, 4), ckpt.data("a").toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aNewSaveRemovesTheFilesOfThePreviousOneButNothingElse() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        SafetensorsWriter.writeSharded(dir, fiveTensors(), null, 32);
        SafetensorsWriter.writeSharded(dir, fiveTensors(), null, 1L << 30);
        assertEquals(List.of("config.json", SafetensorsCheckpoint.SINGLE_FILE), listDir());
        SafetensorsWriter.writeSharded(dir, fiveTensors(), null, 32);
        assertEquals(List.of("config.json", S1, S2, S3, SafetensorsCheckpoint.INDEX_FILE), listDir());
    }

    @Test
    void opensASingleFileOrAnIndexFileGivenDirectly() throws IOException {
        Path single = dir.resolve("weights.safetensors");
        SafetensorsWriter.write(single, List.of(f32("w", 1)));
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(single)) {
            assertEquals(dir, ckpt.root());
            assertEquals(List.of("w"), List.copyOf(ckpt.names()));
        }
        Path sharded = Files.createDirectory(dir.resolve("sharded"));
        SafetensorsWriter.writeSharded(sharded, fiveTensors(), null, 32);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(sharded.resolve(SafetensorsCheckpoint.INDEX_FILE))) {
            assertEquals(5, ckpt.names().size());
        }
    }

    @Test
    void twoSpellingsOfOneShardNameOpenItOnce() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': './A.safetensors', 'c': 'sub/../B.safetensors'}}");
        Files.createDirectories(dir.resolve("sub"));
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, ckpt.shards().size());
            assertEquals(ckpt.shardOf("a"), ckpt.shardOf("b"));
            assertEquals(dir.resolve("B.safetensors"), ckpt.shardOf("c").path());
        }
    }

    /** The hub cache: snapshots/<rev>/ holds symlinks into the repository's blobs/ directory. */
    @Test
    void acceptsTheHuggingFaceHubCacheLayout() throws IOException {
        Path repo = dir.resolve("models--org--tiny");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        SafetensorsWriter.writeSharded(staging, fiveTensors(), null, 32);
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve("0123abcd"));
        for (String name : List.of(S1, S2, S3, SafetensorsCheckpoint.INDEX_FILE)) {
            Path blob = blobs.resolve("sha-" + name.hashCode());
            Files.move(staging.resolve(name), blob);
            symlinkOrSkip(snapshot.resolve(name), Path.of("../../blobs").resolve(blob.getFileName()));
        }
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(snapshot)) {
            assertEquals(5, ckpt.names().size());
            assertArrayEquals(Bytes.f32(5, 6, 7, 8), ckpt.data("b").toArray(ValueLayout.JAVA_BYTE));
        }
    }

    private static void symlinkOrSkip(Path link, Path target) throws IOException {
        try {
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | IOException e) {
            Assumptions.abort("symbolic links not supported here: " + e);
        }
    }

    // ---- malformed checkpoints: one test per case, each naming the file and, where relevant, the tensor ----

    private Path index() {
        return dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
    }

    private void writeIndex(String singleQuotedJson) throws IOException {
        Files.writeString(index(), json(singleQuotedJson));
    }

    /** Shards A = {a, b} and B = {c} as plain files, for indexes written by hand. */
    private void writeShardsAB() throws IOException {
        SafetensorsWriter.write(dir.resolve("A.safetensors"), List.of(f32("a", 1), f32("b", 2)));
        SafetensorsWriter.write(dir.resolve("B.safetensors"), List.of(f32("c", 3)));
    }

    private SafetensorsException rejects(Path file, String tensor, String fragment) {
        return rejects(dir, file, tensor, fragment);
    }

    private static SafetensorsException rejects(Path open, Path file, String tensor, String fragment) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(open).close());
        String prefix = tensor == null ? file + ": " : file + ": tensor '" + tensor + "': ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected prefix <" + prefix + "> in <" + e.getMessage() + ">");
        assertTrue(e.getMessage().contains(fragment), () -> "expected <" + fragment + "> in <" + e.getMessage() + ">");
        return e;
    }

    @Test
    void indexNotJson() throws IOException {
        writeIndex("{'weight_map': {'a': 'A.safetensors'");
        rejects(index(), null, "index is not valid JSON");
    }

    @Test
    void indexNotUtf8() throws IOException {
        Files.write(index(), new byte[]{'{', '"', (byte) 0xFF, '"', ':', '1', '}'});
        rejects(index(), null, "index is not valid UTF-8: malformed sequence at byte 2");
    }

    @Test
    void indexNotAnObject() throws IOException {
        writeIndex("['A.safetensors']");
        rejects(index(), null, "index is array, not a JSON object");
    }

    @Test
    void indexWithTrailingContent() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': 'A.safetensors', 'c': 'B.safetensors'}} []");
        rejects(index(), null, "index is not valid JSON");
    }

    @Test
    void indexWithoutWeightMap() throws IOException {
        writeShardsAB();
        writeIndex("{'metadata': {'total_size': 12}}");
        rejects(index(), null, "'weight_map' is missing, not an object");
    }

    @Test
    void weightMapNotAnObject() throws IOException {
        writeIndex("{'weight_map': ['A.safetensors']}");
        rejects(index(), null, "'weight_map' is array, not an object");
    }

    @Test
    void weightMapEmpty() throws IOException {
        writeIndex("{'weight_map': {}}");
        rejects(index(), null, "'weight_map' is empty");
    }

    @Test
    void weightMapValueNotAString() throws IOException {
        writeIndex("{'weight_map': {'a': 1}}");
        rejects(index(), "a", "'weight_map' value is number, not a shard file name");
    }

    @Test
    void weightMapDuplicateTensor() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'a': 'B.safetensors'}}");
        rejects(index(), null, "Duplicate field 'a'");
    }

    @Test
    void indexMetadataNotAnObject() throws IOException {
        writeShardsAB();
        writeIndex("{'metadata': 12, 'weight_map': {'a': 'A.safetensors', 'b': 'A.safetensors', 'c': 'B.safetensors'}}");
        rejects(index(), null, "'metadata' is number, not an object");
    }

    @Test
    void shardMissing() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': 'A.safetensors', 'c': 'B.safetensors', 'x': 'C.safetensors'}}");
        rejects(index(), "x", "shard 'C.safetensors' does not exist");
    }

    @Test
    void shardMalformed() throws IOException {
        writeShardsAB();
        Files.write(dir.resolve("B.safetensors"), Corpus.TENSORS_GAP.bytes());
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': 'A.safetensors', 'c': 'B.safetensors'}}");
        rejects(dir.resolve("B.safetensors"), "b", "leave a gap");
    }

    @Test
    void tensorInTwoShards() throws IOException {
        SafetensorsWriter.write(dir.resolve("A.safetensors"), List.of(f32("a", 1), f32("b", 2)));
        SafetensorsWriter.write(dir.resolve("B.safetensors"), List.of(f32("b", 3)));
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': 'B.safetensors'}}");
        SafetensorsException e = rejects(dir.resolve("B.safetensors"), "b", "also present in shard");
        assertTrue(e.getMessage().contains(dir.resolve("A.safetensors").toString()), e.getMessage());
    }

    @Test
    void tensorIndexedToTheWrongShard() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': 'B.safetensors', 'c': 'B.safetensors'}}");
        rejects(index(), "b", "the weight_map puts it in 'B.safetensors' but it is in " + dir.resolve("A.safetensors"));
    }

    @Test
    void tensorIndexedButInNoShard() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'b': 'A.safetensors', 'c': 'B.safetensors', 'x': 'B.safetensors'}}");
        rejects(index(), "x", "the weight_map puts it in 'B.safetensors' but no shard holds it");
    }

    @Test
    void tensorInAShardButNotInTheIndex() throws IOException {
        writeShardsAB();
        writeIndex("{'weight_map': {'a': 'A.safetensors', 'c': 'B.safetensors'}}");
        rejects(dir.resolve("A.safetensors"), "b", "missing from the weight_map of " + index());
    }

    @Test
    void absoluteShardName() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        SafetensorsWriter.write(outside.resolve("A.safetensors"), List.of(f32("a", 1)));
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve(SafetensorsCheckpoint.INDEX_FILE),
                "{\"weight_map\": {\"a\": \"" + outside.resolve("A.safetensors").toAbsolutePath() + "\"}}");
        rejects(model, model.resolve(SafetensorsCheckpoint.INDEX_FILE), "a", "must be a relative file name");
    }

    @Test
    void shardNameClimbingOutWithDotDot() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        SafetensorsWriter.write(outside.resolve("A.safetensors"), List.of(f32("a", 1)));
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve(SafetensorsCheckpoint.INDEX_FILE),
                json("{'weight_map': {'a': '../outside/A.safetensors'}}"));
        rejects(model, model.resolve(SafetensorsCheckpoint.INDEX_FILE), "a",
                "shard name '../outside/A.safetensors' escapes the model directory");
    }

    @Test
    void shardSymlinkPointingOutside() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        SafetensorsWriter.write(outside.resolve("A.safetensors"), List.of(f32("a", 1)));
        Path model = Files.createDirectories(dir.resolve("model"));
        symlinkOrSkip(model.resolve("A.safetensors"), outside.resolve("A.safetensors"));
        Files.writeString(model.resolve(SafetensorsCheckpoint.INDEX_FILE), json("{'weight_map': {'a': 'A.safetensors'}}"));
        rejects(model, model.resolve(SafetensorsCheckpoint.INDEX_FILE), "a",
                "shard 'A.safetensors' is a symbolic link to " + outside.resolve("A.safetensors"));
    }

    @Test
    void shardBehindASymlinkedDirectoryPointingOutside() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        SafetensorsWriter.write(outside.resolve("A.safetensors"), List.of(f32("a", 1)));
        Path model = Files.createDirectories(dir.resolve("model"));
        symlinkOrSkip(model.resolve("sub"), outside);
        Files.writeString(model.resolve(SafetensorsCheckpoint.INDEX_FILE), json("{'weight_map': {'a': 'sub/A.safetensors'}}"));
        rejects(model, model.resolve(SafetensorsCheckpoint.INDEX_FILE), "a", "outside the model directory");
    }

    @Test
    void singleFileSymlinkPointingOutside() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        SafetensorsWriter.write(outside.resolve("x.safetensors"), List.of(f32("a", 1)));
        Path model = Files.createDirectories(dir.resolve("model"));
        symlinkOrSkip(model.resolve(SafetensorsCheckpoint.SINGLE_FILE), outside.resolve("x.safetensors"));
        rejects(model, model, null, "is a symbolic link to");
    }

    @Test
    void shardNameIsADirectory() throws IOException {
        Files.createDirectories(dir.resolve("A.safetensors"));
        writeIndex("{'weight_map': {'a': 'A.safetensors'}}");
        rejects(index(), "a", "shard 'A.safetensors' is not a regular file");
    }

    @Test
    void shardNameIsTheDirectoryItself() throws IOException {
        writeIndex("{'weight_map': {'a': '.'}}");
        rejects(index(), "a", "shard name '.' escapes the model directory");
    }

    @Test
    void directoryWithoutCheckpoint() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        rejects(dir, null, "the directory has neither model.safetensors.index.json nor model.safetensors");
    }

    @Test
    void danglingIndexSymlinkIsAnErrorNotAFallback() throws IOException {
        SafetensorsWriter.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE), List.of(f32("a", 1)));
        symlinkOrSkip(index(), dir.resolve("gone.json"));
        rejects(dir, null, "file 'model.safetensors.index.json' does not exist");
        assertFalse(Files.exists(index()));
    }
}
