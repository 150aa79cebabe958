package org.vlmdistill.core.model;

import org.vlmdistill.core.config.ConfigException;
import org.vlmdistill.core.config.InternLM2Config;
import org.vlmdistill.core.config.InternVLChatConfig;
import org.vlmdistill.core.config.ModelConfig;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.config.VisionLanguageConfig;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A config's promises held against its checkpoint's safetensors headers (names and shapes, no data),
 * before any model is built from it:
 * <ul>
 *   <li>every layer the config promises has tensors: HF names a stack's layers
 *   {@code <prefix>layers.<i>.}, and a family builds layers {@code 0 .. num_hidden_layers - 1}, each
 *   taking its tensors by that name; a vision tower's prefix holds "vision"
 *   ({@code model.vision_model.encoder.layers.}, {@code vision_tower.vision_model.encoder.layers.}), a
 *   decoder's does not ({@code model.layers.}, {@code model.text_model.layers.});</li>
 *   <li>no single tensor the config implies (embeddings, an MLP or attention projection, a tower's
 *   position embedding) holds more values than all of that part's tensors together.</li>
 * </ul>
 * Both hold for any checkpoint a family loads; a file that fails them promises a model its weights
 * are not, and is refused naming config.json's field. Layers beyond the promise, single missing or
 * misshapen tensors, and a part with no tensors at all (a checkpoint of another model, whose model is
 * built of placeholder views, see WeightLoading) are left to {@link WeightLoading#finish()}, which lists
 * them all; {@link org.vlmdistill.core.config.ConfigBounds} keeps that build short.
 */
final class CheckpointFit {
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d{1,9})\\.");

    private CheckpointFit() {
    }

    /** One stack of layers: its name prefix up to {@code layers.} and the indices with tensors. */
    private record Stack(String prefix, Set<Integer> indices) {
    }

    /** @param source what errors name as the file: the config.json path */
    static void check(ModelConfig config, SafetensorsCheckpoint checkpoint, String source) {
        Map<String, Stack> stacks = new TreeMap<>();
        long textValues = 0;
        long visionValues = 0;
        for (TensorInfo t : checkpoint.tensors()) {
            if (isVision(t.name())) {
                visionValues = saturatingAdd(visionValues, t.numElements());
            } else {
                textValues = saturatingAdd(textValues, t.numElements());
            }
            Matcher m = LAYER.matcher(t.name());
            if (m.find()) {
                String prefix = t.name().substring(0, m.start(1));
                stacks.computeIfAbsent(prefix, p -> new Stack(p, new TreeSet<>()))
                        .indices().add(Integer.parseInt(m.group(1)));
            }
        }
        String file = checkpoint.indexFile()
                .or(() -> checkpoint.shards().stream().findFirst().map(f -> f.path()))
                .map(Object::toString).orElse(checkpoint.root().toString());
        Fit fit = new Fit(source, file, List.copyOf(stacks.values()));
        switch (config) {
            case TextConfig t -> fit.text("", t, textValues);
            case VisionConfig v -> fit.vision("", v, visionValues);
            case VisionLanguageConfig vl -> {
                // OpenGVLab's InternVL nests its decoder's config as llm_config
                boolean llm = vl instanceof InternVLChatConfig c && !c.hfLayout();
                fit.text(llm ? "llm_config." : "text_config.", vl.textConfig(), textValues);
                fit.vision("vision_config.", vl.visionConfig(), visionValues);
            }
        }
    }

    private static boolean isVision(String name) {
        return name.contains("vision");
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private record Fit(String source, String checkpoint, List<Stack> stacks) {

        void text(String at, TextConfig c, long values) {
            layers(at, c.numHiddenLayers(), false);
            long h = c.hiddenSize();
            // InternLM2 names its embedding tok_embeddings and packs q with k and v in wqkv
            boolean internLM2 = c instanceof InternLM2Config;
            tensor(at + "hidden_size", (internLM2 ? "tok_embeddings" : "embed_tokens") + " (vocab_size "
                    + c.vocabSize() + " x hidden_size " + h + ")", Math.multiplyExact(c.vocabSize(), h), values, "text");
            tensor(at + "intermediate_size", "an MLP projection (intermediate_size " + c.intermediateSize()
                    + " x hidden_size " + h + ")", Math.multiplyExact(c.intermediateSize(), h), values, "text");
            long q = Math.multiplyExact(c.numAttentionHeads(), (long) c.headDim());
            tensor(at + "num_attention_heads", (internLM2 ? "wqkv's query rows" : "q_proj") + " (num_attention_heads "
                    + c.numAttentionHeads() + " x head_dim " + c.headDim() + " x hidden_size " + h + ")",
                    Math.multiplyExact(q, h), values, "text");
        }

        void vision(String at, VisionConfig c, long values) {
            layers(at, c.numHiddenLayers(), true);
            long h = c.hiddenSize();
            tensor(at + "image_size", "the position_embedding (image_size " + c.imageSize() + " / patch_size "
                            + c.patchSize() + " = " + c.numPatches() + " patches x hidden_size " + h + ")",
                    Math.multiplyExact(c.numPatches(), h), values, "vision");
            long kernel = Math.multiplyExact(c.numChannels(), Math.multiplyExact((long) c.patchSize(), c.patchSize()));
            tensor(at + "patch_size", "the patch_embedding (hidden_size " + h + " x num_channels " + c.numChannels()
                    + " x patch_size^2 " + c.patchSize() + "^2)", Math.multiplyExact(kernel, h), values, "vision");
            tensor(at + "intermediate_size", "an MLP projection (intermediate_size " + c.intermediateSize()
                    + " x hidden_size " + h + ")", Math.multiplyExact(c.intermediateSize(), h), values, "vision");
        }

        /** A part with no tensors at all (a checkpoint of another model) is likewise left to the loader. */
        private void tensor(String field, String what, long implied, long values, String part) {
            if (values > 0 && implied > values) {
                throw new ConfigException(source, field, what + " would hold " + implied + " values, more than all "
                        + values + " values of the " + part + " tensors in " + checkpoint + " together");
            }
        }

        /**
         * The stack of this kind that holds the most of layers 0 .. n-1 must hold all of them. A checkpoint
         * with no stack of this kind at all is not this model's; the loader lists what it lacks.
         */
        private void layers(String at, int n, boolean vision) {
            Stack best = null;
            long bestHeld = -1;
            for (Stack s : stacks) {
                if (isVision(s.prefix()) == vision) {
                    long held = s.indices().stream().filter(i -> i < n).count();
                    if (held > bestHeld) {
                        best = s;
                        bestHeld = held;
                    }
                }
            }
            String field = at + "num_hidden_layers";
            if (best != null && bestHeld < n) {
                throw new ConfigException(source, field, n + " layers are promised, but " + checkpoint + " holds no tensor named "
                        + best.prefix() + "<i>.* for " + missing(best.indices(), n)
                        + " (a config is checked against its checkpoint before any model is built)");
            }
        }

        /** The absent indices below n as runs: "layer 1", "layers 2 to 999", "layers 1, 4 to 7". */
        private static String missing(Set<Integer> present, int n) {
            List<String> runs = new ArrayList<>();
            int count = 0;
            for (int i = 0; i < n && runs.size() < 5; i++) {
                if (!present.contains(i)) {
                    int j = i;
                    while (j + 1 < n && !present.contains(j + 1)) {
                        j++;
                    }
                    runs.add(i == j ? String.valueOf(i) : i + " to " + j);
                    count += j - i + 1;
                    i = j;
                }
            }
            String list = String.join(", ", runs);
            return (count == 1 ? "layer " : "layers ") + list + (runs.size() == 5 ? ", ..." : "");
        }
    }
}
