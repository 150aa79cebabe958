package org.vlmdistill.distill.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 */
public final class Schedules {
    private Schedules() {
    }

    /** The schedule at {@code path}, or null after adding what is wrong to {@code problems}. */
    public static Schedule parse(JsonNode node, String path, List<String> problems) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            problems.add(path + ": a schedule is required (a number or {\"type\": ...})");
            return null;
        }
        if (node.isNumber()) {
            return new Schedule.Constant(node.asDouble());
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
                yield build(() -> new Schedule.Constant(number(node, path, "value", null, local),
                        steps(node, path, local)), path, local);
            }
            case "linear" -> {
                known(node, path, Set.of("type", "from", "to", "warmup_steps"), local);
                yield build(() -> new Schedule.Linear(number(node, path, "from", null, local),
                        number(node, path, "to", 0.0, local), steps(node, path, local)), path, local);
            }
            case "cosine" -> {
                known(node, path, Set.of("type", "peak", "warmup_steps", "min_ratio"), local);
                yield build(() -> new Schedule.Cosine(number(node, path, "peak", null, local),
                        steps(node, path, local), number(node, path, "min_ratio", 0.0, local)), path, local);
            }
            case "wsd" -> {
                known(node, path, Set.of("type", "peak", "warmup_steps", "decay_fraction", "min_ratio"), local);
                yield build(() -> new Schedule.Wsd(number(node, path, "peak", null, local),
                        steps(node, path, local), number(node, path, "decay_fraction", 0.1, local),
                        number(node, path, "min_ratio", 0.0, local)), path, local);
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
            problems.add(path + ": " + e.getMessage());
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

    private static double number(JsonNode node, String path, String field, Double fallback, List<String> problems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                problems.add(path + "." + field + ": required");
                return Double.NaN;
            }
            return fallback;
        }
        if (!v.isNumber()) {
            problems.add(path + "." + field + ": expected a number, got " + v);
            return Double.NaN;
        }
        return v.asDouble();
    }

    private static long steps(JsonNode node, String path, List<String> problems) {
        JsonNode v = node.get("warmup_steps");
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            problems.add(path + ".warmup_steps: expected a whole number >= 0, got " + v);
            return 0;
        }
        return v.asLong();
    }
}
