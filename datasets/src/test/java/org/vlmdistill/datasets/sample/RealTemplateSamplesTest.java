package org.vlmdistill.datasets.sample;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.template.ChatTemplates;
import org.vlmdistill.datasets.template.ModelChatTemplate;
import org.vlmdistill.datasets.tokenizer.ChatTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Labels and image expansion with real templates (Qwen2-VL, Qwen3) and the real Qwen3 tokenizer. */
class RealTemplateSamplesTest {
    @TempDir
    static Path model;

    @BeforeAll
    static void qwenModelDir() throws IOException {
        Path fixtures = Path.of("src/test/resources/templates");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(fixtures.resolve("qwen3/tokenizer.json.gz")))) {
            Files.copy(in, model.resolve("tokenizer.json"));
        }
        Files.copy(fixtures.resolve("qwen3/tokenizer_config.json"), model.resolve("tokenizer_config.json"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"qwen2\"}");
    }

    private static Record record(List<Turn> turns, int images) {
        List<ImageSource> srcs = java.util.stream.IntStream.range(0, images)
                .<ImageSource>mapToObj(i -> new ImageSource.Bytes("img" + i, new byte[0])).toList();
        return new Record("r", turns, srcs, Map.of(), new Provenance(Path.of("t.jsonl"), "line 1"));
    }

    /** The labelled tokens decoded, runs separated by '|'. */
    private static String labelled(EncodedConversation e, ChatTokenizer tok) {
        return labelled(e.inputIds(), e.labels(), tok);
    }

    private static String labelled(ModelInput e, ChatTokenizer tok) {
        return labelled(e.inputIds(), e.labels(), tok);
    }

    private static String labelled(int[] ids, int[] labels, ChatTokenizer tok) {
        StringBuilder s = new StringBuilder();
        int i = 0;
        while (i < ids.length) {
            if (labels[i] == EncodedConversation.IGNORE_INDEX) {
                i++;
                continue;
            }
            int j = i;
            while (j < ids.length && labels[j] != EncodedConversation.IGNORE_INDEX) {
                j++;
            }
            long[] run = new long[j - i];
            for (int k = i; k < j; k++) {
                run[k - i] = ids[k];
            }
            s.append(s.isEmpty() ? "" : "|").append(tok.decode(run, false));
            i = j;
        }
        return s.toString();
    }

    @Test
    void qwen2VlTemplateWithImagesLabelsTheAnswersAndTheirEndOfTurn() throws IOException {
        Path dir = Files.createDirectories(model.resolve("qwen2vl"));
        Files.copy(model.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(Path.of("src/test/resources/templates/qwen2_vl/chat_template.json"), dir.resolve("chat_template.json"));
        ModelChatTemplate template = ChatTemplates.load(dir);
        try (ChatTokenizer tok = ChatTokenizer.load(dir)) {
            assertTrue(SampleBuilder.readsContentParts(template.template().source()));
            SampleBuilder b = new SampleBuilder((m, g) -> template.render(m, g, Map.of()), ModelSamples.textEncoder(tok),
                    new FixedImageTokens("<|image_pad|>", 4), SampleOptions.defaults(), true, List.of("<|im_end|>"));
            Record r = record(List.of(new Turn(Role.USER, "<image>\nWhat color is the circle?"),
                    new Turn(Role.ASSISTANT, "red"), new Turn(Role.USER, "How many squares?"), new Turn(Role.ASSISTANT, "2")), 1);
            EncodedConversation e = b.build(Conversation.of(r), List.of(new int[] {64, 64}));
            assertEquals("red<|im_end|>|2<|im_end|>", labelled(e, tok));
            EncodedConversation.ImageRun run = e.imageRuns().getFirst();
            assertEquals(4, run.length());
            long pad = tok.tokenId("<|image_pad|>").orElseThrow();
            for (int i = run.start(); i < run.start() + 4; i++) {
                assertEquals(pad, e.inputIds()[i]);
            }
            assertEquals(tok.tokenId("<|vision_start|>").orElseThrow(), e.inputIds()[run.start() - 1]);
            assertEquals(tok.tokenId("<|vision_end|>").orElseThrow(), e.inputIds()[run.start() + 4]);
        }
    }

    @Test
    void qwen3ModelDirectoryEndToEnd() throws IOException {
        try (ModelSamples samples = ModelSamples.open(model, SampleOptions.defaults());
             ChatTokenizer tok = ChatTokenizer.load(model)) {
            Record r = record(List.of(new Turn(Role.SYSTEM, "Be brief."), new Turn(Role.USER, "Hi"),
                    new Turn(Role.ASSISTANT, "Hello there."), new Turn(Role.USER, "Bye?"), new Turn(Role.ASSISTANT, "Bye.")), 0);
            ModelInput e = samples.input(Conversation.of(r), ConversationImages.NONE);
            String labels = labelled(e, tok);
            assertTrue(labels.startsWith("Hello there.<|im_end|>|"), labels);
            assertTrue(labels.endsWith("Bye.<|im_end|>"), labels);
            assertTrue(e.text().startsWith("<|im_start|>system\nBe brief.<|im_end|>"), e.text());
            SkipSampleException refused = assertThrows(SkipSampleException.class,
                    () -> samples.input(Conversation.of(record(List.of(new Turn(Role.USER, "<image>"), new Turn(Role.ASSISTANT, "x")), 1)),
                            new ConversationImages(List.of(new RgbImage(8, 8, new byte[8 * 8 * 3])))));
            assertEquals(SkipReason.IMAGE_COUNT_MISMATCH, refused.reason());
            assertTrue(refused.detail().contains("text-only"), refused.detail());
        }
    }
}
