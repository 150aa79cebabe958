package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our files against the Hugging Face {@code safetensors} library itself, both ways: it reads
 * what our writer wrote (every dtype, metadata), and we read what it wrote. Runs where a Python
 * with {@code safetensors} is at hand ({@code VLMD_PYTHON}, default {@code python3}); elsewhere it
 * is skipped with that reason. Random shapes and bytes each run.
 */
class HfLibraryCompatTest {
    private static final String PYTHON = System.getenv().getOrDefault("VLMD_PYTHON", "python3");

    private static String python(String script, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, "-c", script, dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("python failed:\n" + out);
        }
        return out;
    }

    private static void assumeLibrary() throws InterruptedException {
        boolean present;
        try {
            present = new ProcessBuilder(PYTHON, "-c", "import safetensors, numpy").start().waitFor() == 0;
        } catch (IOException e) {
            present = false;
        }
        Assumptions.assumeTrue(present, "no Python with the safetensors and numpy libraries (set VLMD_PYTHON)");
    }

    @Test
    void theHfLibraryReadsOurFilesAndWeReadItsFiles(@TempDir Path dir) throws Exception {
        assumeLibrary();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<TensorData> tensors = new ArrayList<>();
        Map<String, String> expected = new TreeMap<>();
        for (DType d : DType.values()) {
            long[] shape = random.nextBoolean() ? new long[] {1 + random.nextInt(5), 1 + random.nextInt(7)}
                    : new long[] {random.nextInt(3)};
            long n = shape.length == 2 ? shape[0] * shape[1] : shape[0];
            byte[] bytes = new byte[(int) (n * d.byteSize())];
            random.nextBytes(bytes);
            if (d == DType.BOOL) {
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] &= 1;
                }
            }
            String name = "t." + d.name().toLowerCase() + "." + random.nextInt(1000);
            tensors.add(TensorData.of(name, d, shape, bytes));
            expected.put(name, d.safetensorsName() + " " + java.util.Arrays.toString(shape).replace(" ", "")
                    + " " + HexFormat.of().formatHex(bytes));
        }
        SafetensorsWriter.write(dir.resolve("ours.safetensors"), tensors, Map.of("format", "pt", "seed", "" + seed));

        // 1. the HF library reads ours: names, dtypes, shapes, bytes, metadata
        String read = python("""
                import sys, safetensors
                d = sys.argv[1]
                data = open(d + '/ours.safetensors', 'rb').read()
                for name, t in sorted(safetensors.deserialize(data)):
                    print(name, t['dtype'], str(list(t['shape'])).replace(' ', ''), bytes(t['data']).hex())
                with safetensors.safe_open(d + '/ours.safetensors', 'numpy') as f:
                    print('metadata', sorted(f.metadata().items()))
                """, dir);
        List<String> lines = read.lines().toList();
        assertEquals(new ArrayList<>(expected.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()),
                lines.subList(0, expected.size()), "seed " + seed);
        assertEquals("metadata [('format', 'pt'), ('seed', '" + seed + "')]", lines.get(expected.size()));

        // 2. we read what the HF library wrote from the same tensors
        python("""
                import sys, ctypes, safetensors
                d = sys.argv[1]
                names = {'F64': 'float64', 'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16', 'I64': 'int64',
                         'I32': 'int32', 'I16': 'int16', 'I8': 'int8', 'U8': 'uint8', 'BOOL': 'bool'}
                keep, specs = [], {}
                for n, t in safetensors.deserialize(open(d + '/ours.safetensors', 'rb').read()):
                    buf = ctypes.create_string_buffer(bytes(t['data']), max(1, len(t['data'])))
                    keep.append(buf)
                    specs[n] = safetensors.TensorSpec(dtype=names[t['dtype']], shape=list(t['shape']),
                                                      data_ptr=ctypes.addressof(buf), data_len=len(t['data']))
                open(d + '/theirs.safetensors', 'wb').write(safetensors.serialize(specs, metadata={'by': 'hf'}))
                """, dir);
        try (SafetensorsFile theirs = SafetensorsFile.open(dir.resolve("theirs.safetensors"))) {
            assertEquals(Map.of("by", "hf"), theirs.metadata());
            Map<String, String> got = new TreeMap<>();
            for (TensorInfo t : theirs.tensors()) {
                got.put(t.name(), t.dtype().safetensorsName() + " " + java.util.Arrays.toString(t.shapeArray()).replace(" ", "")
                        + " " + HexFormat.of().formatHex(theirs.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            }
            assertEquals(expected, got, "seed " + seed);
        }
        // and both files are byte-identical but for the metadata: same layout rules
        byte[] ours = Files.readAllBytes(dir.resolve("ours.safetensors"));
        byte[] theirsBytes = Files.readAllBytes(dir.resolve("theirs.safetensors"));
        long oursHeader = java.nio.ByteBuffer.wrap(ours, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        long theirsHeader = java.nio.ByteBuffer.wrap(theirsBytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(theirsBytes, 8 + (int) theirsHeader, theirsBytes.length)),
                java.util.Arrays.toString(java.util.Arrays.copyOfRange(ours, 8 + (int) oursHeader, ours.length)),
                "data areas laid out in the same order, seed " + seed);
    }
}
