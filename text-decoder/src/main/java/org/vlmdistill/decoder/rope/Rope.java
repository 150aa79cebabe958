package org.vlmdistill.decoder.rope;

import org.vlmdistill.core.config.InternLM2Config;
import org.vlmdistill.core.config.RopeScaling;
import org.vlmdistill.core.config.TextConfig;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RoPE's inverse frequencies and attention scaling, as transformers' {@code modeling_rope_utils}
 * computes them for {@code rope_type} default, linear, dynamic and llama3, and as InternLM2's remote
 * code does ({@link InternLM2DynamicNtk}). {@code dim} is {@code head_dim}; Llama, Qwen2 and InternLM2
 * rotate all of it ({@code partial_rotary_factor} 1).
 */
public sealed interface Rope {

    /** The rope types implemented here. */
    List<String> SUPPORTED = List.of("default", "linear", "dynamic", "llama3");

    /**
     * {@code inv_freq} [dim / 2] for a forward whose largest position is {@code seqLen - 1} (the key
     * length past + seq where {@link #takesKeyLength()}); only the dynamic ropes depend on it.
     */
    float[] invFreq(long seqLen);

    /**
     * Whether {@link #invFreq} takes the forward's key length, cached plus new tokens (InternLM2's
     * remote code: {@code kv_seq_len}, padding included), instead of its largest position plus one
     * (transformers). A key length is known on the host, so such a rope never needs a device read.
     */
    default boolean takesKeyLength() {
        return false;
    }

    /**
     * Whether {@link #invFreq} can differ between lengths up to {@code upperBound}: only then must a
     * forward learn its exact largest position (a read of the device when positions come from a mask).
     */
    default boolean dependsOnLength(long upperBound) {
        return false;
    }

    /** Multiplies cos and sin; 1 for every type here. */
    default double attentionScaling() {
        return 1.0;
    }

    /**
     * The rope of a text config, or an error naming rope_type and the supported ones. A fresh object
     * per call: {@link InternLM2DynamicNtk} holds state, which belongs to one model.
     */
    static Rope of(TextConfig config) {
        double theta = config.ropeTheta();
        int dim = config.headDim();
        Optional<RopeScaling> scaling = config.ropeScaling();
        if (scaling.isEmpty()) {
            return new Default(theta, dim);
        }
        RopeScaling s = scaling.get();
        if (config instanceof InternLM2Config) {
            // InternLM2Attention._init_rope: dynamic or linear (InternLM2Config checked the type)
            return switch (s.ropeType()) {
                case "dynamic" -> new InternLM2DynamicNtk(theta, dim, s.factor().orElseThrow(),
                        config.maxPositionEmbeddings());
                case "linear" -> new Linear(theta, dim, s.factor().orElseThrow());
                default -> throw new IllegalArgumentException("internlm2: rope_scaling.type \"" + s.ropeType()
                        + "\" is not supported; supported: " + String.join(", ", InternLM2Config.ROPE_TYPES));
            };
        }
        return switch (s.ropeType()) {
            case "default" -> new Default(theta, dim);
            case "linear" -> new Linear(theta, dim, s.factor().orElseThrow());
            case "dynamic" -> new Dynamic(theta, dim, s.factor().orElseThrow(), config.maxPositionEmbeddings());
            case "llama3" -> new Llama3(theta, dim, s.factor().orElseThrow(), s.lowFreqFactor().orElseThrow(),
                    s.highFreqFactor().orElseThrow(), s.originalMaxPositionEmbeddings().orElseThrow());
            default -> throw new IllegalArgumentException("rope_scaling.rope_type \"" + s.ropeType()
                    + "\" is not supported; supported: " + String.join(", ", SUPPORTED));
        };
    }

