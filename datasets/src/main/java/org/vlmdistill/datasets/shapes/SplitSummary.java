package org.vlmdistill.datasets.shapes;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one split holds.
 *
 * @param kinds   samples per question kind (kinds never drawn are left out)
 * @param answers how often each answer occurs, over every kind but {@code describe}, whose answers
 *                are nearly as many as its samples
 */
public record SplitSummary(int samples, Map<QuestionKind, Integer> kinds, Map<String, Integer> answers) {
    public SplitSummary {
        EnumMap<QuestionKind, Integer> byKind = new EnumMap<>(QuestionKind.class);
        byKind.putAll(kinds);
        kinds = Collections.unmodifiableMap(byKind);
        answers = Collections.unmodifiableMap(new TreeMap<>(answers));
    }

    public int yes() {
        return answers.getOrDefault("yes", 0);
    }

    public int no() {
        return answers.getOrDefault("no", 0);
    }

    /** Counts samples as they are made. */
    static final class Tally {
        private int samples;
        private final Map<QuestionKind, Integer> kinds = new EnumMap<>(QuestionKind.class);
        private final Map<String, Integer> answers = new TreeMap<>();

        void add(ShapesSample sample) {
            samples++;
            kinds.merge(sample.kind(), 1, Integer::sum);
            if (sample.kind() != QuestionKind.DESCRIBE) {
                answers.merge(sample.answer(), 1, Integer::sum);
            }
        }

        SplitSummary summary() {
            return new SplitSummary(samples, kinds, answers);
        }
    }
}
