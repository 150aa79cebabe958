package org.vlmdistill.datasets.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model directory with a SentencePiece tokenizer.model and no tokenizer.json, laid out as an InternVL2
 * checkpoint's (tokenizer_config.json renaming six user-defined pieces {@code <|plugin|>} ...
 * {@code <|im_start|>} and adding nine tokens past the 2,000 pieces, as InternVL2's 92544 + 9), opened
 * through {@link ChatTokenizer}: ids as transformers' slow tokenizer gives them (the text split at added
 * tokens, each other segment through python3-sentencepiece; tools/sentencepiece_fixtures.py).
 */
class SentencePieceTokenizerTest {

    static Path directory() {
        return SentencePieceBpeTest.resources().resolve("internlm2-tokenizer");
    }

    @Test
    void idsEqualTheSlowTokenizersOnEveryCase() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(SentencePieceBpeTest.resources().resolve("expected-internlm2-tokenizer.json").toFile());
        try (ChatTokenizer tok = ChatTokenizer.load(directory())) {
            int withAdded = 0;
            for (JsonNode c : expected.get("cases")) {
                String text = c.get("text").asText();
                long[] ids = new long[c.get("ids").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = c.get("ids").get(i).asLong();
                }
                Tokens t = tok.encode(text);
                assertArrayEquals(ids, t.ids(), SentencePieceBpeTest.quote(text) + " got " + t.tokens());
                // no dummy prefix, identity normalizer: the text comes back whole, added tokens included, except
                // a renamed piece's own name, which decodes as its new name (as transformers decodes the id)
                assertEquals(text.replace("[UNUSED_TOKEN_146]", "<|im_start|>").replace("[UNUSED_TOKEN_145]", "<|im_end|>"),
                        tok.decode(ids), SentencePieceBpeTest.quote(text));
                for (int i = 0; i < t.size(); i++) {
                    if (t.ids()[i] >= 2000) {
                        withAdded++;
                        assertEquals(t.tokens().get(i), text.substring(t.starts()[i], t.ends()[i]), "an added token's span is its text");
                    }
                }
            }
            assertTrue(expected.get("cases").size() > 200 && withAdded > 100, "cases " + expected.get("cases").size() + ", added tokens " + withAdded);
        }
    }

    @Test
    void vocabularyIsPiecesPlusAddedTokensWithRenamedPieces() throws IOException {
        try (ChatTokenizer tok = ChatTokenizer.load(directory())) {
            // 2,000 pieces + <img> ... </box> (InternVL2: 92,544 + 9 = 92,553); the renamed six are no new ids
            assertEquals(2009, tok.vocabSize());
            assertEquals(OptionalLong.of(8), tok.tokenId("<|im_start|>"));
            assertEquals(OptionalLong.of(7), tok.tokenId("<|im_end|>"));
            assertEquals("<|im_start|>", tok.token(8).orElseThrow());
            assertEquals(OptionalLong.of(2002), tok.tokenId("<IMG_CONTEXT>"));
            assertEquals("</box>", tok.token(2008).orElseThrow());
            assertEquals(OptionalLong.of(1), tok.tokenId("<s>"));
            // the piece names stay readable, as sentencepiece's piece_to_id reads them
            assertEquals(OptionalLong.of(8), tok.tokenId("[UNUSED_TOKEN_146]"));
            assertEquals(OptionalLong.empty(), tok.tokenId("<not a token>"));
        }
    }

    @Test
    void decodeLeavesSpecialTokensOutWhenAsked() throws IOException {
        try (ChatTokenizer tok = ChatTokenizer.load(directory())) {
            String text = "<s><|im_start|>assistant\nIt is red.<|im_end|></s>";
            long[] ids = tok.encode(text).ids();
            assertEquals(text, tok.decode(ids));
            assertEquals("assistant\nIt is red.", tok.decode(ids, true));
        }
    }

    @Test
    void theModelFileOpensOnItsOwnToo() throws IOException {
        try (ChatTokenizer tok = ChatTokenizer.load(directory().resolve("tokenizer.model"))) {
            assertEquals(2009, tok.vocabSize());
        }
    }

    @Test
    void aMissingTokenizerModelIsNamed(@TempDir Path dir) throws IOException {
        Files.copy(directory().resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ChatTokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.model").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
    }

    @Test
    void badAddedTokensNameTheFileAndField(@TempDir Path dir) throws IOException {
        Files.copy(directory().resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {\"x\": {\"content\": \"<a>\"}}}");
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> ChatTokenizer.load(dir));
        assertTrue(key.getMessage().contains("tokenizer_config.json: 'added_tokens_decoder' has key 'x', not an id"), key.getMessage());

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {\"5\": {\"content\": \"<a>\"}}}");
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<b>\": 5}");
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> ChatTokenizer.load(dir));
        assertTrue(twice.getMessage().contains("added tokens '<a>' and '<b>' both have id 5"), twice.getMessage());
    }

    @Test
    void addedTokensStripWhitespaceWhereTheyAskTo(@TempDir Path dir) throws IOException {
        Files.copy(directory().resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"added_tokens_decoder": {
                  "2000": {"content": "<L>", "lstrip": true, "rstrip": false, "special": true},
                  "2001": {"content": "<R>", "lstrip": false, "rstrip": true, "special": false}}}
                """);
        try (ChatTokenizer tok = ChatTokenizer.load(dir); ChatTokenizer plain = ChatTokenizer.load(directory())) {
            // transformers' slow tokenizer: lstrip eats the whitespace before the token, rstrip the whitespace after
            assertArrayEquals(concat(plain.encode("a").ids(), new long[] {2000}, plain.encode("b").ids(), new long[] {2001},
                    plain.encode("c").ids()), tok.encode("a \t<L>b<R>  \nc").ids());
            assertEquals(2002, tok.vocabSize());
        }
    }

    @Test
    void vocabularyAlignmentComparesTokenizerModels(@TempDir Path dir) throws IOException {
        VocabularyAlignment.Result same = VocabularyAlignment.check(directory(), 2009, directory().resolve("tokenizer.model"), 2048);
        assertEquals(new VocabularyAlignment.Result(2009, 2009, 2009, 2009, java.util.List.of()), same);

        // a teacher whose tokenizer_config names piece 7 otherwise: id 7 no longer means the same token
        Files.copy(directory().resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), Files.readString(directory().resolve("tokenizer_config.json"))
                .replace("\"<|im_end|>\"", "\"<|end|>\""));
        AlignmentException e = assertThrows(AlignmentException.class, () -> VocabularyAlignment.check(directory(), 2009, dir, 2009));
        assertTrue(e.getMessage().contains("id 7: student \"<|im_end|>\", teacher \"<|end|>\""), e.getMessage());
    }

    private static long[] concat(long[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToLong(java.util.Arrays::stream).toArray();
    }
}
