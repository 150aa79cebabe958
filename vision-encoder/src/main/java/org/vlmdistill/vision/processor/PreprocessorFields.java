package org.vlmdistill.vision.processor;

import com.fasterxml.jackson.databind.JsonNode;

/** preprocessor_config.json's fields by HF name, with the processor's default where a field is absent or null. */
public final class PreprocessorFields {
    private final JsonNode json;

    public PreprocessorFields(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("preprocessor_config.json: expected a JSON object");
        }
        this.json = json;
    }

    public boolean has(String field) {
        return json.hasNonNull(field);
    }

    public JsonNode node(String field) {
        return json.get(field);
    }

    public boolean bool(String field, boolean orElse) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return orElse;
        }
        if (!n.isBoolean()) {
            throw bad(field, "expected true or false, got " + n);
        }
        return n.booleanValue();
    }

    /** {@code resample}: a Pillow code (0 included, so that NEAREST is named when it is rejected). */
    public int resample(int orElse) {
        JsonNode n = json.get("resample");
        if (n == null || n.isNull()) {
            return orElse;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw bad("resample", "expected a Pillow resample code, got " + n);
        }
        return n.intValue();
    }

    public double number(String field, double orElse) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return orElse;
        }
        if (!n.isNumber()) {
            throw bad(field, "expected a number, got " + n);
        }
        return n.doubleValue();
    }

    /** {@code size: {"key": N}}. */
    public int sizeEntry(String field, String key, int orElse) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return orElse;
        }
        if (n.isObject()) {
            JsonNode v = n.get(key);
            return v == null || v.isNull() ? orElse : positiveInt(field + "." + key, v);
        }
        throw bad(field, "expected an object with \"" + key + "\", got " + n);
    }

    /** {@code image_mean} / {@code image_std}: one number for every channel or a list of three. */
    public double[] perChannel(String field, double[] orElse) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return orElse.clone();
        }
        if (n.isNumber()) {
            return new double[] {n.doubleValue(), n.doubleValue(), n.doubleValue()};
        }
        if (n.isArray() && n.size() == 3) {
            double[] v = new double[3];
            for (int i = 0; i < 3; i++) {
                if (!n.get(i).isNumber()) {
                    throw bad(field, "expected numbers, got " + n);
                }
                v[i] = n.get(i).doubleValue();
            }
            return v;
        }
        throw bad(field, "expected a number or a list of 3 numbers, got " + n);
    }

    public static int positiveInt(String field, JsonNode v) {
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() <= 0) {
            throw bad(field, "expected a positive integer, got " + v);
        }
        return v.intValue();
    }

    public static IllegalArgumentException bad(String field, String why) {
        return new IllegalArgumentException("preprocessor_config.json: " + field + ": " + why);
    }
}
