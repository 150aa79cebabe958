package org.vlmdistill.core.config;

import java.util.Objects;

/** Invariant checks for record constructors; the field is the HF key relative to the record. */
final class Require {
    private Require() {
    }

    static ConfigException invalid(String field, String problem) {
        return new ConfigException(null, field, problem);
    }

    static <T> T nonNull(String field, T value) {
        if (value == null) {
            throw invalid(field, "must not be null");
        }
        return value;
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw invalid(field, "must be positive, got " + value);
        }
    }

    static void nonNegative(String field, int value) {
        if (value < 0) {
            throw invalid(field, "must not be negative, got " + value);
        }
    }

    static void positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw invalid(field, "must be a positive finite number, got " + value);
        }
    }

    static void nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw invalid(field, "must be a non-negative finite number, got " + value);
        }
    }

    static void fraction(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw invalid(field, "must be in [0, 1], got " + value);
        }
    }

    static void nonBlank(String field, String value) {
        if (Objects.requireNonNull(value, field).isBlank()) {
            throw invalid(field, "must not be blank");
        }
    }

    /** Grouped-query attention repeats each KV head over {@code heads / kvHeads} query heads. */
    static void kvHeadsDivideHeads(int kvHeads, int heads) {
        positive("num_key_value_heads", kvHeads);
        if (heads % kvHeads != 0) {
            throw invalid("num_key_value_heads",
                    kvHeads + " does not divide num_attention_heads " + heads);
        }
    }
}
