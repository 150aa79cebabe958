package org.vlmdistill.datasets.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The BPE encoder and decoder against python3-sentencepiece 0.1.97 on models trained here
 * (tools/sentencepiece_fixtures.py): ids, pieces and decoded text of 1,228 strings per model.
 */
class SentencePieceBpeTest {

    static Path resources() {
        try {
            return Path.of(SentencePieceBpeTest.class.getResource("/sentencepiece/internlm2.model").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"internlm2", "squeeze"})
    void idsPiecesAndDecodingEqualSentencePiece(String name) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(resources().resolve("expected-" + name + ".json").toFile());
        SentencePieceBpe bpe = SentencePieceBpe.of(SentencePieceModel.read(resources().resolve(name + ".model")));
        JsonNode cases = expected.get("cases");
        assertTrue(cases.size() >= 1000, "at least 1,000 strings, has " + cases.size());
        List<String> failures = new ArrayList<>();
        int byteFallback = 0;
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            long[] ids = longs(c.get("ids"));
            Tokens t = bpe.encode(text);
            if (!java.util.Arrays.equals(ids, t.ids())) {
                failures.add(quote(text) + ": expected " + c.get("ids") + " " + c.get("pieces") + ", got "
                        + java.util.Arrays.toString(t.ids()) + " " + t.tokens());
                continue;
            }
            List<String> pieces = new ArrayList<>();
            c.get("pieces").forEach(p -> pieces.add(p.asText()));
            assertEquals(pieces, t.tokens(), quote(text));
            assertEquals(c.get("decoded").asText(), bpe.decode(ids), "decode of " + quote(text));
            if (pieces.stream().anyMatch(p -> p.startsWith("<0x"))) {
                byteFallback++;
            }
            assertSpansCover(text, t);
        }
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " strings differ");
        assertTrue(byteFallback > 100, "byte fallback exercised: " + byteFallback);
    }

    /**
     * Token spans are ordered, lie in the text, and cover every character but removed spaces (with
     * remove_extra_whitespaces; a trailing U+2581 of the text goes with them, as in sentencepiece).
     */
    private static void assertSpansCover(String text, Tokens t) {
        int covered = 0;
        for (int i = 0; i < t.size(); i++) {
            assertTrue(t.starts()[i] <= t.ends()[i] && t.ends()[i] <= text.length(), quote(text) + " token " + i);
            if (i > 0) {
                assertTrue(t.starts()[i] >= t.starts()[i - 1], quote(text) + " token " + i + " starts before the previous");
            }
            for (int k = covered; k < t.starts()[i]; k++) {
                assertRemovable(text, k);
            }
            covered = Math.max(covered, t.ends()[i]);
        }
        for (int k = covered; k < text.length(); k++) {
            assertRemovable(text, k);
        }
    }

    private static void assertRemovable(String text, int k) {
        assertTrue(text.charAt(k) == ' ' || text.charAt(k) == '\u2581', quote(text) + ": char " + k + " is in no token");
    }

    @Test
    void decodeOfEncodeRoundTripsForFreshRandomText() throws IOException {
        SentencePieceBpe bpe = SentencePieceBpe.of(SentencePieceModel.read(resources().resolve("internlm2.model")));
        Random random = new Random();
        int[] alphabet = "ab ,.\t\n你好世界😀🦩é\u0301ᚠ0123456789\u0000\u00a0".codePoints().toArray();
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder s = new StringBuilder();
            for (int k = random.nextInt(40); k > 0; k--) {
                s.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
            }
            String text = s.toString();
            Tokens t = bpe.encode(text);
            String decoded = bpe.decode(t.ids());
            // identity normalizer, no dummy prefix, no whitespace removal (python3-sentencepiece round-trips 3,000 such strings)
            assertEquals(text, decoded, quote(text));
        }
    }

    @Test
    void bytePiecesDecodeAsUtf8WithReplacementForInvalidBytes() throws IOException {
        SentencePieceBpe bpe = SentencePieceBpe.of(SentencePieceModel.read(resources().resolve("internlm2.model")));
        long[] ids = {bpe.pieceToId("<0xE4>"), bpe.pieceToId("<0xBD>"), bpe.pieceToId("<0xA0>"), bpe.pieceToId("<0xFF>"),
                bpe.pieceToId("<0xC0>"), bpe.pieceToId("<0x80>"), bpe.pieceToId("<0x41>")};
        // E4 BD A0 is 你; FF never starts UTF-8; C0 80 is an overlong NUL: each invalid byte one U+FFFD
        assertEquals("你\uFFFD\uFFFD\uFFFDA", bpe.decode(ids));
    }

    @Test
    void missingModelFileIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("tokenizer.model");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SentencePieceModel.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void truncatedOrForeignFilesAreRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        byte[] model = Files.readAllBytes(resources().resolve("internlm2.model"));
        Path cut = dir.resolve("cut.model");
        Files.write(cut, java.util.Arrays.copyOf(model, model.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": not a SentencePiece model"), e.getMessage());

        Path json = dir.resolve("tokenizer.json.model");
        Files.writeString(json, "{\"model\": {}}");
        assertThrows(IllegalArgumentException.class, () -> SentencePieceModel.read(json));
    }

    @Test
    void precompiledCharsmapIsRefusedNamingTheNormalizer(@TempDir Path dir) throws IOException {
        // a second normalizer_spec (field 3) merges into the first: name "nmt_nfkc" and a 5-byte charsmap
        ByteArrayOutputStream spec = new ByteArrayOutputStream();
        byte[] name = "nmt_nfkc".getBytes(StandardCharsets.UTF_8);
        spec.write(0x0A);
        spec.write(name.length);
        spec.writeBytes(name);
        spec.write(0x12);
        spec.write(5);
        spec.writeBytes(new byte[] {1, 2, 3, 4, 5});
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(Files.readAllBytes(resources().resolve("internlm2.model")));
        file.write(0x1A);
        file.write(spec.size());
        file.writeBytes(spec.toByteArray());
        Path nfkc = dir.resolve("nfkc.model");
        Files.write(nfkc, file.toByteArray());
        SentencePieceModel m = SentencePieceModel.read(nfkc);
        assertEquals("nmt_nfkc", m.normalizer().name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentencePieceBpe.of(m));
        assertTrue(e.getMessage().contains(nfkc.toString()) && e.getMessage().contains("'nmt_nfkc' has a precompiled charsmap (5 bytes)"),
                e.getMessage());
    }

    @Test
    void readsTheSpecsTheFixtureWasTrainedWith() throws IOException {
        SentencePieceModel m = SentencePieceModel.read(resources().resolve("internlm2.model"));
        assertEquals("BPE", m.modelType());
        assertTrue(m.byteFallback());
        assertEquals(new SentencePieceModel.Normalizer("identity", 0, false, false, true), m.normalizer());
        assertEquals(2000, m.pieces().size());
        assertEquals(SentencePieceModel.PieceType.UNKNOWN, m.pieces().get(0).type());
        assertEquals(SentencePieceModel.PieceType.USER_DEFINED, m.pieces().get(8).type());
        assertEquals("[UNUSED_TOKEN_146]", m.pieces().get(8).piece());
        // a user-defined piece is one symbol, never merged with the space before it (sentencepiece: [1782, 8])
        assertArrayEquals(new long[] {8}, SentencePieceBpe.of(m).encode("[UNUSED_TOKEN_146]").ids());
        assertArrayEquals(new long[] {1782, 8}, SentencePieceBpe.of(m).encode(" [UNUSED_TOKEN_146]").ids());
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append('"').toString();
    }
}
