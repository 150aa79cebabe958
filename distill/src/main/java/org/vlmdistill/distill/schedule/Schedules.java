package org.vlmdistill.distill.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.distill.config.NumberRange;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Schedules from a run config. A bare number is a constant; an object names its {@code type} and
 * fields:
 * <pre>
 * 1e-4
 * {"type": "constant", "value": 1e-4, "warmup_steps": 0}
 * {"type": "linear", "from": 1e-4, "to": 0, "warmup_steps": 0}
 * {"type": "cosine", "peak": 1e-4, "warmup_steps": 0, "min_ratio": 0}
 * {"type": "wsd", "peak": 1e-4, "warmup_steps": 0, "decay_fraction": 0.1, "min_ratio": 0}
 * </pre>
 * Problems are added to a list with their JSON path, so a config with several is reported at once.
 * Every number is checked against its {@link NumberRange}: the schedule's {@link Bounds}, and
 * {@code [0, 1]} for {@code min_ratio} and {@code decay_fraction}.
 */
public final class Schedules {
    private Schedules() {
    }

    /**
     * The values a schedule may take: {@code peak} for the value it rises to (a constant's
     * {@code value}, linear's {@code from}, cosine's and wsd's {@code peak}), {@code end} for linear's
     * {@code to}.
     */
    public record Bounds(NumberRange peak, NumberRange end) {
    }

    /** A learning rate: a finite peak above 0 (Infinity turns every weight into NaN), ending at or above 0. */
    public static final Bounds LEARNING_RATE = new Bounds(NumberRange.positive(), NumberRange.atLeast(0));

    /** A ratio such as the distillation ratio: every value in [0, 1]. */
    public static final Bounds RATIO = new Bounds(NumberRange.closed(0, 1), NumberRange.closed(0, 1));

    private static final NumberRange FRACTION = NumberRange.closed(0, 1);
    // (step + 1) / (warmup_steps + 1) must not overflow; a run takes at most 2^31 - 1 steps
    private static final NumberRange STEPS = NumberRange.closed(0, Integer.MAX_VALUE);

    /** The schedule at {@code path} within {@code bounds}, or null after adding what is wrong to {@code problems}. */
    public static Schedule parse(JsonNode node, String path, Bounds bounds, List<String> problems) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            problems.add(path + ": a schedule is required (a number or {\"type\": ...})");
            return null;
        }
        if (node.isNumber()) {
            Double value = bounds.peak().read(node, path, problems);
            return value == null ? null : new Schedule.Constant(value);
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a number or an object with \"type\", got " + node.getNodeType());
            return null;
        }
        String type = node.path("type").asText("");
        List<String> local = new ArrayList<>();
        Schedule s = switch (type) {
            case "constant" -> {
                known(node, path, Set.of("type", "value", "warmup_steps"), local);
                yield build(() -> new Schedule.Constant(number(node, path, "value", null, bounds.peak(), local),
                        steps(node, path, local)), path, local);
            }
            case "linear" -> {
                known(node, path, Set.of("type", "from", "to", "warmup_steps"), local);
                yield build(() -> new Schedule.Linear(number(node, path, "from", null, bounds.peak(), local),
                        number(node, path, "to", 0.0, bounds.end(), local), steps(node, path, local)), path, local);
            }
            case "cosine" -> {
                known(node, path, Set.of("type", "peak", "warmup_steps", "min_ratio"), local);
                yield build(() -> new Schedule.Cosine(number(node, path, "peak", null, bounds.peak(), local),
                        steps(node, path, local), number(node, path, "min_ratio", 0.0, FRACTION, local)), path, local);
            }
            case "wsd" -> {
                known(node, path, Set.of("type", "peak", "warmup_steps", "decay_fraction", "min_ratio"), local);
                yield build(() -> new Schedule.Wsd(number(node, path, "peak", null, bounds.peak(), local),
                        steps(node, path, local), number(node, path, "decay_fraction", 0.1, FRACTION, local),
                        number(node, path, "min_ratio", 0.0, FRACTION, local)), path, local);
            }
            default -> {
                local.add(path + ".type: expected constant, linear, cosine or wsd, got "
                        + (node.has("type") ? "\"" + type + "\"" : "nothing"));
                yield null;
            }
        };
        problems.addAll(local);
        return local.isEmpty() ? s : null;
    }

    /** A schedule as {@link #parse} reads it back. */
    public static ObjectNode toJson(Schedule s) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", s.type());
        switch (s) {
            case Schedule.Constant c -> o.put("value", c.value()).put("warmup_steps", c.warmupSteps());
            case Schedule.Linear l -> o.put("from", l.from()).put("to", l.to()).put("warmup_steps", l.warmupSteps());
            case Schedule.Cosine c -> o.put("peak", c.peak()).put("warmup_steps", c.warmupSteps())
                    .put("min_ratio", c.minRatio());
            case Schedule.Wsd w -> o.put("peak", w.peak()).put("warmup_steps", w.warmupSteps())
                    .put("decay_fraction", w.decayFraction()).put("min_ratio", w.minRatio());
        }
        return o;
    }

    private interface Maker {
        Schedule make();
    }

    private static Schedule build(Maker maker, String path, List<String> problems) {
        try {
            Schedule s = maker.make();
            return problems.isEmpty() ? s : null;
        } catch (IllegalArgumentException e) {
            if (problems.isEmpty()) { // else a field already named is what the constructor refused
                problems.add(path + ": " + e.getMessage());
            }
            return null;
        }
    }

    private static void known(JsonNode node, String path, Set<String> fields, List<String> problems) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                problems.add(path + "." + f + ": unknown field (known: " + String.join(", ", fields.stream().sorted().toList()) + ")");
            }
        }
    }

    private static double number(JsonNode node, String path, String field, Double fallback, NumberRange range,
                                 List<String> problems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                problems.add(path + "." + field + ": required");
                return Double.NaN;
            }
            return fallback;
        }
        Double x = range.read(v, path + "." + field, problems);
        return x == null ? Double.NaN : x;
    }

    private static long steps(JsonNode node, String path, List<String> problems) {
        JsonNode v = node.get("warmup_steps");
        if (v == null || v.isNull()) {
            return 0;
        }
        Long n = STEPS.readWhole(v, path + ".warmup_steps", problems);
        return n == null ? 0 : n;
    }
}
