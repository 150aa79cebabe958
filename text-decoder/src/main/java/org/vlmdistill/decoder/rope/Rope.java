package org.vlmdistill.decoder.rope;

import org.vlmdistill.core.config.RopeScaling;
import org.vlmdistill.core.config.TextConfig;

import java.util.List;
import java.util.Optional;

/**
 * RoPE's inverse frequencies and attention scaling, as transformers' {@code modeling_rope_utils}
 * computes them for {@code rope_type} default, linear, dynamic and llama3. {@code dim} is
 * {@code head_dim}; Llama and Qwen2 rotate all of it ({@code partial_rotary_factor} 1).
 */
public sealed interface Rope {

    /** The rope types implemented here. */
    List<String> SUPPORTED = List.of("default", "linear", "dynamic", "llama3");

    /**
     * {@code inv_freq} [dim / 2] for a forward whose largest position is {@code seqLen - 1}; only
     * {@code dynamic} depends on it.
     */
    float[] invFreq(long seqLen);

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

    /** The rope of a text config, or an error naming rope_type and the supported ones. */
    static Rope of(TextConfig config) {
        double theta = config.ropeTheta();
        int dim = config.headDim();
        Optional<RopeScaling> scaling = config.ropeScaling();
        if (scaling.isEmpty()) {
            return new Default(theta, dim);
        }
        RopeScaling s = scaling.get();
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
     * from its own largest position, which is what a fresh module would do.
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
