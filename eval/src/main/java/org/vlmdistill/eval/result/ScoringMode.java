package org.vlmdistill.eval.result;

import java.util.Locale;

/** How a model's answer to an item is obtained. */
public enum ScoringMode {
    /** Greedy decoding with the KV cache, then the benchmark's answer extraction. */
    GENERATE("generate"),
    /** Multiple choice only: the option whose tokens the model finds most likely; nothing to extract. */
    LOGLIK("loglik");

    private final String label;

    ScoringMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static ScoringMode parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (ScoringMode m : values()) {
            if (m.label.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown scoring mode '" + name + "' (expected generate or loglik)");
    }
}
