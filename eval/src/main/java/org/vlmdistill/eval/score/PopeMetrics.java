package org.vlmdistill.eval.score;

import java.util.List;
import java.util.Locale;

/**
 * POPE's figures (Li et al. 2023, "Evaluating Object Hallucination in Large Vision-Language Models",
 * its {@code evaluate.py}), with "yes" the positive class. Over {@code n} items, with TP = gold yes and
 * predicted yes, FP = gold no and predicted yes, FN = gold yes and not predicted yes:
 * <pre>
 *   accuracy  = #(predicted == gold) / n
 *   precision = TP / (TP + FP)            0 when nothing was predicted yes
 *   recall    = TP / (TP + FN)            0 when no gold answer is yes
 *   f1        = 2 P R / (P + R)           0 when P + R == 0
 *   yesRatio  = #(predicted yes) / n
 * </pre>
 * The official script reads every answer as yes or no, so it has no unanswered items; here an
 * unanswered item (null) is wrong, is not a yes, and is counted in {@code unanswered}. The zeros in
 * place of 0/0 keep the figures finite in JSON; POPE's balanced splits never reach them. With no items,
 * accuracy and yesRatio are NaN.
 *
 * @param over       items scored
 * @param unanswered items with no yes/no answer
 */
public record PopeMetrics(double accuracy, double precision, double recall, double f1, double yesRatio, int over,
                          int unanswered) {
    private static final String YES = "yes";
    private static final String NO = "no";

    /**
     * @param predicted per item "yes", "no" (any case) or null when unanswered
     * @param gold      per item "yes" or "no" (any case)
     */
    public static PopeMetrics of(List<String> predicted, List<String> gold) {
        if (predicted.size() != gold.size()) {
            throw new IllegalArgumentException(predicted.size() + " predictions for " + gold.size() + " gold answers");
        }
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int correct = 0;
        int yes = 0;
        int unanswered = 0;
        for (int i = 0; i < gold.size(); i++) {
            boolean goldYes = isYes(gold.get(i), "gold answer", i);
            String p = predicted.get(i);
            if (p == null) {
                unanswered++;
                if (goldYes) {
                    fn++;
                }
                continue;
            }
            boolean predYes = isYes(p, "prediction", i);
            if (predYes) {
                yes++;
            }
            if (predYes == goldYes) {
                correct++;
            }
            if (predYes && goldYes) {
                tp++;
            } else if (predYes) {
                fp++;
            } else if (goldYes) {
                fn++;
            }
        }
        int n = gold.size();
        double precision = tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
        return new PopeMetrics((double) correct / n, precision, recall, f1, (double) yes / n, n, unanswered);
    }

    private static boolean isYes(String answer, String what, int index) {
        String a = answer.toLowerCase(Locale.ROOT);
        if (a.equals(YES)) {
            return true;
        }
        if (a.equals(NO)) {
            return false;
        }
        throw new IllegalArgumentException(what + " " + index + " is '" + answer + "', not yes or no");
    }
}
