package org.vlmdistill.core.model;

import java.util.List;

/** A checkpoint that does not fit the model its config describes: every problem, listed. */
public final class WeightsMismatchException extends RuntimeException {
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> misshapen;

    public WeightsMismatchException(String source, List<String> missing, List<String> unexpected,
                                    List<String> misshapen) {
        super(message(source, missing, unexpected, misshapen));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.misshapen = List.copyOf(misshapen);
    }

    private static String message(String source, List<String> missing, List<String> unexpected,
                                  List<String> misshapen) {
        StringBuilder s = new StringBuilder(source).append(": the tensors do not fit the model's config");
        section(s, "missing", missing);
        section(s, "unexpected", unexpected);
        section(s, "wrong shape", misshapen);
        return s.toString();
    }

    private static void section(StringBuilder s, String what, List<String> names) {
        if (!names.isEmpty()) {
            s.append("\n  ").append(names.size()).append(' ').append(what).append(':');
            names.forEach(n -> s.append("\n    ").append(n));
        }
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> misshapen() {
        return misshapen;
    }
}
