package org.vlmdistill.eval.run;

import org.junit.jupiter.api.Test;
import org.vlmdistill.datasets.record.Provenance;
import org.vlmdistill.eval.bench.BenchItem;
import org.vlmdistill.eval.bench.BenchmarkKind;
import org.vlmdistill.eval.bench.Choice;
import org.vlmdistill.eval.result.Prediction;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskTest {

    private static BenchItem item(List<String> texts, String answer) {
        List<Choice> choices = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            choices.add(new Choice(String.valueOf((char) ('A' + i)), texts.get(i)));
        }
        return new BenchItem(3, "q3", "cat", "Which?", List.of(), choices, List.of(answer), "", 3,
                new Provenance(Path.of("b.tsv"), "row 4"));
    }

    @Test
    void everyRotationKeepsTheRightTextUnderItsNewLetter() {
        SplittableRandom random = new SplittableRandom();
        for (int trial = 0; trial < 50; trial++) {
            int n = 2 + random.nextInt(5);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                texts.add("option" + i + "-" + random.nextInt(1000));
            }
            int right = random.nextInt(n);
            BenchItem item = item(texts, String.valueOf((char) ('A' + right)));
            List<Task> rotations = Task.rotations(item);
            assertEquals(n, rotations.size());
            Set<String> answers = new HashSet<>();
            for (Task t : rotations) {
                String answerText = t.choices().stream().filter(c -> c.letter().equals(t.answer())).findFirst()
                        .orElseThrow().text();
                assertEquals(texts.get(right), answerText, "rotation " + t.rotation());
                assertEquals(Set.copyOf(texts), Set.copyOf(t.choices().stream().map(Choice::text).toList()));
                assertEquals(t.rotation() == 0, t.primary());
                answers.add(t.answer());
            }
            assertEquals(n, answers.size(), "the right answer sits under every letter once");
        }
    }

    @Test
    void generatedTextIsScoredByTheKindsRule() {
        Task t = Task.of(item(List.of("red", "blue", "green", "yellow"), "B"), true);
        Prediction letter = Evaluator.scoreText(BenchmarkKind.MULTIPLE_CHOICE, t, "The answer is B.");
        assertTrue(letter.correct());
        assertEquals("letter", letter.rule());
        Prediction text = Evaluator.scoreText(BenchmarkKind.MULTIPLE_CHOICE, t, "It is blue.");
        assertTrue(text.correct());
        assertEquals("option_text", text.rule());
        Prediction none = Evaluator.scoreText(BenchmarkKind.MULTIPLE_CHOICE, t, "B and C");
        assertFalse(none.correct());
        assertEquals(null, none.extracted());
        BenchItem yn = new BenchItem(0, "y", "", "Is it?", List.of(), List.of(), List.of("Yes"), "", 0,
                new Provenance(Path.of("p.tsv"), "row 1"));
        assertTrue(Evaluator.scoreText(BenchmarkKind.YES_NO, Task.of(yn, true), "yes, it is").correct());
        BenchItem open = new BenchItem(0, "o", "count", "How many?", List.of(), List.of(), List.of("2"), "", 0,
                new Provenance(Path.of("s.tsv"), "row 1"));
        Prediction two = Evaluator.scoreText(BenchmarkKind.EXACT, Task.of(open, true), "Two.");
        assertEquals(1.0, two.score());
        assertEquals("exact_match", two.rule());
    }
}
