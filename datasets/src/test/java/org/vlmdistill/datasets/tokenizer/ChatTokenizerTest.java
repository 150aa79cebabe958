package org.vlmdistill.datasets.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.datasets.template.ChatTemplates;
import org.vlmdistill.datasets.template.ModelChatTemplate;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * The real Qwen3 tokenizer.json (committed gzipped under templates/qwen3/) on ChatML that a template
 * rendered: vision placeholders, long text, offsets of non-ASCII text, vocabulary lookups.
 */
class ChatTokenizerTest {
    @TempDir
    static Path dir;
    static Path qwen3;
    static ChatTokenizer tokenizer;

    @BeforeAll
    static void unpackQwen3() throws IOException {
        qwen3 = dir.resolve("qwen3");
        Files.createDirectories(qwen3);
        try (InputStream in = new GZIPInputStream(ChatTokenizerTest.class.getResourceAsStream("/templates/qwen3/tokenizer.json.gz"));
             OutputStream out = Files.newOutputStream(qwen3.resolve("tokenizer.json"))) {
            in.transferTo(out);
        }
        tokenizer = ChatTokenizer.load(qwen3);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void visionPlaceholdersAreSingleSpecialTokens() {
        String text = "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe this image.<|im_end|>\n";
        Tokens t = tokenizer.encode(text);
        int at = List.of(Arrays.stream(t.ids()).boxed().toArray()).indexOf(151652L);
        assertTrue(at > 0, Arrays.toString(t.ids()));
        assertArrayEquals(new long[] {151652, 151655, 151653}, Arrays.copyOfRange(t.ids(), at, at + 3));
        assertEquals(151644, t.ids()[0], "<|im_start|> comes from the text, no BOS is added");
        assertEquals("<|image_pad|>", t.tokens().get(at + 1));
        assertEquals("<|image_pad|>", text.substring(t.starts()[at + 1], t.ends()[at + 1]));
        assertEquals(text, tokenizer.decode(t.ids()));
        assertEquals("user\nDescribe this image.\n", tokenizer.decode(t.ids(), true));
    }

    @Test
    void longConversationIsNotTruncated() throws IOException {
        StringBuilder essay = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            essay.append("sentence ").append(i).append(" of a long user turn. ");
        }
        ModelChatTemplate template = ChatTemplates.load(Path.of(templatesDir()).resolve("qwen3"));
        String text = template.render(List.of(Map.of("role", "user", "content", essay.toString())), true, Map.of());
        Tokens t = tokenizer.encode(text);
        assertTrue(t.size() > 600, "only " + t.size() + " tokens");
        assertEquals(text, tokenizer.decode(t.ids()));
        assertEquals(text.length(), t.ends()[t.size() - 1]);

        // the trap this class avoids: DJL's defaults truncate to 512 tokens
        try (HuggingFaceTokenizer defaults = HuggingFaceTokenizer.newInstance(qwen3)) {
            assertEquals(512, defaults.encode(text).getIds().length);
        }
    }

    @Test
    void spansAreJavaCharIndicesEvenPastAstralCharacters() {
        String text = "é🙂 héllo";
        Tokens t = tokenizer.encode(text);
        StringBuilder rebuilt = new StringBuilder();
        for (int i = 0; i < t.size(); i++) {
            rebuilt.append(text, t.starts()[i], t.ends()[i]);
        }
        assertEquals(text, rebuilt.toString());
        assertEquals(List.of("Ã©", "ðŁĻĤ", "Ġh", "Ã©l", "lo"), t.tokens());
        assertEquals("🙂", text.substring(t.starts()[1], t.ends()[1]));
        assertEquals(" h", text.substring(t.starts()[2], t.ends()[2]));
    }

    @Test
    void vocabularyLookups() throws IOException {
        assertEquals(OptionalLong.of(151644), tokenizer.tokenId("<|im_start|>"));
        assertEquals(OptionalLong.of(151655), tokenizer.tokenId("<|image_pad|>"));
        assertEquals(OptionalLong.of(305), tokenizer.tokenId("Ġh"));
        assertTrue(tokenizer.tokenId("no such token").isEmpty());
        assertEquals("<|vision_end|>", tokenizer.token(151653).orElseThrow());
        assertTrue(tokenizer.token(10_000_000).isEmpty());
        // Qwen's 151,643 byte-level BPE tokens plus the added special tokens
        int added = 0;
        for (long id = 151643; tokenizer.token(id).isPresent(); id++) {
            added++;
        }
        assertTrue(added > 20, "added tokens: " + added);
        assertEquals(151643 + added, tokenizer.vocabSize());
    }

    /** A tokenizer.json whose post-processor adds a BOS and which asks for truncation and padding itself. */
    @Test
    void noSpecialTokensNoTruncationNoPaddingEvenWhenTheFileAsks(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"version": "1.0",
                 "truncation": {"direction": "Right", "max_length": 2, "strategy": "LongestFirst", "stride": 0},
                 "padding": {"strategy": {"Fixed": 8}, "direction": "Right", "pad_to_multiple_of": null,
                             "pad_id": 3, "pad_type_id": 0, "pad_token": "[PAD]"},
                 "added_tokens": [{"id": 0, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                                   "normalized": false, "special": true}],
                 "normalizer": null,
                 "pre_tokenizer": {"type": "Whitespace"},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                   "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
                 "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"<s>": 0, "hello": 1, "world": 2, "[PAD]": 3, "[UNK]": 4},
                           "unk_token": "[UNK]"}}
                """);
        try (ChatTokenizer t = ChatTokenizer.load(tmp.resolve("tokenizer.json"))) {
            assertArrayEquals(new long[] {0, 1, 2, 1}, t.encode("<s>hello world hello").ids());
            assertEquals(5, t.vocabSize());
        }
        try (HuggingFaceTokenizer defaults = HuggingFaceTokenizer.newInstance(tmp)) {
            assertArrayEquals(new long[] {0, 0}, defaults.encode("<s>hello world hello").getIds(),
                    "DJL's defaults add a second BOS and keep the file's truncation to 2");
        }
    }

    private static String templatesDir() {
        try {
            return Path.of(ChatTokenizerTest.class.getResource("/templates/qwen3").toURI()).getParent().toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
