package org.vlmdistill.eval.score;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * MME's points (Fu et al. 2023, "MME: A Comprehensive Evaluation Benchmark for Multimodal Large Language
 * Models"), computed as VLMEvalKit's {@code MME_rating}. Per category:
 * <pre>
 *   accuracy     = 100 * mean over its questions of correct
 *   accuracyPlus = 100 * mean over its images of (every question of that image correct)
 *   score        = accuracy + accuracyPlus                      in [0, 200]
 * </pre>
 * MME asks exactly two questions per image (one "yes", one "no"), so accuracy+ rewards images understood
 * rather than guessed; VLMEvalKit multiplies the two scores and would fail on any other count, where
 * this class asks that all be correct. Images are grouped within their category.
 * {@code perception} sums the scores of the perception categories present (OCR, artwork, celebrity,
 * color, count, existence, landmark, position, posters, scene); {@code reasoning} of the cognition ones
 * (code_reasoning, commonsense_reasoning, numerical_calculation, text_translation); {@code total} of all
 * categories. Category maps keep first-seen order.
 */
public record MmeScore(Map<String, Double> score, Map<String, Double> accuracy, Map<String, Double> accuracyPlus,
                       double perception, double reasoning, double total) {
    /** MME's perception categories, in VLMEvalKit's order (the order its sums add in). */
    public static final List<String> PERCEPTION = List.of(
            "OCR", "artwork", "celebrity", "color", "count", "existence", "landmark", "position", "posters", "scene");
    /** MME's cognition categories, in VLMEvalKit's order. */
    public static final List<String> REASONING = List.of(
            "code_reasoning", "commonsense_reasoning", "numerical_calculation", "text_translation");

    public MmeScore {
        score = Collections.unmodifiableMap(new LinkedHashMap<>(score));
        accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
        accuracyPlus = Collections.unmodifiableMap(new LinkedHashMap<>(accuracyPlus));
    }

    /**
     * One scored MME question.
     *
     * @param imageKey what identifies its image within the category ({@code image_path})
     */
    public record Item(String category, String imageKey, boolean correct) {
        public Item {
            Objects.requireNonNull(category, "category");
            Objects.requireNonNull(imageKey, "imageKey");
        }
    }

    public static MmeScore of(List<Item> items) {
        // category -> image -> its questions' correctness, all in first-seen order
        Map<String, Map<String, List<Boolean>>> byCategory = new LinkedHashMap<>();
        for (Item item : items) {
            byCategory.computeIfAbsent(item.category(), c -> new LinkedHashMap<>())
                    .computeIfAbsent(item.imageKey(), k -> new ArrayList<>())
                    .add(item.correct());
        }
        Map<String, Double> score = new LinkedHashMap<>();
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, Double> accuracyPlus = new LinkedHashMap<>();
        double total = 0;
        for (var category : byCategory.entrySet()) {
            int questions = 0;
            int right = 0;
            int imagesAllRight = 0;
            for (List<Boolean> image : category.getValue().values()) {
                int imageRight = (int) image.stream().filter(b -> b).count();
                questions += image.size();
                right += imageRight;
                if (imageRight == image.size()) {
                    imagesAllRight++;
                }
            }
            // np.mean(values) * 100: divide first, so the doubles equal VLMEvalKit's to the last bit
            double acc = (double) right / questions * 100;
            double accPlus = (double) imagesAllRight / category.getValue().size() * 100;
            double s = acc + accPlus;
            String name = category.getKey();
            accuracy.put(name, acc);
            accuracyPlus.put(name, accPlus);
            score.put(name, s);
            total += s;
        }
        return new MmeScore(score, accuracy, accuracyPlus, sum(score, PERCEPTION), sum(score, REASONING), total);
    }

    private static double sum(Map<String, Double> score, List<String> categories) {
        double sum = 0;
        for (String c : categories) {
            sum += score.getOrDefault(c, 0.0);
        }
        return sum;
    }
}
