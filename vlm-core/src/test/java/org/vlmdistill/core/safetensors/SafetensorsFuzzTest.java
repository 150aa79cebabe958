package org.vlmdistill.core.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.tensor.DType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutates valid files at random and requires the reader to either open the result (and then serve
 * every tensor within the file) or throw {@link SafetensorsException}; any other outcome fails.
 *
 * <p>The seed is fresh on every run and printed; {@code -Dsafetensors.fuzz.seed=N} replays a run.
 * Iteration i draws from its own generator ({@code seed} mixed with i), so a failure reported at
 * iteration i reproduces exactly. A failing input is saved to {@code target/fuzz-failures/}, ready
 * to be copied into the corpus. For a longer local hunt, {@code -Dsafetensors.fuzz.iterations=N}
 * runs N inputs. The counts are fixed, never a time budget: a loaded machine runs the same inputs,
 * only slower.
 */
class SafetensorsFuzzTest {
    private static final int DEFAULT_ITERATIONS = 2000;
    private static final int INDEX_ITERATIONS = 500;
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final Pattern KEY = Pattern.compile("\"(dtype|shape|data_offsets|__metadata__)\":(\\[[^\\]]*\\]|\"[^\"]*\"|\\{[^}]*\\})");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"[^\"]*\"");
    private static final Pattern OFFSETS = Pattern.compile("\"data_offsets\":\\[[^\\]]*\\]");
    private static final Pattern NAME = Pattern.compile("\"([^\"\\\\]*)\":\\{\"dtype\"");
    private static final String[] DTYPE_NAMES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL",
            "F8_E4M3", "U16", "U64", "", "f32", "F32 "};
    private static final String[] NUMBERS = {"0", "1", "-1", "2", "7", "8", "2147483647", "2147483648", "4294967296",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e3", "1.5", "0.0",
            "99999999999999999999999999"};

    @TempDir
    Path dir;

    private List<byte[]> validInputs() throws IOException {
        List<byte[]> inputs = new ArrayList<>();
        Random random = new Random(42);
        List<TensorData> all = new ArrayList<>();
        for (DType d : DType.values()) {
            byte[] bytes = new byte[6 * d.byteSize()];
            random.nextBytes(bytes);
            all.add(TensorData.of("layer." + d.ordinal() + ".weight", d, new long[]{2, 3}, bytes));
        }
        inputs.add(write(all, Map.of("format", "pt")));
        inputs.add(write(List.of(
                TensorData.of("scalar", DType.F32, new long[0], Bytes.f32(1)),
                TensorData.of("empty", DType.I64, new long[]{4, 0}, new byte[0]),
                TensorData.of("tête", DType.BF16, new long[]{3}, new byte[6])), null));
        inputs.add(write(List.of(TensorData.of("w", DType.F32, new long[]{4}, Bytes.f32(1, 2, 3, 4))), Map.of()));
        for (Corpus.Case c : Corpus.VALID) {
            inputs.add(c.bytes());
        }
        return inputs;
    }

    private byte[] write(List<TensorData> tensors, Map<String, String> metadata) throws IOException {
        Path file = dir.resolve("base.safetensors");
        SafetensorsWriter.write(file, tensors, metadata);
        return Files.readAllBytes(file);
    }

    @Test
    void mutatedFilesOpenOrFailWithSafetensorsException() throws IOException {
        long seed = Long.getLong("safetensors.fuzz.seed", new SecureRandom().nextLong());
        Integer requested = Integer.getInteger("safetensors.fuzz.iterations");
        int iterations = requested == null ? DEFAULT_ITERATIONS : requested;
        System.out.println("SafetensorsFuzzTest seed = " + seed + " (replay with -Dsafetensors.fuzz.seed=" + seed + ")");
        List<byte[]> inputs = validInputs();
        Path file = dir.resolve("fuzz.safetensors");
        int opened = 0;
        int rejected = 0;
        long start = System.nanoTime();
        int i = 0;
        for (; i < iterations; i++) {
            Random random = new Random(seed ^ (i * 0x9E3779B97F4A7C15L));
            byte[] input = inputs.get(random.nextInt(inputs.size()));
            StringBuilder applied = new StringBuilder();
            int count = 1 + random.nextInt(3);
            for (int m = 0; m < count; m++) {
                input = mutate(input, random, applied);
            }
            Files.write(file, input);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                checkServedWithinBounds(f, input.length);
                opened++;
            } catch (SafetensorsException expected) {
                rejected++;
            } catch (Throwable unexpected) {
                Path saved = save(input, seed, i);
                fail("seed " + seed + ", iteration " + i + " (" + applied + "): " + unexpected
                        + "; input saved to " + saved, unexpected);
            }
        }
        System.out.printf("SafetensorsFuzzTest: %d inputs (%d opened, %d rejected) in %d ms%n",
                i, opened, rejected, (System.nanoTime() - start) / 1_000_000);
        assertTrue(rejected > 0 && opened > 0, "mutations should produce both valid and invalid files");
    }

    /**
     * The same contract for checkpoints: a mutated index over three valid shards either opens
     * (and then the index and the shards agree, all inside the directory) or throws
     * {@link SafetensorsException}.
     */
    @Test
    void mutatedIndexesOpenOrFailWithSafetensorsException() throws IOException {
        long seed = Long.getLong("safetensors.fuzz.seed", new SecureRandom().nextLong());
        System.out.println("SafetensorsFuzzTest (index) seed = " + seed);
        Path model = Files.createDirectories(dir.resolve("model"));
        List<TensorData> tensors = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            tensors.add(TensorData.of("layers." + t + ".weight", DType.F32, new long[]{2}, Bytes.f32(t, -t)));
        }
        SafetensorsWriter.writeSharded(model, tensors, null, 16);
        Path index = model.resolve(SafetensorsCheckpoint.INDEX_FILE);
        String original = Files.readString(index);
        String[] shardNames = {"../x.safetensors", "/etc/passwd", "", ".", "..", "model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors", "model-00009-of-00003.safetensors",
                "sub/../model-00003-of-00003.safetensors", "./model-00002-of-00003.safetensors", "\\u0000"};
        int opened = 0;
        int i = 0;
        for (; i < INDEX_ITERATIONS; i++) {
            Random random = new Random(seed ^ (i * 0x9E3779B97F4A7C15L));
            String text = original;
            StringBuilder applied = new StringBuilder();
            for (int m = 1 + random.nextInt(2); m > 0; m--) {
                switch (random.nextInt(5)) {
                    case 0 -> {
                        List<int[]> values = spans(Pattern.compile("\"model-[^\"]*\"").matcher(text));
                        if (!values.isEmpty()) {
                            int[] v = values.get(random.nextInt(values.size()));
                            String name = shardNames[random.nextInt(shardNames.length)];
                            applied.append("shard->").append(name).append(' ');
                            text = text.substring(0, v[0]) + "\"" + name + "\"" + text.substring(v[1]);
                        }
                    }
                    case 1 -> text = replaceNumber(text, random, applied);
                    case 2 -> {
                        String[] lines = text.split("\n", -1);
                        int drop = random.nextInt(lines.length);
                        applied.append("drop line ").append(drop).append(' ');
                        List<String> kept = new ArrayList<>(List.of(lines));
                        kept.remove(drop);
                        text = String.join("\n", kept);
                    }
                    case 3 -> text = text.substring(0, random.nextInt(text.length() + 1));
                    default -> text = insertJunk(text, random, applied);
                }
            }
            Files.writeString(index, text);
            try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(model)) {
                for (String name : ckpt.names()) {
                    assertTrue(ckpt.shardOf(name).path().toAbsolutePath().normalize().startsWith(model.toAbsolutePath()), name);
                    ckpt.data(name).get(ValueLayout.JAVA_BYTE, 0);
                }
                opened++;
            } catch (SafetensorsException expected) {
                // rejected, as it may be
            } catch (Throwable unexpected) {
                Path saved = save(text.getBytes(StandardCharsets.UTF_8), seed, i);
                fail("seed " + seed + ", index iteration " + i + " (" + applied + "): " + unexpected
                        + "; index saved to " + saved, unexpected);
            }
        }
        System.out.printf("SafetensorsFuzzTest (index): %d inputs, %d opened%n", i, opened);
        assertTrue(opened > 0, "some mutations (number or whitespace edits) should still open");
    }

    /** What a successful open promises: every tensor's bytes lie in the file, and they tile the data area. */
    private static void checkServedWithinBounds(SafetensorsFile f, long fileSize) {
        long covered = 0;
        for (TensorInfo t : f.tensors()) {
            MemorySegment data = f.data(t);
            assertEquals(t.numElements() * t.dtype().byteSize(), data.byteSize(), t.name());
            assertTrue(f.dataAreaOffset() + t.dataEnd() <= fileSize, t.name());
            if (data.byteSize() > 0) {
                data.get(ValueLayout.JAVA_BYTE, 0);
                data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
            }
            covered += data.byteSize();
        }
        assertEquals(fileSize, f.dataAreaOffset() + covered);
    }

    private static Path save(byte[] input, long seed, int iteration) throws IOException {
        Path dir = Path.of("target", "fuzz-failures");
        Files.createDirectories(dir);
        Path file = dir.resolve("seed" + seed + "-iteration" + iteration + ".safetensors");
        Files.write(file, input);
        return file.toAbsolutePath();
    }

    private static byte[] mutate(byte[] input, Random random, StringBuilder applied) {
        String header = header(input);
        int kind = random.nextInt(header == null ? 4 : 10);
        applied.append(applied.isEmpty() ? "" : ", ");
        return switch (kind) {
            case 0 -> flipBits(input, random, applied);
            case 1 -> truncate(input, random, applied);
            case 2 -> extend(input, random, applied);
            case 3 -> rewriteHeaderLength(input, random, applied);
            case 4 -> withHeader(input, replaceNumber(header, random, applied));
            case 5 -> withHeader(input, removeKey(header, random, applied));
            case 6 -> withHeader(input, swapDtype(header, random, applied));
            case 7 -> withHeader(input, duplicateName(header, random, applied));
            case 8 -> withHeader(input, swapOffsets(header, random, applied));
            default -> withHeader(input, insertJunk(header, random, applied));
        };
    }

    /** The header text if the file's length prefix is sane, so that JSON edits apply; else null. */
    private static String header(byte[] input) {
        if (input.length < 8) {
            return null;
        }
        long n = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 0 || n > input.length - 8) {
            return null;
        }
        return new String(input, 8, (int) n, StandardCharsets.UTF_8);
    }

    /** Replaces the header and rewrites the length prefix to match, keeping the data area as it was. */
    private static byte[] withHeader(byte[] input, String header) {
        long n = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(input, 8 + (int) n, input.length);
        return Bytes.concat(Bytes.raw(text.length, text), data);
    }

    private static byte[] flipBits(byte[] input, Random random, StringBuilder applied) {
        if (input.length == 0) {
            return input;
        }
        byte[] out = input.clone();
        int flips = 1 + random.nextInt(4);
        // Mostly in the first 128 bytes, where the length and the header's structure are.
        for (int k = 0; k < flips; k++) {
            int pos = random.nextInt(4) > 0 ? random.nextInt(Math.min(out.length, 128)) : random.nextInt(out.length);
            out[pos] ^= (byte) (1 << random.nextInt(8));
            applied.append("flip@").append(pos).append(' ');
        }
        return out;
    }

    private static byte[] truncate(byte[] input, Random random, StringBuilder applied) {
        int len = input.length == 0 ? 0 : random.nextInt(input.length);
        applied.append("truncate to ").append(len);
        return Arrays.copyOf(input, len);
    }

    private static byte[] extend(byte[] input, Random random, StringBuilder applied) {
        byte[] extra = new byte[1 + random.nextInt(16)];
        random.nextBytes(extra);
        applied.append("append ").append(extra.length);
        return Bytes.concat(input, extra);
    }

    private static byte[] rewriteHeaderLength(byte[] input, Random random, StringBuilder applied) {
        if (input.length < 8) {
            return input;
        }
        long n = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        long[] choices = {n + 1, n - 1, n + 8, n - 8, 0, input.length - 8, input.length, Long.MAX_VALUE, -1,
                100_000_000, 100_000_001, 1L << 31, 1L << 32, random.nextInt(input.length + 16)};
        long v = choices[random.nextInt(choices.length)];
        applied.append("length=").append(Long.toUnsignedString(v));
        byte[] out = input.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
        return out;
    }

    private static String replaceNumber(String header, Random random, StringBuilder applied) {
        List<int[]> spans = spans(NUMBER.matcher(header));
        if (spans.isEmpty()) {
            return header;
        }
        int[] s = spans.get(random.nextInt(spans.size()));
        String old = header.substring(s[0], s[1]);
        String replacement = random.nextBoolean() ? NUMBERS[random.nextInt(NUMBERS.length)]
                : nudge(old, random);
        applied.append("number ").append(old).append("->").append(replacement);
        return header.substring(0, s[0]) + replacement + header.substring(s[1]);
    }

    private static String nudge(String number, Random random) {
        try {
            return Long.toString(Long.parseLong(number) + random.nextInt(17) - 8);
        } catch (NumberFormatException tooLong) {
            return "0";
        }
    }

    private static String removeKey(String header, Random random, StringBuilder applied) {
        List<int[]> spans = spans(KEY.matcher(header));
        if (spans.isEmpty()) {
            return header;
        }
        int[] s = spans.get(random.nextInt(spans.size()));
        applied.append("remove ").append(header, s[0], Math.min(s[1], s[0] + 20));
        int begin = s[0];
        int end = s[1];
        if (end < header.length() && header.charAt(end) == ',') {
            end++;
        } else if (begin > 0 && header.charAt(begin - 1) == ',') {
            begin--;
        }
        return header.substring(0, begin) + header.substring(end);
    }

    private static String swapDtype(String header, Random random, StringBuilder applied) {
        List<int[]> spans = spans(DTYPE.matcher(header));
        if (spans.isEmpty()) {
            return header;
        }
        int[] s = spans.get(random.nextInt(spans.size()));
        String dtype = DTYPE_NAMES[random.nextInt(DTYPE_NAMES.length)];
        applied.append("dtype->").append(dtype);
        return header.substring(0, s[0]) + "\"dtype\":\"" + dtype + "\"" + header.substring(s[1]);
    }

    private static String duplicateName(String header, Random random, StringBuilder applied) {
        Matcher m = NAME.matcher(header);
        List<String> names = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
            spans.add(new int[]{m.start(1), m.end(1)});
        }
        if (names.size() < 2) {
            return header;
        }
        int target = random.nextInt(spans.size());
        String name = names.get(random.nextInt(names.size()));
        applied.append("rename ").append(names.get(target)).append("->").append(name);
        int[] s = spans.get(target);
        return header.substring(0, s[0]) + name + header.substring(s[1]);
    }

    private static String swapOffsets(String header, Random random, StringBuilder applied) {
        List<int[]> spans = spans(OFFSETS.matcher(header));
        if (spans.size() < 2) {
            return header;
        }
        int a = random.nextInt(spans.size());
        int b = random.nextInt(spans.size());
        if (a == b) {
            return header;
        }
        int[] first = spans.get(Math.min(a, b));
        int[] second = spans.get(Math.max(a, b));
        applied.append("swap offsets");
        return header.substring(0, first[0]) + header.substring(second[0], second[1])
                + header.substring(first[1], second[0]) + header.substring(first[0], first[1])
                + header.substring(second[1]);
    }

    private static String insertJunk(String header, Random random, StringBuilder applied) {
        String junk = "{}[]\",: 0-9a\\\u00e9\u0000";
        int pos = random.nextInt(header.length() + 1);
        char c = junk.charAt(random.nextInt(junk.length()));
        applied.append("insert ").append((int) c).append('@').append(pos);
        return header.substring(0, pos) + c + header.substring(pos);
    }

    private static List<int[]> spans(Matcher m) {
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[]{m.start(), m.end()});
        }
        return spans;
    }
}
