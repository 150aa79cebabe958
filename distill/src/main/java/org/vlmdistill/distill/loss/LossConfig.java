package org.vlmdistill.distill.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlmdistill.distill.schedule.Schedule;
import org.vlmdistill.distill.schedule.Schedules;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A run config's {@code loss} section, every default filled in:
 * <pre>
 * {"name": "taid", "t_start": 0.4, "t_end": 1.0, "alpha": 5e-4, "beta": 0.99, "adaptive": true,
 *  "distil_ratio": 1.0, "chunk_size": 256}
 * </pre>
 * Each loss has its own fields ({@link #LOSSES}, the one table of names, fields and defaults); every
 * loss also takes {@code distil_ratio} (a schedule, see {@link Schedules}; default constant 1.0,
 * ignored by sft) and {@code chunk_size} (rows per chunk, default 256: measured faster and leaner than 1024, see BENCHMARKS.md).
 *
 * @param name        the loss's config name
 * @param params      the loss's own fields in table order, resolved (Double or Boolean)
 * @param distilRatio the distillation ratio's schedule
 * @param chunkSize   rows per chunk
 */
public record LossConfig(String name, Map<String, Object> params, Schedule distilRatio, int chunkSize) {

    public static final int DEFAULT_CHUNK_SIZE = 256;

    /** One field of a loss: its config name, its default, and the range it must lie in. */
    public record Field(String name, Object defaultValue, double min, double max, boolean minOpen, boolean maxOpen,
                        String description) {
        static Field number(String name, double value, double min, double max, boolean minOpen, boolean maxOpen,
                            String description) {
            return new Field(name, value, min, max, minOpen, maxOpen, description);
        }

        static Field flag(String name, boolean value, String description) {
            return new Field(name, value, 0, 0, false, false, description);
        }

        boolean isFlag() {
            return defaultValue instanceof Boolean;
        }

        String range() {
            return (minOpen ? "(" : "[") + fmt(min) + ", " + fmt(max) + (maxOpen ? ")" : "]");
        }

        private static String fmt(double v) {
            return Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : (v == Math.rint(v) ? String.valueOf((long) v)
                    : String.valueOf(v));
        }
    }

    private static final double INF = Double.POSITIVE_INFINITY;

    /** Every loss name with its fields and defaults, in documentation order. */
    public static final Map<String, List<Field>> LOSSES = table();

    private static Map<String, List<Field>> table() {
        Map<String, List<Field>> m = new LinkedHashMap<>();
        m.put("taid", List.of(
                Field.number("t_start", 0.4, 0, 1, false, false, "interpolation t at the first step"),
                Field.number("t_end", 1.0, 0, 1, false, false, "t at the last step (t never exceeds it)"),
                Field.number("alpha", 5e-4, 0, INF, false, true, "adaptive step size"),
                Field.number("beta", 0.99, 0, 1, false, true, "momentum of the relative loss change"),
                Field.flag("adaptive", true, "adaptive update of t; false: t follows the linear schedule")));
        m.put("fkl", List.of(Field.number("temperature", 1.0, 0, INF, true, true, "Hinton's T (loss times T^2)")));
        m.put("rkl", List.of());
        m.put("tvd", List.of());
        m.put("skew_kl", List.of(Field.number("alpha", 0.1, 0, 1, false, true, "skew: m = alpha p + (1 - alpha) q")));
        m.put("skew_rkl", List.of(Field.number("alpha", 0.1, 0, 1, true, false, "skew: m = (1 - alpha) p + alpha q")));
        m.put("jsd", List.of(Field.number("beta", 0.5, 0, 1, false, false, "GKD's beta: 0 forward KL, 1 reverse KL")));
        m.put("akl", List.of(Field.number("mu", 0.5, 0, 1, false, false, "head: cumulative teacher probability <= mu")));
        m.put("ctkd", List.of(Field.number("lambda_max", 1.0, 0, INF, false, true,
                "gradient reversal reaches -lambda_max on a cosine schedule")));
        m.put("dkd", List.of(
                Field.number("alpha", 1.0, 0, INF, false, true, "weight of TCKD (target vs rest)"),
                Field.number("beta", 0.5, 0, INF, false, true, "weight of NCKD (non-target); DKD's vision default 8"),
                Field.number("temperature", 1.0, 0, INF, true, true, "T (loss times T^2); DKD's vision default 4")));
        m.put("sft", List.of());
        return java.util.Collections.unmodifiableMap(m);
    }

    public LossConfig {
        Objects.requireNonNull(name, "name");
        params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
        Objects.requireNonNull(distilRatio, "distilRatio");
    }

    /** {@link DistillationLoss#needsTeacher()} of the loss this config creates. */
    public boolean needsTeacher() {
        return ask(DistillationLoss::needsTeacher);
    }

    /** {@link DistillationLoss#acceptsTruncatedTeacher()} of the loss this config creates. */
    public boolean acceptsTruncatedTeacher() {
        return ask(DistillationLoss::acceptsTruncatedTeacher);
    }

    /** A question to the loss itself, created for it in a throwaway CPU manager (CTKD's theta needs one). */
    private <T> T ask(Function<DistillationLoss, T> question) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            return question.apply(create(manager));
        }
    }

    /** A loss with every default. */
    public static LossConfig defaults(String name) {
        List<String> problems = new ArrayList<>();
        LossConfig c = parse(JsonNodeFactory.instance.objectNode().put("name", name), "loss", problems);
        if (c == null) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return c;
    }

    /** The config at {@code path}, or null after adding everything wrong to {@code problems}. */
    public static LossConfig parse(JsonNode node, String path, List<String> problems) {
        if (node == null || !node.isObject()) {
            problems.add(path + ": expected an object with \"name\" (one of " + String.join(", ", LOSSES.keySet()) + ")");
            return null;
        }
        List<String> local = new ArrayList<>();
        JsonNode nameNode = node.get("name");
        String name = nameNode != null && nameNode.isTextual() ? nameNode.asText() : null;
        List<Field> fields = name == null ? null : LOSSES.get(name);
        if (fields == null) {
            local.add(path + ".name: expected one of " + String.join(", ", LOSSES.keySet()) + ", got "
                    + (nameNode == null ? "nothing" : nameNode.toString()));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        if (fields != null) {
            TreeSet<String> known = new TreeSet<>(List.of("name", "distil_ratio", "chunk_size"));
            fields.forEach(f -> known.add(f.name()));
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!known.contains(f)) {
                    local.add(path + "." + f + ": unknown field for " + name + " (known: " + String.join(", ", known) + ")");
                }
            }
            for (Field f : fields) {
                params.put(f.name(), value(node.get(f.name()), f, path + "." + f.name(), local));
            }
        }
        JsonNode ratioNode = node.get("distil_ratio");
        Schedule ratio = ratioNode == null || ratioNode.isNull() ? new Schedule.Constant(1.0)
                : Schedules.parse(ratioNode, path + ".distil_ratio", Schedules.RATIO, local);
        int chunk = DEFAULT_CHUNK_SIZE;
        JsonNode chunkNode = node.get("chunk_size");
        if (chunkNode != null && !chunkNode.isNull()) {
            if (!chunkNode.isIntegralNumber() || !chunkNode.canConvertToInt() || chunkNode.asInt() < 1) {
                local.add(path + ".chunk_size: expected a whole number >= 1, got " + chunkNode);
            } else {
                chunk = chunkNode.asInt();
            }
        }
        if (fields != null && name.equals("taid") && local.isEmpty()
                && (double) params.get("t_start") > (double) params.get("t_end")) {
            local.add(path + ".t_start, " + path + ".t_end: t_start " + params.get("t_start") + " is above t_end "
                    + params.get("t_end"));
        }
        problems.addAll(local);
        return local.isEmpty() ? new LossConfig(name, params, ratio, chunk) : null;
    }

    private static Object value(JsonNode v, Field f, String path, List<String> problems) {
        if (v == null || v.isNull()) {
            return f.defaultValue();
        }
        if (f.isFlag()) {
            if (!v.isBoolean()) {
                problems.add(path + ": expected true or false, got " + v);
            }
            return v.asBoolean();
        }
        if (!v.isNumber()) {
            problems.add(path + ": expected a number in " + f.range() + ", got " + v);
            return f.defaultValue();
        }
        double d = v.asDouble();
        boolean aboveMin = f.minOpen() ? d > f.min() : d >= f.min();
        boolean belowMax = f.maxOpen() ? d < f.max() : d <= f.max();
        if (!aboveMin || !belowMax) {
            problems.add(path + ": expected a number in " + f.range() + ", got " + v);
        }
        return d;
    }

    private double number(String field) {
        return (Double) params.get(field);
    }

    /** The loss this config names; CTKD's parameter lives in {@code manager}. */
    public DistillationLoss create(NDManager manager) {
        return switch (name) {
            case "taid" -> new Taid(number("t_start"), number("t_end"), number("alpha"), number("beta"),
                    (Boolean) params.get("adaptive"));
            case "fkl" -> new ForwardKl(number("temperature"));
            case "rkl" -> new ReverseKl();
            case "tvd" -> new TotalVariation();
            case "skew_kl" -> new SkewKl(number("alpha"));
            case "skew_rkl" -> new SkewReverseKl(number("alpha"));
            case "jsd" -> new GeneralizedJsd(number("beta"));
            case "akl" -> new AdaptiveKl(number("mu"));
            case "ctkd" -> new Ctkd(manager, number("lambda_max"));
            case "dkd" -> new Dkd(number("alpha"), number("beta"), number("temperature"));
            case "sft" -> new Sft();
            default -> throw new IllegalStateException("no loss " + name);
        };
    }

    /** The resolved config, every default filled in: what a run's config.json records. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        params.forEach((k, v) -> {
            if (v instanceof Boolean b) {
                o.put(k, b);
            } else {
                o.put(k, (Double) v);
            }
        });
        o.set("distil_ratio", Schedules.toJson(distilRatio));
        o.put("chunk_size", chunkSize);
        return o;
    }


    /** Every loss with its fields and defaults, one line each, for the README. */
    public static String describeAll() {
        StringBuilder b = new StringBuilder();
        LOSSES.forEach((name, fields) -> {
            b.append(name).append(':');
            if (fields.isEmpty()) {
                b.append(" (no fields of its own)");
            }
            for (Field f : fields) {
                b.append(' ').append(f.name()).append('=').append(f.defaultValue());
                if (!f.isFlag()) {
                    b.append(" in ").append(f.range());
                }
                b.append(" (").append(f.description()).append(");");
            }
            b.append('\n');
        });
        b.append("every loss: distil_ratio=1.0 (a schedule; ignored by sft); chunk_size=")
                .append(DEFAULT_CHUNK_SIZE).append(" (rows per chunk)\n");
        return b.toString();
    }
}
