package org.vlmdistill.vision;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.KvCache;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.tensor.DType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bar for whole VLMs, per family (Idefics3; LLaVA with CLIP + Llama; LLaVA with SigLIP +
 * Qwen2; InternVL with either InternViT): the KV cache equals a full forward, gradients reach every parameter the forward uses, AdamW
 * fits one batch, bf16 agrees with fp32. Fresh random weights and inputs each run; the seed is in every
 * message.
 */
class WholeModelPropertiesTest {
    private static final int IMAGE = 63;
    private static final String LLAMA = "{'model_type': 'llama', 'vocab_size': 64, 'hidden_size': 32,"
            + " 'intermediate_size': 64, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2}";
    private static final String QWEN2 = "{'model_type': 'qwen2', 'vocab_size': 64, 'hidden_size': 32,"
            + " 'intermediate_size': 64, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 1}";

    private static final String INTERN_VIT = "{'hidden_size': 32, 'intermediate_size': 64, 'num_hidden_layers': 2,"
            + " 'num_attention_heads': 4, 'image_size': 56, 'patch_size': 14, %s}";

    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);
    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    /** name, config, preprocessor config, the parameters the forward does not use (as in HF). */
    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("idefics3", "{'model_type': 'idefics3', 'scale_factor': 2, 'image_token_id': 63,"
                                + " 'text_config': " + LLAMA + ", 'vision_config': {" + Tiny.VISION.formatted(2) + "}}",
                        "{'do_image_splitting': true, 'size': {'longest_edge': 64}, 'max_image_size': {'longest_edge': 32}}",
                        (Predicate<String>) n -> false),
                // hidden_states[-2] of a 2-layer CLIP: the last layer and post_layernorm are not used
                Arguments.of("llava clip+llama", "{'model_type': 'llava', 'image_token_index': 63,"
                                + " 'vision_feature_layer': -2, 'text_config': " + LLAMA + ", 'vision_config': "
                                + Tiny.clipJson(2) + "}",
                        "{'size': {'shortest_edge': 32}, 'crop_size': 32}",
                        (Predicate<String>) n -> n.contains("encoder.layers.1.") || n.contains("post_layernorm")),
                // LLaVA-OneVision-like: SigLIP (its pooling head unused) + Qwen2, last layer, all tokens
                Arguments.of("llava siglip+qwen2", "{'model_type': 'llava', 'image_token_index': 63,"
                                + " 'vision_feature_layer': -1, 'vision_feature_select_strategy': 'full',"
                                + " 'text_config': " + QWEN2 + ", 'vision_config': " + Tiny.siglipJson(2) + "}",
                        "{'size': {'height': 32, 'width': 32}}",
                        (Predicate<String>) n -> n.contains(".head.") || n.contains("post_layernorm")),
                // InternVL in transformers' layout (its config holds the image token id; OpenGVLab's layout
                // takes it from tokenizer files, which an in-memory model has none of): InternViT-300M-style
                // tower (layer norms, qkv bias), 56-pixel tiles of 4 tokens, Qwen2
                Arguments.of("internvl qwen2", "{'model_type': 'internvl', 'image_token_id': 63,"
                                + " 'text_config': " + QWEN2 + ", 'vision_config': " + INTERN_VIT.formatted(
                                "'norm_type': 'layer_norm', 'attention_bias': true, 'use_qk_norm': false") + "}",
                        "{}", (Predicate<String>) n -> false),
                // InternViT-6B-style (RMS norms, q/k norm) with select_layer -2: the last layer is not used
                Arguments.of("internvl 6b-style tower, layer -2, llama", "{'model_type': 'internvl',"
                                + " 'image_token_id': 63, 'vision_feature_layer': -2, 'text_config': " + LLAMA
                                + ", 'vision_config': " + INTERN_VIT.formatted(
                                "'norm_type': 'rms_norm', 'attention_bias': false, 'use_qk_norm': true") + "}",
                        "{}", (Predicate<String>) n -> n.contains("encoder.layer.1.")));
    }

    private VisionLanguageModel model(String config, String pre, ComputePolicy policy) {
        return (VisionLanguageModel) Models.random(ModelDirectory.of(Tiny.json(config), Tiny.json(pre)), policy, seed);
    }

    /** One batch row: two text tokens, the image's tokens, then {@code after} text tokens. */
    private NDArray ids(int imageTokens, int after) {
        long[] ids = new long[2 + imageTokens + after];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i >= 2 && i < 2 + imageTokens ? IMAGE : random.nextInt(IMAGE);
        }
        return manager.create(ids).reshape(1, ids.length);
    }

    private record Batch(NDArray ids, NDArray pixels) {}

    private Batch batch(VisionLanguageModel m, int after) {
        int w = 20 + random.nextInt(50);
        int h = 20 + random.nextInt(50);
        NDArray px = m.imageProcessor().process(Tiny.image(random, w, h)).toArray(manager);
        return new Batch(ids(m.imageProcessor().layout().imageTokenCount(w, h), after), px);
    }

    /** Next-token cross entropy over every position. */
    private static NDArray loss(VisionLanguageModel m, Batch b) {
        long seq = b.ids().getShape().get(1);
        NDArray logits = m.forward(b.ids(), b.pixels(), null, null).logits().get(new NDIndex(":, :-1"));
        NDArray targets = b.ids().get(new NDIndex(":, 1:")).reshape(seq - 1);
        return m.policy().ops().crossEntropy(logits.reshape(seq - 1, -1), targets, -100);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void logitsWithTheKvCacheEqualAFullForward(String name, String config, String pre, Predicate<String> unused) {
        try (VisionLanguageModel m = model(config, pre, Tiny.fp32())) {
            Batch b = batch(m, 6);
            long seq = b.ids().getShape().get(1);
            float[] full = m.forward(b.ids(), b.pixels(), null, null).logits().toFloatArray();
            TextDecoder decoder = m.textDecoder();
            NDArray embeds = m.inputEmbeddings(b.ids(), b.pixels());
            long prefix = seq - 6 + random.nextInt(3); // the whole image and a little text, then token by token
            List<NDArray> parts = new ArrayList<>();
            try (KvCache cache = decoder.newCache()) {
                parts.add(decoder.lmHead(decoder.forward(embeds.get(new NDIndex(":, :{}, :", prefix)), null, cache)));
                for (long i = prefix; i < seq; i++) {
                    parts.add(decoder.lmHead(decoder.forward(embeds.get(new NDIndex(":, {}:{}, :", i, i + 1)), null,
                            cache)));
                }
                assertEquals(seq, cache.length());
            }
            float[] incremental = NDArrays.concat(new NDList(parts), 1).toFloatArray();
            double diff = Tiny.maxAbsDiff(full, incremental);
            double scale = 0;
            for (float f : full) {
                scale = Math.max(scale, Math.abs(f));
            }
            System.out.printf("%s: KV cache vs full forward, %d tokens, max |diff| %.2e of max |logit| %.2f%n", name,
                    seq, diff, scale);
            // fp32 rounding of differently shaped matmuls grows with the logits' scale (text-decoder's KvCacheTest)
            assertTrue(diff < 2e-5 * Math.max(1, scale), name + " (seed " + seed + "): max |diff| " + diff
                    + " of max |logit| " + scale);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void gradientsReachEveryParameterTheForwardUses(String name, String config, String pre, Predicate<String> unused) {
        try (VisionLanguageModel m = model(config, pre, Tiny.fp32())) {
            m.parameters().list().forEach(p -> p.array().setRequiresGradient(true));
            Batch b = batch(m, 5);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(loss(m, b));
            }
            List<String> wrong = new ArrayList<>();
            for (Parameter p : m.parameters().list()) {
                boolean reached = p.array().getGradient().abs().sum().getFloat() > 0;
                if (reached == unused.test(p.name())) {
                    wrong.add(p.name() + (reached ? " has a gradient but is unused" : " has no gradient"));
                }
            }
            assertTrue(wrong.isEmpty(), name + " (seed " + seed + "): " + wrong);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void adamwDrivesTheLossOfOneBatchDownByOverNinetyPercent(String name, String config, String pre,
                                                            Predicate<String> unused) {
        try (VisionLanguageModel m = model(config, pre, Tiny.fp32())) {
            TorchOps ops = m.policy().ops();
            List<Parameter> params = m.parameters().list();
            List<NDArray> expAvg = new ArrayList<>();
            List<NDArray> expAvgSq = new ArrayList<>();
            for (Parameter p : params) {
                p.array().setRequiresGradient(true);
                expAvg.add(manager.zeros(p.array().getShape()));
                expAvgSq.add(manager.zeros(p.array().getShape()));
            }
            Batch b = batch(m, 12);
            TorchOps.AdamW hyper = new TorchOps.AdamW(1e-2, 0.9, 0.999, 1e-8, 0.0);
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 1; step <= 100; step++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray loss = loss(m, b);
                        last = loss.getFloat();
                        first = step == 1 ? last : first;
                        if (last < 0.01 * first) {
                            // done: far past the 90% asked. Training on towards 0 at lr 1e-2 now and then
                            // ends in NaN once the loss is ~4e-4 (idefics3, some seeds): a saturated
                            // softmax, not this property
                            break;
                        }
                        gc.backward(loss);
                    }
                    for (int i = 0; i < params.size(); i++) {
                        NDArray p = params.get(i).array();
                        NDArray g = p.getGradient();
                        ops.adamwStep(p, g, expAvg.get(i), expAvgSq.get(i), step, hyper);
                        g.subi(g); // GradientCollector does not zero gradients
                    }
                }
            }
            System.out.printf("%s: AdamW on one batch (up to 100 steps, stopping at 1%% of the first loss), "
                    + "loss %.4f -> %.4f (%.1f%% down)%n", name, first,
                    last, 100 * (1 - last / first));
            assertTrue(last < 0.1 * first, name + " (seed " + seed + "): loss " + first + " -> " + last);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void bf16AgreesWithFp32WithinBf16Tolerance(String name, String config, String pre, Predicate<String> unused) {
        try (VisionLanguageModel f32 = model(config, pre, Tiny.fp32());
             VisionLanguageModel bf16 = model(config, pre, Tiny.bf16())) {
            Batch b = batch(f32, 6);
            float[] a = f32.forward(b.ids(), b.pixels(), null, null).logits().toFloatArray();
            TorchOps ops = bf16.policy().ops();
            NDArray logits = bf16.forward(b.ids(), ops.cast(b.pixels(), DType.BF16), null, null).logits();
            assertEquals(DType.BF16, ops.dtypeOf(logits));
            float[] c = ops.cast(logits, DType.F32).toFloatArray();
            double diff = Tiny.maxAbsDiff(a, c);
            double scale = Tiny.maxAbs(a);
            System.out.printf("%s: bf16 vs fp32 logits, max |diff| %.3f of max |logit| %.3f%n", name, diff, scale);
            // bf16 keeps 8 significant bits (relative step 2^-8); through a few layers a few steps add up
            assertTrue(diff <= 0.05 * scale, name + " (seed " + seed + "): max |diff| " + diff + " vs " + scale);
        }
    }
}
