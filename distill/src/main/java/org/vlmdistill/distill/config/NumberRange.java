package org.vlmdistill.distill.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/**
 * The range a run-config number must lie in, and the one check of a JSON value against it: every
 * number of a run config ({@code RunConfig}, its schedules, its loss) is read through here, so a
 * value out of range, non-finite ({@code 1e999} reads as Infinity) or of the wrong type is reported
 * the same way, with its JSON path: {@code optimizer.lr: must be finite and > 0, got Infinity}.
 *
 * @param min     the lower bound
 * @param max     the upper bound; {@code +Infinity} for none (the value must still be finite)
 * @param minOpen whether {@code min} itself is excluded
 * @param maxOpen whether {@code max} itself is excluded
 */
public record NumberRange(double min, double max, boolean minOpen, boolean maxOpen) {

    /** {@code [min, max]}. */
    public static NumberRange closed(double min, double max) {
        return new NumberRange(min, max, false, false);
    }

    /** {@code [min, max)}. */
    public static NumberRange upTo(double min, double max) {
        return new NumberRange(min, max, false, true);
    }

    /** {@code (min, max]}. */
    public static NumberRange above(double min, double max) {
        return new NumberRange(min, max, true, false);
    }

    /** {@code [min, inf)}, finite. */
    public static NumberRange atLeast(double min) {
        return new NumberRange(min, Double.POSITIVE_INFINITY, false, true);
    }

    /** {@code (min, inf)}, finite. */
    public static NumberRange positive() {
        return new NumberRange(0, Double.POSITIVE_INFINITY, true, true);
    }

    public boolean contains(double x) {
        return Double.isFinite(x) && (minOpen ? x > min : x >= min) && (maxOpen ? x < max : x <= max);
    }

    /** {@code > 0}, {@code >= 1}, {@code in [0, 1)}. */
    public String describe() {
        if (max == Double.POSITIVE_INFINITY) {
            return (minOpen ? "> " : ">= ") + fmt(min);
        }
        return "in " + (minOpen ? "(" : "[") + fmt(min) + ", " + fmt(max) + (maxOpen ? ")" : "]");
    }

    /** What a value out of this range is told: an open-ended range also says the value must be finite. */
    private String requirement() {
        return (max == Double.POSITIVE_INFINITY ? "must be finite and " : "must be ") + describe();
    }

    /**
     * What is wrong with the whole number {@code x} given as {@code name} (a command-line option, e.g.
     * {@code --batch-size: must be in [1, 65536], got 0}), or empty when it lies in this range.
     */
    public Optional<String> problemWith(String name, long x) {
        return contains(x) ? Optional.empty() : Optional.of(name + ": must be " + describe() + ", got " + x);
    }

    /**
     * The number {@code v} holds, or null after adding to {@code problems} what is wrong with it;
     * {@code v} is present (callers handle a missing field with its default).
     */
    public Double read(JsonNode v, String path, List<String> problems) {
        if (!v.isNumber()) {
            problems.add(path + ": expected a number " + describe() + ", got " + v);
            return null;
        }
        double x = v.asDouble();
        if (!contains(x)) {
            problems.add(path + ": " + requirement() + ", got " + x);
            return null;
        }
        return x;
    }

    /**
     * The whole number {@code v} holds, or null after adding to {@code problems} what is wrong with it;
     * the range's bounds must be whole numbers a long holds.
     */
    public Long readWhole(JsonNode v, String path, List<String> problems) {
        if (!v.isIntegralNumber()) {
            problems.add(path + ": expected a whole number " + describe() + ", got " + v);
            return null;
        }
        if (!v.canConvertToLong() || !contains(v.asLong())) {
            problems.add(path + ": must be " + describe() + ", got " + v.asText());
            return null;
        }
        return v.asLong();
    }

    private static String fmt(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e18 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
