package org.vlmdistill.datasets.sample;

import org.vlmdistill.core.multimodal.ImageTokenLayout;
import org.vlmdistill.datasets.read.SkipReason;
import org.vlmdistill.datasets.batch.SkipSampleException;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A record to one model's tokens: render the conversation with the model's chat template, expand
 * each image placeholder into that model's image tokens, tokenize, and label the assistant turns.
 *
 * <p>Assistant spans are found the way the template itself draws them: the text of turn k runs
 * from the end of {@code render(messages[:k], add_generation_prompt=True)} to the end of
 * {@code render(messages[:k+1])}, so the label covers the answer and the template's own
 * end-of-turn text (e.g. {@code <|im_end|>}), not the role header. Templates whose renders are
 * not prefixes of each other (Qwen3 rewrites earlier turns) fall back to finding the turn's text in
 * order and labelling it plus an end-of-turn marker that directly follows.
 */
public final class SampleBuilder {
    private final ConversationRenderer renderer;
    private final TextEncoder encoder;
    private final ImageTokenLayout layout;
    private final SampleOptions options;
    private final boolean parts;
    private final List<String> endOfTurnMarkers;

    /**
     * @param templateReadsParts whether the template reads content parts (see {@link SampleOptions.ContentStyle#AUTO})
     * @param endOfTurnMarkers   strings that end a turn in this model's template ({@code eos_token}, ...), for the fallback
     */
    public SampleBuilder(ConversationRenderer renderer, TextEncoder encoder, ImageTokenLayout layout,
                         SampleOptions options, boolean templateReadsParts, List<String> endOfTurnMarkers) {
        this.renderer = renderer;
        this.encoder = encoder;
        this.layout = layout;
        this.options = options;
        this.parts = switch (options.content()) {
            case PARTS -> true;
            case STRING -> false;
            case AUTO -> templateReadsParts;
        };
        this.endOfTurnMarkers = List.copyOf(endOfTurnMarkers);
    }

    /** Whether a template's source reads the {@code type} of content items, i.e. expects parts. */
    public static boolean readsContentParts(String templateSource) {
        return templateSource.contains("['type']") || templateSource.contains("[\"type\"]")
                || templateSource.contains(".type ") || templateSource.contains(".type=") || templateSource.contains(".type==");
    }

