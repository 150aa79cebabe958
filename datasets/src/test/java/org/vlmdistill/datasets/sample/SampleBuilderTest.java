package org.vlmdistill.datasets.sample;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.multimodal.FixedImageTokens;
import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.record.ImageSource;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.datasets.record.Record;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.vision.idefics3.Idefics3ImageTokens;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Masks, image expansion and truncation on a ChatML renderer and a tokenizer with one token per
 * character plus special tokens, so every expected label can be read off the text.
 */
class SampleBuilderTest {

    /** ChatML as Qwen2's template renders it (string content). */
    static final ConversationRenderer CHATML = (messages, gen) -> {
        StringBuilder s = new StringBuilder();
        for (Map<String, Object> m : messages) {
            s.append("<|im_start|>").append(m.get("role")).append('\n').append(m.get("content")).append("<|im_end|>\n");
        }
        if (gen) {
            s.append("<|im_start|>assistant\n");
        }
        return s.toString();
    };

    static final class CharEncoder implements TextEncoder {
        private static final Pattern SPECIAL = Pattern.compile("<\\|im_start\\|>|<\\|im_end\\|>|<image>|<fake_token_around_image>|<global-img>|<row_\\d+_col_\\d+>");
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String> strings = new ArrayList<>();

        private int id(String token) {
            return ids.computeIfAbsent(token, t -> {
                strings.add(t);
                return strings.size() - 1;
            });
        }

        @Override
        public Encoded encode(String text) {
            List<int[]> out = new ArrayList<>();
            Matcher m = SPECIAL.matcher(text);
            int i = 0;
            while (i < text.length()) {
                if (m.find(i) && m.start() == i) {
                    out.add(new int[] {id(m.group()), i, m.end()});
                    i = m.end();
                } else {
                    out.add(new int[] {id(text.substring(i, i + 1)), i, i + 1});
                    i++;
                }
            }
            return new Encoded(out.stream().mapToInt(t -> t[0]).toArray(), out.stream().mapToInt(t -> t[1]).toArray(),
                    out.stream().mapToInt(t -> t[2]).toArray());
        }

        @Override
        public String tokenString(int id) {
            return strings.get(id);
        }
    }

