package org.vlmdistill.eval.score;

import java.util.Objects;

/**
 * Reads "yes" or "no" from the start of an answer: the MME benchmark's official rule
 * ({@code eval_tool/calculation.py}, {@code parse_pred_ans}). With {@code s} the output stripped of
 * white space and lower-cased:
 * <ul>
 *   <li>{@link Extraction#EXACT}: {@code s} is {@code "yes"} or {@code "no"}, also after dropping one
 *       trailing period ({@code "Yes."}).</li>
 *   <li>{@link Extraction#PREFIX}: else {@code "yes"} if {@code s}'s first four characters contain
 *       "yes", else {@code "no"} if they contain "no". This is MME's rule as written, so
 *       {@code "Not sure"} and {@code "None"} read as "no", and {@code "There is no cat"} has no
 *       answer.</li>
 *   <li>{@link Extraction#UNANSWERED} otherwise (MME's "other", scored as wrong).</li>
 * </ul>
 * VLMEvalKit scores MME with a different rule (the words "yes" and "no" anywhere in the output); this
 * class follows the benchmark authors'.
 */
public final class YesNo {
    private static final int PREFIX_LENGTH = 4;

    private YesNo() {
    }

    public static Extraction parse(String output) {
        Objects.requireNonNull(output, "output");
        String s = PythonText.lower(PythonText.strip(output));
        String whole = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        if (whole.equals("yes") || whole.equals("no")) {
            return Extraction.of(whole, Extraction.EXACT);
        }
        // Python's s[:4] counts code points, not UTF-16 units.
        int end = s.offsetByCodePoints(0, Math.min(PREFIX_LENGTH, s.codePointCount(0, s.length())));
        String prefix = s.substring(0, end);
        if (prefix.contains("yes")) {
            return Extraction.of("yes", Extraction.PREFIX);
        }
        if (prefix.contains("no")) {
            return Extraction.of("no", Extraction.PREFIX);
        }
        return Extraction.unanswered();
    }
}
