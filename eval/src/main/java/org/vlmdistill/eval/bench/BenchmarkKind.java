package org.vlmdistill.eval.bench;

import java.util.Locale;

/**
 * How a benchmark's answers are scored. Detected from the file ({@link Benchmarks#load}) or named by
 * the user ({@code file.tsv:yes_no}).
 */
public enum BenchmarkKind {
    /** Options A, B, ... and an answer letter (MMBench, ScienceQA-IMG, AI2D, SEED-Bench). */
    MULTIPLE_CHOICE("multiple_choice"),
    /** Answers "yes" / "no" (POPE, MME). */
    YES_NO("yes_no"),
    /** Free answers with reference answers (VQAv2, TextVQA): VQA accuracy over 10 references. */
    OPEN("open"),
    /** One exact reference answer, scored per category (the Shapes set: per question kind). */
    EXACT("exact");

    private final String label;

    BenchmarkKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** By label or constant name, any case; the message lists the labels. */
    public static BenchmarkKind parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (BenchmarkKind k : values()) {
            if (k.label.equals(n) || k.name().toLowerCase(Locale.ROOT).equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown benchmark kind '" + name
                + "' (expected multiple_choice, yes_no, open or exact)");
    }
}