    /**
     * {@code 1 / base^(arange(0, dim, 2) / dim)} in fp32, as {@code _compute_default_rope_parameters}
     * (the exponent is computed in fp32 there too).
     */
    static float[] defaultInvFreq(double base, int dim) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dim;
            inv[i] = (float) (1.0 / Math.pow(base, exponent));
        }
        return inv;
    }

    /** Plain RoPE. */
    record Default(double theta, int dim) implements Rope {
        @Override
        public float[] invFreq(long seqLen) {
            return defaultInvFreq(theta, dim);
        }
    }

    /** Position interpolation: positions / factor, i.e. {@code inv_freq / factor}. */
    record Linear(double theta, int dim, double factor) implements Rope {
        @Override
        public float[] invFreq(long seqLen) {
            float[] inv = defaultInvFreq(theta, dim);
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) (inv[i] / factor);
            }
            return inv;
        }
    }

    /**
     * Dynamic NTK: past {@code max_position_embeddings}, {@code base = theta * ((factor * seq_len /
     * max_pos) - (factor - 1))^(dim / (dim - 2))}; below it, plain RoPE. transformers keeps the grown
     * frequencies in module state until a shorter input resets them; here each forward recomputes them
     * from its own largest position, which is what a fresh module would do. InternLM2's remote code
     * keeps state differently, see {@link InternLM2DynamicNtk}.
     */
    record Dynamic(double theta, int dim, double factor, int maxPositionEmbeddings) implements Rope {
        @Override
        public boolean dependsOnLength(long upperBound) {
            return upperBound > maxPositionEmbeddings;
        }

        @Override
        public float[] invFreq(long seqLen) {
            if (seqLen <= maxPositionEmbeddings) {
                return defaultInvFreq(theta, dim);
            }
            double base = theta * Math.pow(factor * seqLen / maxPositionEmbeddings - (factor - 1),
                    (double) dim / (dim - 2));
            return defaultInvFreq(base, dim);
        }
    }

    /**
     * InternLM2's {@code InternLM2DynamicNTKScalingRotaryEmbedding}, which is stateful: its cos/sin
     * cache starts at {@code max_position_embeddings} with plain frequencies; a forward whose key length
     * {@code L} (cached keys plus this call's tokens, padding included) exceeds the cached length
     * rebuilds it at {@code L} with {@code base = theta * ((factor * L / max_pos) - (factor - 1))^(dim /
     * (dim - 2))} ({@link Dynamic}'s formula), and later forwards, shorter ones included, use it until a
     * longer one comes. So the frequencies of a forward are those of the longest key length this model
     * has seen, {@code max(max_pos, L_1, ..., L_n)}: this object holds that one number, per model (each
     * model builds its own rope; the reference has one per layer, all fed the same lengths).
     *
     * <p>What that means: below {@code max_position_embeddings} it is plain RoPE. Generating past it
     * with a KV cache, each step that grows the length rebuilds the frequencies for the new token's q
     * and k while the cached keys keep the rotation they were made with (as the reference does; a full
     * forward of the same tokens rotates all of them with the final length's base). A training run
     * sees plain RoPE while every padded batch fits max_position_embeddings; after the first longer
     * batch, it and every later batch of that model use the base of the longest batch so far (as the
     * reference's training does: the module keeps its cache across steps). The reference's cache
     * holds cos/sin of {@code arange(L) * inv_freq} in fp32, indexed by position; computing
     * {@code position * inv_freq} directly gives the same fp32 products.
     */
    final class InternLM2DynamicNtk implements Rope {
        private final Dynamic formula;
        private final AtomicLong cachedLength; // max_seq_len_cached: max(max_pos, every key length seen)

        InternLM2DynamicNtk(double theta, int dim, double factor, int maxPositionEmbeddings) {
            formula = new Dynamic(theta, dim, factor, maxPositionEmbeddings);
            cachedLength = new AtomicLong(maxPositionEmbeddings);
        }

        @Override
        public boolean takesKeyLength() {
            return true;
        }

        /** Records a forward of key length {@code seqLen}; returns the frequencies it uses. */
        @Override
        public float[] invFreq(long seqLen) {
            return formula.invFreq(cachedLength.accumulateAndGet(seqLen, Math::max));
        }

        /** The length the frequencies are built for now: max_position_embeddings until a longer forward. */
        public long cachedLength() {
            return cachedLength.get();
        }

        @Override
        public String toString() {
            return "InternLM2DynamicNtk[" + formula + ", cachedLength=" + cachedLength() + "]";
        }
    }

    /**
     * Llama 3.1: wavelengths longer than {@code original / low_freq_factor} are divided by factor,
     * shorter than {@code original / high_freq_factor} kept, and those between interpolated with
     * {@code smooth = (original / wavelen - low) / (high - low)}.
     */
    record Llama3(double theta, int dim, double factor, double lowFreqFactor, double highFreqFactor,
                  int originalMaxPositionEmbeddings) implements Rope {
        @Override
        public float[] invFreq(long seqLen) {
            float[] inv = defaultInvFreq(theta, dim);
            double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
            double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
            for (int i = 0; i < inv.length; i++) {
                double f = inv[i];
                double wavelen = 2 * Math.PI / f;
                if (wavelen < highFreqWavelen) {
                    continue;
                }
                if (wavelen > lowFreqWavelen) {
                    inv[i] = (float) (f / factor);
                } else {
                    double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                            / (highFreqFactor - lowFreqFactor);
                    inv[i] = (float) ((1 - smooth) * f / factor + smooth * f);
                }
            }
            return inv;
        }
    }
}