    private static Record record(List<Turn> turns, int images) {
        List<ImageSource> srcs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            srcs.add(new ImageSource.Bytes("img" + i, new byte[0]));
        }
        return new Record("r1", turns, srcs, Map.of(), new Provenance(Path.of("data.jsonl"), "line 1"));
    }

    private static SampleBuilder builder(ImageTokenLayout layout, SampleOptions options) {
        return new SampleBuilder(CHATML, new CharEncoder(), layout, options, false, List.of("<|im_end|>"));
    }

    /** The labelled text, token strings joined, with '|' between labelled runs. */
    private static String labelledText(EncodedConversation e, TextEncoder enc) {
        StringBuilder s = new StringBuilder();
        boolean in = false;
        for (int i = 0; i < e.length(); i++) {
            boolean l = e.labels()[i] != EncodedConversation.IGNORE_INDEX;
            if (l) {
                s.append(enc.tokenString(e.inputIds()[i]));
            } else if (in) {
                s.append('|');
            }
            in = l;
        }
        return s.toString();
    }

    /**
     * Content parts keep the key order of the dicts a processor builds ({@code type} first), in every JVM:
     * a template printing a part sees {@code {'type': 'text', 'text': ...}} (Map.of's order is per JVM).
     */
    @Test
    void contentPartsKeepTheirKeyOrder() {
        SampleBuilder b = new SampleBuilder(CHATML, new CharEncoder(), new FixedImageTokens("<image>", 3),
                new SampleOptions(2048, SampleOptions.Truncation.SHORTEN_TEXT, SampleOptions.LabelScope.ASSISTANT,
                        SampleOptions.ContentStyle.PARTS), false, List.of("<|im_end|>"));
        List<Map<String, Object>> messages = b.messages(List.of(new Turn(Role.USER, "<image>\nWhat color?")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> parts = (List<Map<String, Object>>) messages.getFirst().get("content");
        assertEquals(2, parts.size());
        for (Map<String, Object> part : parts) {
            assertTrue(part instanceof java.util.SequencedMap, "an ordered map: " + part.getClass());
        }
        assertEquals(List.of("type"), List.copyOf(parts.get(0).keySet()));
        assertEquals(List.of("type", "text"), List.copyOf(parts.get(1).keySet()));
        assertEquals("\nWhat color?", parts.get(1).get("text"));
    }

    @Test
    void onlyAssistantTurnsCarryLabelsWithTheirEndOfTurnToken() throws Exception {
        CharEncoder enc = new CharEncoder();
        SampleBuilder b = new SampleBuilder(CHATML, enc, new FixedImageTokens("<image>", 3), SampleOptions.defaults(),
                false, List.of("<|im_end|>"));
        Record r = record(List.of(new Turn(Role.SYSTEM, "be brief"), new Turn(Role.USER, "<image>\nWhat color?"),
                new Turn(Role.ASSISTANT, "red"), new Turn(Role.USER, "And shape?"), new Turn(Role.ASSISTANT, "a circle")), 1);
        EncodedConversation e = b.build(Conversation.of(r), List.of(new int[] {64, 64}));
        assertEquals("red<|im_end|>|a circle<|im_end|>|", labelledText(e, enc));
        assertTrue(e.text().contains("<|im_start|>user\n<image><image><image>\nWhat color?"), e.text());
        EncodedConversation.ImageRun run = e.imageRuns().getFirst();
        assertEquals(3, run.length());
        for (int i = run.start(); i < run.start() + 3; i++) {
            assertEquals("<image>", enc.tokenString(e.inputIds()[i]));
        }
        for (int i = 0; i < e.length(); i++) {
            int l = e.labels()[i];
            assertTrue(l == EncodedConversation.IGNORE_INDEX || l == e.inputIds()[i], "a label is the token itself");
        }

        SampleBuilder last = new SampleBuilder(CHATML, enc, new FixedImageTokens("<image>", 3),
                SampleOptions.defaults().withLabels(SampleOptions.LabelScope.LAST_ASSISTANT), false, List.of("<|im_end|>"));
        assertEquals("a circle<|im_end|>|", labelledText(last.build(Conversation.of(r), List.of(new int[] {64, 64})), enc));
    }

    @Test
    void imageRunsCoverEachExpansionAndTeacherAndStudentMayDiffer() throws Exception {
        Record r = record(List.of(new Turn(Role.USER, "<image> vs <image>"), new Turn(Role.ASSISTANT, "same")), 2);
        List<int[]> sizes = List.of(new int[] {1000, 500}, new int[] {64, 64});
        CharEncoder enc = new CharEncoder();
        EncodedConversation student = new SampleBuilder(CHATML, enc, new FixedImageTokens("<image>", 4),
                SampleOptions.defaults(), false, List.of()).build(Conversation.of(r), sizes);
        EncodedConversation teacher = new SampleBuilder(CHATML, enc, new Idefics3ImageTokens(2, 1024, 512, true),
                SampleOptions.defaults(), false, List.of()).build(Conversation.of(r), sizes);
        assertEquals(List.of(4, 4), student.imageRuns().stream().map(EncodedConversation.ImageRun::length).toList());
        // teacher: image 0 is 1x2 tiles + global: 3 fake-token pairs... count its tokens from the layout
        Idefics3ImageTokens t = new Idefics3ImageTokens(2, 1024, 512, true);
        int expected0 = enc.encode(t.expand(1000, 500)).length();
        int expected1 = enc.encode(t.expand(64, 64)).length();
        assertEquals(List.of(expected0, expected1), teacher.imageRuns().stream().map(EncodedConversation.ImageRun::length).toList());
        for (EncodedConversation e : List.of(student, teacher)) {
            for (EncodedConversation.ImageRun run : e.imageRuns()) {
                for (int i = run.start(); i < run.start() + run.length(); i++) {
                    assertEquals(EncodedConversation.IGNORE_INDEX, e.labels()[i], "image tokens carry no label");
                }
            }
            // the text tokens outside images are identical in both streams: alignment by text index works
            assertEquals(textOnly(student, enc), textOnly(e, enc));
        }
    }

    private static List<String> textOnly(EncodedConversation e, TextEncoder enc) {
        List<String> out = new ArrayList<>();
        outer:
        for (int i = 0; i < e.length(); i++) {
            for (EncodedConversation.ImageRun r : e.imageRuns()) {
                if (i >= r.start() && i < r.start() + r.length()) {
                    continue outer;
                }
            }
            out.add(enc.tokenString(e.inputIds()[i]));
        }
        return out;
    }

    @Test
    void aGenerationPromptEndsWithTheAssistantHeaderAndExpandsImages() {
        CharEncoder enc = new CharEncoder();
        SampleBuilder b = new SampleBuilder(CHATML, enc, new FixedImageTokens("<image>", 3), SampleOptions.defaults(),
                false, List.of("<|im_end|>"));
        EncodedConversation p = b.prompt(conversation(new Turn(Role.USER, "<image>\nq?")), List.of(new int[] {8, 8}));
        int[] ids = p.inputIds();
        assertEquals(new EncodedConversation.ImageRun(0, 6, 3), p.imageRuns().getFirst());
        assertEquals(0, p.labelledTokens());
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(enc.tokenString(id));
        }
        assertEquals("<|im_start|>user\n<image><image><image>\nq?<|im_end|>\n<|im_start|>assistant\n", text.toString());
        SkipSampleException e = assertThrows(SkipSampleException.class,
                () -> b.prompt(conversation(new Turn(Role.USER, "<image> <image>")), List.of(new int[] {8, 8})));
        assertEquals(SkipReason.IMAGE_COUNT_MISMATCH, e.reason());
    }

    private static Conversation conversation(Turn... turns) {
        return new Conversation("p", List.of(turns), new Provenance(Path.of("t.jsonl"), "line 1"));
    }

    @Test
    void placeholderCountMustMatchTheImages() {
        Record r = record(List.of(new Turn(Role.USER, "<image> <image>"), new Turn(Role.ASSISTANT, "x")), 1);
        SkipSampleException e = assertThrows(SkipSampleException.class,
                () -> builder(new FixedImageTokens("<image>", 2), SampleOptions.defaults()).build(Conversation.of(r), List.of(new int[] {8, 8})));
        assertEquals(SkipReason.IMAGE_COUNT_MISMATCH, e.reason());
    }

    @Test
    void truncationNeverCutsInsideAnImage() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 200; trial++) {
            int before = random.nextInt(30);
            int imageTokens = 1 + random.nextInt(20);
            String answer = "a".repeat(1 + random.nextInt(30));
            Record r = record(List.of(new Turn(Role.USER, "x".repeat(before) + "<image>" + "y".repeat(random.nextInt(10))),
                    new Turn(Role.ASSISTANT, answer)), 1);
            int limit = 5 + random.nextInt(80);
            SampleBuilder shorten = builder(new FixedImageTokens("<image>", imageTokens), SampleOptions.defaults().withMaxTokens(limit));
            SampleBuilder drop = builder(new FixedImageTokens("<image>", imageTokens),
                    SampleOptions.defaults().withMaxTokens(limit).withTruncation(SampleOptions.Truncation.DROP));
            EncodedConversation full = builder(new FixedImageTokens("<image>", imageTokens), SampleOptions.defaults()).build(Conversation.of(r), List.of(new int[] {8, 8}));
            if (full.length() <= limit) {
                assertEquals(full.length(), shorten.build(Conversation.of(r), List.of(new int[] {8, 8})).length());
                continue;
            }
            SkipSampleException dropped = assertThrows(SkipSampleException.class, () -> drop.build(Conversation.of(r), List.of(new int[] {8, 8})));
            assertEquals(SkipReason.TOO_LONG, dropped.reason(), "seed " + seed);
            EncodedConversation.ImageRun run = full.imageRuns().getFirst();
            try {
                EncodedConversation s = shorten.build(Conversation.of(r), List.of(new int[] {8, 8}));
                assertTrue(s.shortened() && s.length() <= limit, "seed " + seed);
                if (s.imageRuns().isEmpty()) {
                    assertTrue(s.length() <= run.start(), "the image was dropped whole, seed " + seed);
                } else {
                    assertEquals(run, s.imageRuns().getFirst(), "the image kept whole, seed " + seed);
                }
                assertTrue(s.labelledTokens() > 0, "seed " + seed);
            } catch (SkipSampleException e) {
                assertEquals(SkipReason.TOO_LONG, e.reason());
                assertTrue(e.detail().contains("no labelled token"), "seed " + seed + ": " + e.detail());
            }
        }
    }

    @Test
    void contentPartsSplitTextAtImagePlaceholders() {
        SampleBuilder b = new SampleBuilder(CHATML, new CharEncoder(), new FixedImageTokens("<image>", 1),
                SampleOptions.defaults(), true, List.of());
        var msgs = b.messages(List.of(new Turn(Role.USER, "<image>\nWhat is <image> here?")));
        assertEquals(List.of(Map.of("type", "image"), Map.of("type", "text", "text", "\nWhat is "), Map.of("type", "image"),
                Map.of("type", "text", "text", " here?")), msgs.getFirst().get("content"));
        assertTrue(SampleBuilder.readsContentParts("{% for line in message['content'] %}{% if line['type'] == 'image' %}"));
        assertTrue(!SampleBuilder.readsContentParts("{{ message['content'] }}"));
    }
}