    /** HF-style messages for the template: roles by their template names, content as parts or one string. */
    public List<Map<String, Object>> messages(List<Turn> turns) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Turn t : turns) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", t.role().templateName());
            m.put("content", parts ? contentParts(t.text()) : t.text());
            out.add(m);
        }
        return out;
    }

    private List<Map<String, Object>> contentParts(String text) {
        List<Map<String, Object>> parts = new ArrayList<>();
        int from = 0;
        for (int i = text.indexOf(Turn.IMAGE_PLACEHOLDER); i >= 0; i = text.indexOf(Turn.IMAGE_PLACEHOLDER, from)) {
            addText(parts, text.substring(from, i));
            parts.add(part("type", "image"));
            from = i + Turn.IMAGE_PLACEHOLDER.length();
        }
        addText(parts, text.substring(from));
        return parts;
    }

    private static void addText(List<Map<String, Object>> parts, String s) {
        if (!s.isEmpty()) {
            parts.add(part("type", "text", "text", s));
        }
    }

    /**
     * A content part with its keys in the order given, as the Python dict a processor builds: a template
     * that prints or iterates a part ({@code tojson}, {@code items()}, a list printed whole) sees that
     * order. Not {@code Map.of}, whose order changes from one JVM to the next, so the same record would
     * render, tokenize and train differently in a resumed process.
     */
    private static Map<String, Object> part(String... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /**
     * @param imageSizes {width, height} of each of the record's images, in order
     * @throws SkipSampleException when images and placeholders differ in number, or the record is too long
     */
    public EncodedConversation build(Conversation conversation, List<int[]> imageSizes) {
        List<Turn> turns = conversation.turns();
        List<Map<String, Object>> messages = messages(turns);
        String full = renderer.render(messages, false);
        List<int[]> labelled = labelledSpans(turns, messages, full);

        Expanded x = expand(full, imageSizes, conversation.id());
        List<Integer> at = x.at();
        int[] shiftAfter = x.shiftAfter();
        List<int[]> imageChars = x.imageChars();
        String text = x.text();
        List<int[]> spans = labelled.stream().map(s -> new int[] {shifted(s[0], at, shiftAfter), shifted(s[1], at, shiftAfter)}).toList();

        TextEncoder.Encoded enc = encoder.encode(text);
        int n = enc.length();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = inside(enc.charStart()[i], spans) ? enc.ids()[i] : EncodedConversation.IGNORE_INDEX;
        }
        List<EncodedConversation.ImageRun> runs = runs(enc, imageChars);
        if (n <= options.maxTokens()) {
            return new EncodedConversation(conversation.id(), text, enc.ids(), labels, runs, false);
        }
        if (options.truncation() == SampleOptions.Truncation.DROP) {
            throw new SkipSampleException(SkipReason.TOO_LONG, n + " tokens, limit " + options.maxTokens());
        }
        int cut = options.maxTokens();
        for (EncodedConversation.ImageRun r : runs) {
            if (r.start() < cut && cut < r.start() + r.length()) {
                cut = r.start(); // never inside an image: the image goes whole
            }
        }
        final int keep = cut;
        int[] ids = Arrays.copyOf(enc.ids(), keep);
        int[] kept = Arrays.copyOf(labels, keep);
        if (Arrays.stream(kept).allMatch(l -> l == EncodedConversation.IGNORE_INDEX)) {
            throw new SkipSampleException(SkipReason.TOO_LONG, n + " tokens, limit " + options.maxTokens()
                    + ", and no labelled token is left before the limit");
        }
        return new EncodedConversation(conversation.id(), text, ids, kept,
                runs.stream().filter(r -> r.start() + r.length() <= keep).toList(), true);
    }

    /**
     * A prompt for generation: the conversation rendered with the template's generation prompt (the
     * assistant header) and each image placeholder expanded into this model's image tokens; no token is
     * labelled, and the token limit does not apply (generation checks the context length itself).
     *
     * @param imageSizes {width, height} of each image, in order of appearance
     * @throws SkipSampleException when the images and the placeholders differ in number
     */
    public EncodedConversation prompt(Conversation conversation, List<int[]> imageSizes) {
        String rendered = renderer.render(messages(conversation.turns()), true);
        Expanded x = expand(rendered, imageSizes, conversation.id());
        TextEncoder.Encoded enc = encoder.encode(x.text());
        int[] labels = new int[enc.length()];
        Arrays.fill(labels, EncodedConversation.IGNORE_INDEX);
        return new EncodedConversation(conversation.id(), x.text(), enc.ids(), labels, runs(enc, x.imageChars()), false);
    }

    /** Image k's tokens: those whose characters lie inside its expansion's characters {@code imageChars[k]}. */
    private static List<EncodedConversation.ImageRun> runs(TextEncoder.Encoded enc, List<int[]> imageChars) {
        List<EncodedConversation.ImageRun> runs = new ArrayList<>();
        for (int k = 0; k < imageChars.size(); k++) {
            int[] c = imageChars.get(k);
            int start = -1;
            int end = -1;
            for (int i = 0; i < enc.length(); i++) {
                if (enc.charStart()[i] >= c[0] && enc.charEnd()[i] <= c[1] && enc.charEnd()[i] > enc.charStart()[i]) {
                    start = start < 0 ? i : start;
                    end = i + 1;
                }
            }
            runs.add(new EncodedConversation.ImageRun(k, start, end - start));
        }
        return runs;
    }

    /** A rendered text with each placeholder replaced by its image's expansion. */
    private record Expanded(String text, List<Integer> at, int[] shiftAfter, List<int[]> imageChars) {}

    // positions after each placeholder shift by the expansion's extra length
    private Expanded expand(String full, List<int[]> imageSizes, String recordId) {
        List<Integer> at = new ArrayList<>();
        String placeholder = layout.placeholder();
        for (int i = full.indexOf(placeholder); i >= 0; i = full.indexOf(placeholder, i + placeholder.length())) {
            at.add(i);
        }
        if (at.size() != imageSizes.size()) {
            throw new SkipSampleException(SkipReason.IMAGE_COUNT_MISMATCH, imageSizes.size() + " image(s), "
                    + at.size() + " '" + placeholder + "' in the rendered text of record " + recordId);
        }
        StringBuilder text = new StringBuilder();
        int[] shiftAfter = new int[at.size()];
        List<int[]> imageChars = new ArrayList<>();
        int from = 0;
        int shift = 0;
        for (int k = 0; k < at.size(); k++) {
            text.append(full, from, at.get(k));
            String expansion = layout.expand(imageSizes.get(k)[0], imageSizes.get(k)[1]);
            imageChars.add(new int[] {text.length(), text.length() + expansion.length()});
            text.append(expansion);
            from = at.get(k) + placeholder.length();
            shift += expansion.length() - placeholder.length();
            shiftAfter[k] = shift;
        }
        text.append(full, from, full.length());
        return new Expanded(text.toString(), at, shiftAfter, imageChars);
    }

    private static int shifted(int pos, List<Integer> at, int[] shiftAfter) {
        int s = 0;
        for (int k = 0; k < at.size() && at.get(k) < pos; k++) {
            s = shiftAfter[k];
        }
        return pos + s;
    }

    private static boolean inside(int pos, List<int[]> spans) {
        for (int[] s : spans) {
            if (pos >= s[0] && pos < s[1]) {
                return true;
            }
        }
        return false;
    }

    /** [start, end) character spans of the rendered text that carry the loss. */
    private List<int[]> labelledSpans(List<Turn> turns, List<Map<String, Object>> messages, String full) {
        if (options.labels() == SampleOptions.LabelScope.ALL) {
            return List.of(new int[] {0, full.length()});
        }
        List<int[]> spans = new ArrayList<>();
        int cursor = 0;
        for (int k = 0; k < turns.size(); k++) {
            if (turns.get(k).role() != Role.ASSISTANT) {
                continue;
            }
            String prefix = renderer.render(messages.subList(0, k), true);
            String through = renderer.render(messages.subList(0, k + 1), false);
            int[] span;
            if (full.startsWith(prefix) && full.startsWith(through) && through.length() >= prefix.length()
                    && prefix.length() >= cursor) {
                span = new int[] {prefix.length(), through.length()};
            } else {
                span = findInOrder(turns.get(k).text(), full, cursor);
            }
            // the newline a template puts after its end-of-turn token starts the next turn
            while (span[1] > span[0] && Character.isWhitespace(full.charAt(span[1] - 1))) {
                span[1]--;
            }
            spans.add(span);
            cursor = span[1];
        }
        if (options.labels() == SampleOptions.LabelScope.LAST_ASSISTANT && !spans.isEmpty()) {
            return List.of(spans.getLast());
        }
        return spans;
    }

    private int[] findInOrder(String content, String full, int cursor) {
        String c = content.strip();
        int start = full.indexOf(c, cursor);
        if (start < 0) {
            throw new IllegalStateException("the chat template does not render an assistant turn's text verbatim: "
                    + (c.length() > 40 ? c.substring(0, 40) + "..." : c));
        }
        int end = start + c.length();
        for (String marker : endOfTurnMarkers) {
            if (!marker.isEmpty() && full.startsWith(marker, end)) {
                end += marker.length();
                break;
            }
        }
        return new int[] {start, end};
    }
}
