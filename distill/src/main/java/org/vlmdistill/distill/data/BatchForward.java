package org.vlmdistill.distill.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.model.PaddingMask;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.datasets.batch.Batch;

/**
 * One model's forward over its side of a step's batch, as the student (under autograd) and the online
 * teacher (without) both run it: ids and attention mask as int64 {@code [B, T]}, the batch's images
 * in the model's dtype, the decoder's last hidden states, and the rows the loss reads. A model is a
 * vision-language model or a text-only causal LM ({@link CausalLanguageModel}: no images).
 */
public final class BatchForward {
    private BatchForward() {
    }

    /**
     * The last hidden states at {@code flatIndex} (positions {@code b * T + i}), {@code [N, hidden]},
     * made in {@code manager}; recorded by autograd when a collector is open.
     */
    public static NDArray lastHiddenAt(Model model, Batch<PixelValues> batch, long[] flatIndex,
                                       NDManager manager) {
        ComputePolicy policy = model.policy();
        int b = batch.size();
        int t = batch.sequenceLength();
        NDArray ids = manager.create(toLong(batch.inputIds()), new Shape(b, t));
        // padding and image tokens are counted here, on the host, so the forward reads nothing back
        PaddingMask mask = PaddingMask.of(manager, batch.attentionMask(), b, t);
        NDArray embeddings = switch (model) {
            case VisionLanguageModel vlm -> {
                long imageTokens = count(batch.inputIds(), vlm.config().imageTokenId());
                NDArray pixels = StepBatch.pixels(batch, manager);
                if (pixels != null && policy.computeDType() != DType.F32) {
                    pixels = policy.ops().cast(pixels, policy.computeDType());
                }
                yield vlm.inputEmbeddings(ids, pixels, imageTokens);
            }
            case CausalLanguageModel lm -> lm.textDecoder().embedTokens(ids); // ModelSamples refuses image records
            default -> throw unsupported(model);
        };
        NDArray hidden = decoder(model).forwardPadded(embeddings, mask, null);
        long h = hidden.getShape().get(2);
        return hidden.reshape((long) b * t, h).get(new NDIndex("{}", manager.create(flatIndex)));
    }

    /** The model's text decoder (its lm_head included). */
    public static TextDecoder decoder(Model model) {
        return switch (model) {
            case VisionLanguageModel vlm -> vlm.textDecoder();
            case CausalLanguageModel lm -> lm.textDecoder();
            default -> throw unsupported(model);
        };
    }

    /** The model's activation checkpoints; empty for a text-only causal LM (it has none). */
    public static java.util.Optional<ActivationCheckpoints> activationCheckpoints(Model model) {
        return model instanceof VisionLanguageModel vlm ? java.util.Optional.of(vlm.activationCheckpoints())
                : java.util.Optional.empty();
    }

    /** The text decoder's {@code vocab_size}. */
    public static int vocabSize(Model model) {
        return switch (model) {
            case VisionLanguageModel vlm -> vlm.config().textConfig().vocabSize();
            case CausalLanguageModel lm -> lm.config().vocabSize();
            default -> throw unsupported(model);
        };
    }

    /** Whether distill can train (or read a teacher from) {@code model}: a vision-language model or a causal LM. */
    public static boolean trainable(Model model) {
        return model instanceof VisionLanguageModel || model instanceof CausalLanguageModel;
    }

    private static IllegalArgumentException unsupported(Model model) {
        return new IllegalArgumentException(model.source().describe() + " is a " + model.config().modelType()
                + " model; distill trains vision-language models and text-only causal LMs");
    }

    private static long count(int[] ids, int id) {
        long n = 0;
        for (int x : ids) {
            n += x == id ? 1 : 0;
        }
        return n;
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
