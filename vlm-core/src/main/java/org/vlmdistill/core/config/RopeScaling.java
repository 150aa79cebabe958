package org.vlmdistill.core.config;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code rope_scaling} (transformers 4) or {@code rope_parameters} (transformers 5) less
 * {@code rope_theta}, which {@link TextConfig#ropeTheta()} holds. Keys other than the ones modelled
 * here ({@code beta_fast}, {@code short_factor}, {@code mrope_section}, ...) stay in {@link #extra()}.
 *
 * @param ropeType {@code rope_type}, or the legacy spelling {@code type}
 */
public record RopeScaling(
        String ropeType,
        OptionalDouble factor,
        OptionalDouble lowFreqFactor,
        OptionalDouble highFreqFactor,
        OptionalInt originalMaxPositionEmbeddings,
        Extras extra) {

    /** The rope types whose init function reads {@code factor} (transformers modeling_rope_utils). */
    private static final Set<String> NEEDS_FACTOR = Set.of("linear", "dynamic", "yarn", "longrope", "llama3");

    public RopeScaling {
        Require.nonBlank("rope_type", ropeType);
        Objects.requireNonNull(factor, "factor");
        Objects.requireNonNull(lowFreqFactor, "lowFreqFactor");
        Objects.requireNonNull(highFreqFactor, "highFreqFactor");
        Objects.requireNonNull(originalMaxPositionEmbeddings, "originalMaxPositionEmbeddings");
        Require.nonNull("extra", extra);
        factor.ifPresent(f -> Require.positive("factor", f));
        lowFreqFactor.ifPresent(f -> Require.positive("low_freq_factor", f));
        highFreqFactor.ifPresent(f -> Require.positive("high_freq_factor", f));
        originalMaxPositionEmbeddings.ifPresent(n -> Require.positive("original_max_position_embeddings", n));
        if (NEEDS_FACTOR.contains(ropeType) && factor.isEmpty()) {
            throw Require.invalid("factor", "required for rope_type " + ropeType);
        }
        // _validate_llama3_parameters requires all four keys: _compute_llama3_parameters reads them.
        if (ropeType.equals("llama3")) {
            if (lowFreqFactor.isEmpty()) {
                throw Require.invalid("low_freq_factor", "required for rope_type llama3");
            }
            if (highFreqFactor.isEmpty()) {
                throw Require.invalid("high_freq_factor", "required for rope_type llama3");
            }
            if (originalMaxPositionEmbeddings.isEmpty()) {
                throw Require.invalid("original_max_position_embeddings", "required for rope_type llama3");
            }
        }
    }

    /** The RoPE settings of a text config: its base and its scaling, if any. */
    record Rope(double theta, Optional<RopeScaling> scaling) {
    }

    /**
     * Reads {@code rope_theta} and {@code rope_scaling}/{@code rope_parameters} as transformers 5's
     * {@code convert_rope_params_to_dict} merges them: {@code rope_scaling} wins over
     * {@code rope_parameters}, a {@code rope_theta} inside the dict wins over the top-level one, and
     * {@code rope_type} wins over {@code type} (transformers 4 let {@code type} win; the two only
     * disagree in hand-edited files).
     */
    static Rope read(ConfigNode c, double defaultTheta) {
        double theta = c.doubleOr("rope_theta", defaultTheta);
        ConfigNode thetaFrom = c;
        Optional<ConfigNode> scaling = c.child("rope_scaling");
        Optional<ConfigNode> parameters = c.child("rope_parameters");
        Optional<ConfigNode> dict = scaling.or(() -> parameters);
        Optional<RopeScaling> result = Optional.empty();
        if (dict.isPresent()) {
            ConfigNode d = dict.get();
            if (d.has("rope_theta")) {
                theta = d.doubleOr("rope_theta", theta);
                thetaFrom = d;
            }
            Optional<String> ropeType = d.optionalString("rope_type");
            Optional<String> legacyType = d.optionalString("type");
            String type = ropeType.or(() -> legacyType).orElse("default");
            OptionalDouble factor = d.optionalDouble("factor");
            OptionalDouble low = d.optionalDouble("low_freq_factor");
            OptionalDouble high = d.optionalDouble("high_freq_factor");
            OptionalInt original = d.optionalInt("original_max_position_embeddings", OptionalInt.empty());
            Extras extra = d.extras();
            boolean plain = type.equals("default") && factor.isEmpty() && low.isEmpty() && high.isEmpty()
                    && original.isEmpty() && extra.isEmpty();
            if (!plain) {
                result = Optional.of(d.build(() -> new RopeScaling(type, factor, low, high, original, extra)));
            }
        }
        if (!(theta > 0)) {
            throw thetaFrom.error("rope_theta", "must be positive, got " + theta);
        }
        return new Rope(theta, result);
    }
}
