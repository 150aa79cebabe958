package org.vlmdistill.datasets.shapes;

import org.junit.jupiter.api.Test;
import org.vlmdistill.core.random.SplitMix64;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesGeneratorTest {
    private static final int N = 2_000;
    private static final ShapesGenerator GENERATOR = new ShapesGenerator(ShapesConfig.defaults(), 7);
    private static final List<ShapesSample> SAMPLES = GENERATOR.samples(0, N).toList();

    /** SHA-256 of the RGB pixels, then the question, a newline and the answer (UTF-8). */
    static String fingerprint(ShapesSample s) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(s.image().rgb());
        sha.update((s.question() + "\n" + s.answer()).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Pinned samples: a change here means every data set made before it is a different data set.
     * Pixels, not PNG bytes: the PNG's deflate stream comes from the platform's zlib and may
     * legitimately differ between JDK builds, the pixels may not.
     */
    @Test
    void pinnedSamplesAreTheSameOnEveryJvm() throws Exception {
        Map<String, String> golden = new LinkedHashMap<>();
        golden.put("42/0", "e7406343372e558bd8916819dd459ec26a46707b5bb59c222c64e78d0c94293e");
        golden.put("42/1", "1db6f767ab0320943d33bbb071f526a3620a77ebe03ce5acde19a910c9e2934e");
        golden.put("42/500", "5a86042cd57d053147a09cb7a31ebdb55f7526fa6c034ee6994136c8a7acf91c");
        golden.put("42/123456", "bdb92a7d44acf9dcee2f8f8f83fa9bb86971624b8e3a1890c1f507fcc34eb8f4");
        golden.put("-1/9", "e2916b98f973768baee27199dba69ab15c4cf9785d3ebc5e18689ba160ce5a3a");
        Map<String, String> actual = new LinkedHashMap<>();
        for (String key : golden.keySet()) {
            String[] parts = key.split("/");
            ShapesSample s = new ShapesGenerator(ShapesConfig.defaults(), Long.parseLong(parts[0]))
                    .sample(Long.parseLong(parts[1]));
            actual.put(key, fingerprint(s));
        }
        assertEquals(golden, actual);
    }

    @Test
    void theSplitMixStreamIsTheReferenceOne() {
        // Vigna's splitmix64.c seeded with 0.
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }

    @Test
    void aSampleMadeAloneEqualsTheSameSampleMadeInARange() {
        ShapesGenerator fresh = new ShapesGenerator(ShapesConfig.defaults(), 7);
        for (int i : new int[] {0, 1, 500, 1999}) {
            assertSame(SAMPLES.get(i), fresh.sample(i));
        }
        assertSame(SAMPLES.get(500), fresh.samples(500, 501).toList().getFirst());
        assertSame(SAMPLES.get(700), fresh.samples(650, 800).toList().get(50));
    }

    @Test
    void seedsAndIndicesGiveDifferentSamples() {
        ShapesGenerator other = new ShapesGenerator(ShapesConfig.defaults(), 8);
        int differentImages = 0;
        for (int i = 0; i < 100; i++) {
            if (!Arrays.equals(SAMPLES.get(i).image().rgb(), other.sample(i).image().rgb())) {
                differentImages++;
            }
        }
        assertTrue(differentImages >= 95, differentImages + " of 100 images differ between seeds 7 and 8");
        assertNotEquals(GENERATOR.sampleSeed(0), GENERATOR.sampleSeed(1));
    }

    @Test
    void everyAnswerIsTheOneAnIndependentCheckerComputes() {
        for (ShapesSample s : SAMPLES) {
            assertEquals(IndependentAnswers.answer(s.scene(), s.question()), s.answer(), s.id() + ": " + s.question());
        }
    }

    @Test
    void everyKindIsAskedAboutEquallyOftenByDefault() {
        Map<QuestionKind, Integer> counts = new EnumMap<>(QuestionKind.class);
        SAMPLES.forEach(s -> counts.merge(s.kind(), 1, Integer::sum));
        assertEquals(QuestionKind.values().length, counts.size(), counts.toString());
        // 1/6 each; 3 standard deviations of a binomial share over 2,000 is 0.025.
        counts.forEach((k, n) -> assertEquals(1.0 / 6, n / (double) N, 0.025, k + ": " + counts));
    }

    @Test
    void theMixOfKindsIsConfigurable() {
        ShapesConfig mix = ShapesConfig.defaults().withMix(Map.of(QuestionKind.COLOR, 3, QuestionKind.RELATION_WHAT, 1));
        Map<QuestionKind, Integer> counts = new EnumMap<>(QuestionKind.class);
        new ShapesGenerator(mix, 7).samples(0, N).forEach(s -> counts.merge(s.kind(), 1, Integer::sum));
        assertEquals(Set.of(QuestionKind.COLOR, QuestionKind.RELATION_WHAT), counts.keySet());
        assertEquals(0.75, counts.get(QuestionKind.COLOR) / (double) N, 0.03, counts.toString());
    }

    @Test
    void yesAndNoComeOutHalfEach() {
        Map<String, Integer> overall = new HashMap<>();
        Map<QuestionKind, int[]> byKind = new EnumMap<>(QuestionKind.class);
        for (ShapesSample s : SAMPLES) {
            switch (s.kind()) {
                case EXISTS, RELATION_YES_NO -> {
                    overall.merge(s.answer(), 1, Integer::sum);
                    int[] yesOfAll = byKind.computeIfAbsent(s.kind(), k -> new int[2]);
                    yesOfAll[0] += s.answer().equals("yes") ? 1 : 0;
                    yesOfAll[1]++;
                }
                case RELATION_WHAT -> {
                    int[] nothingOfAll = byKind.computeIfAbsent(s.kind(), k -> new int[2]);
                    nothingOfAll[0] += s.answer().equals("nothing") ? 1 : 0;
                    nothingOfAll[1]++;
                }
                default -> {
                }
            }
        }
        assertEquals(Set.of("yes", "no"), overall.keySet());
        int yes = overall.get("yes");
        int no = overall.get("no");
        // About 670 yes/no answers: 3 standard deviations of a fair coin's share is 0.058.
        assertEquals(0.5, yes / (double) (yes + no), 0.058, yes + " yes, " + no + " no");
        // About 330 per kind: 3 standard deviations is 0.083.
        byKind.forEach((k, c) -> assertEquals(0.5, c[0] / (double) c[1], 0.083, k + ": " + c[0] + " of " + c[1]));
    }

    @Test
    void questionsAndAnswersStayInsideTheClosedVocabulary() {
        Set<String> vocabulary = new HashSet<>(ShapesGenerator.VOCABULARY);
        assertEquals(ShapesGenerator.VOCABULARY.size(), vocabulary.size(), "vocabulary has duplicates");
        Set<String> used = new HashSet<>();
        for (ShapesSample s : SAMPLES) {
            List<String> words = new ArrayList<>(ShapesGenerator.words(s.question()));
            words.addAll(ShapesGenerator.words(s.answer()));
            GENERATOR.multipleChoice(s).ifPresent(m -> m.options().forEach(o -> words.addAll(ShapesGenerator.words(o))));
            for (String w : words) {
                assertTrue(vocabulary.contains(w), "'" + w + "' of " + s.id() + " (" + s.question() + " " + s.answer()
                        + ") is not in the vocabulary");
            }
            used.addAll(words);
        }
        assertEquals(vocabulary, used, "declared but never used");
    }

    @Test
    void aQuestionNamesOnlyShapesThatAreThere() {
        for (ShapesSample s : SAMPLES) {
            assertTrue(s.scene().shapes().containsAll(s.referents()), s.id());
            for (Shape r : s.referents()) {
                assertTrue(s.question().contains(r.kind().word()), s.id() + " " + s.question() + " " + r);
            }
        }
    }

    @Test
    void scenesHoldOneToFourShapesEachInItsOwnCell() {
        Map<Integer, Integer> sizes = new HashMap<>();
        for (ShapesSample s : SAMPLES) {
            sizes.merge(s.scene().shapes().size(), 1, Integer::sum);
            assertEquals(s.scene().shapes().size(), s.scene().shapes().stream().map(Shape::cell).distinct().count());
        }
        assertEquals(Set.of(1, 2, 3, 4), sizes.keySet());
    }

    @Test
    void multipleChoiceHasTheAnswerAtAnEvenlySpreadLetter() {
        Map<String, Integer> letters = new HashMap<>();
        int asked = 0;
        for (ShapesSample s : SAMPLES) {
            var mcq = GENERATOR.multipleChoice(s);
            assertEquals(ShapesGenerator.MULTIPLE_CHOICE_KINDS.contains(s.kind()), mcq.isPresent(), s.kind().label());
            if (mcq.isPresent()) {
                asked++;
                assertEquals(s.answer(), mcq.get().answerText(), s.id());
                assertEquals(mcq.get(), GENERATOR.multipleChoice(GENERATOR.sample(s.index())).orElseThrow(), "seeded");
                for (Shape r : s.referents()) {
                    assertFalse(mcq.get().options().contains("the " + r.name()), s.id() + " offers the shape it asks about");
                }
                letters.merge(mcq.get().answer(), 1, Integer::sum);
            }
        }
        assertEquals(Set.copyOf(MultipleChoice.LETTERS), letters.keySet());
        // About 1,000 questions: 3 standard deviations of a quarter share is 0.041.
        for (String letter : MultipleChoice.LETTERS) {
            assertEquals(0.25, letters.get(letter) / (double) asked, 0.041, letters.toString());
        }
    }

    @Test
    void descriptionsListTheShapesInReadingOrder() {
        Shape a = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, new Cell(0, 2), 45, 3, 12);
        Shape b = new Shape(ShapeKind.SQUARE, ShapeColor.BLUE, new Cell(1, 0), 3, 24, 12);
        Shape c = new Shape(ShapeKind.TRIANGLE, ShapeColor.GREEN, new Cell(1, 1), 24, 24, 12);
        assertEquals("a red circle", ShapesGenerator.describe(new Scene(64, 3, Background.WHITE, List.of(a))));
        assertEquals("a red circle and a blue square",
                ShapesGenerator.describe(new Scene(64, 3, Background.WHITE, List.of(a, b))));
        assertEquals("a red circle, a blue square and a green triangle",
                ShapesGenerator.describe(new Scene(64, 3, Background.WHITE, List.of(a, b, c))));
        assertThrows(IllegalArgumentException.class, () -> new Scene(64, 3, Background.WHITE, List.of(b, a)),
                "not in reading order");
    }

    @Test
    void scenesRejectShapesThatWouldMakeQuestionsAmbiguous() {
        Shape redCircle = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, new Cell(0, 0), 3, 3, 12);
        Shape sameCell = new Shape(ShapeKind.SQUARE, ShapeColor.BLUE, new Cell(0, 0), 3, 3, 12);
        Shape twin = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, new Cell(0, 1), 24, 3, 12);
        assertThrows(IllegalArgumentException.class, () -> new Scene(64, 3, Background.WHITE, List.of(redCircle, sameCell)));
        assertThrows(IllegalArgumentException.class, () -> new Scene(64, 3, Background.WHITE, List.of(redCircle, twin)));
    }

    @Test
    void configsThatCannotBeMetAreRejected() {
        Map<QuestionKind, Integer> relation = Map.of(QuestionKind.RELATION_YES_NO, 1);
        assertThrows(IllegalArgumentException.class, () -> new ShapesConfig(64, 1, 1, 1, relation), "grid of 1");
        assertThrows(IllegalArgumentException.class, () -> new ShapesConfig(20, 3, 1, 4, relation), "cells of 6 px");
        assertThrows(IllegalArgumentException.class, () -> new ShapesConfig(64, 3, 1, 10, relation), "10 shapes in 9 cells");
        assertThrows(IllegalArgumentException.class, () -> new ShapesConfig(64, 3, 3, 2, relation), "min above max");
        assertThrows(IllegalArgumentException.class, () -> new ShapesConfig(64, 3, 1, 1, relation), "relations of one shape");
        assertThrows(IllegalArgumentException.class,
                () -> new ShapesConfig(64, 3, 1, 4, Map.of(QuestionKind.COLOR, 0)), "no kind asked");
        assertThrows(IllegalArgumentException.class,
                () -> new ShapesConfig(64, 3, 1, 4, Map.of(QuestionKind.COLOR, -1)), "negative weight");
        assertEquals(QuestionKind.RELATION_WHAT, QuestionKind.parse("relation_what"));
        assertThrows(IllegalArgumentException.class, () -> QuestionKind.parse("shape"));
    }

    @Test
    void otherSizesAndGridsWork() {
        ShapesConfig big = new ShapesConfig(96, 4, 2, 6, ShapesConfig.defaults().mix());
        new ShapesGenerator(big, 1).samples(0, 300).forEach(s -> {
            assertEquals(96, s.image().width());
            assertEquals(IndependentAnswers.answer(s.scene(), s.question()), s.answer(), s.id());
        });
    }

    private static void assertSame(ShapesSample expected, ShapesSample actual) {
        assertEquals(expected.index(), actual.index());
        assertEquals(expected.scene(), actual.scene());
        assertEquals(expected.kind(), actual.kind());
        assertEquals(expected.question(), actual.question());
        assertEquals(expected.answer(), actual.answer());
        assertEquals(expected.referents(), actual.referents());
        assertArrayEquals(expected.image().rgb(), actual.image().rgb());
    }

    @Test
    void aConversationAsksEveryAskableKindOnceAboutOneSceneWithRightAnswers() {
        Map<QuestionKind, Integer> asked = new EnumMap<>(QuestionKind.class);
        Map<QuestionKind, Integer> firsts = new EnumMap<>(QuestionKind.class);
        Map<String, Integer> yesNo = new HashMap<>();
        int conversations = 300;
        for (long i = 0; i < conversations; i++) {
            List<ShapesSample> turns = GENERATOR.conversation(i);
            assertEquals(turns.stream().map(t -> t.question() + " " + t.answer()).toList(),
                    GENERATOR.conversation(i).stream().map(t -> t.question() + " " + t.answer()).toList(),
                    "conversation " + i + " is made again the same");
            Scene scene = turns.getFirst().scene();
            Set<QuestionKind> kinds = new HashSet<>();
            for (ShapesSample turn : turns) {
                assertEquals(scene, turn.scene(), "one scene per conversation");
                assertTrue(turn.image() == turns.getFirst().image(), "one image per conversation");
                assertTrue(kinds.add(turn.kind()), "kind asked twice in conversation " + i);
                assertEquals(IndependentAnswers.answer(scene, turn.question()), turn.answer(), turn.question());
                asked.merge(turn.kind(), 1, Integer::sum);
                if (turn.kind() == QuestionKind.EXISTS || turn.kind() == QuestionKind.RELATION_YES_NO) {
                    yesNo.merge(turn.answer(), 1, Integer::sum);
                }
            }
            firsts.merge(turns.getFirst().kind(), 1, Integer::sum);
            // counting, existence and description are askable about any scene
            assertTrue(kinds.containsAll(Set.of(QuestionKind.COUNT, QuestionKind.EXISTS, QuestionKind.DESCRIBE)), kinds.toString());
            boolean twoOrMore = scene.shapes().size() >= 2;
            // two shapes in different cells always stand in some relation, and fail another
            assertEquals(twoOrMore, kinds.contains(QuestionKind.RELATION_YES_NO), "relations need two shapes: " + kinds);
        }
        System.out.println("conversations: questions per kind " + asked + ", first question " + firsts + ", yes/no " + yesNo);
        // the order is drawn: every kind comes first sometimes, so no kind is only ever asked after another
        assertEquals(QuestionKind.values().length, firsts.size(), firsts.toString());
        int yes = yesNo.getOrDefault("yes", 0);
        int no = yesNo.getOrDefault("no", 0);
        assertTrue(Math.abs(yes - no) < 0.15 * (yes + no), "yes " + yes + ", no " + no);
        assertNotEquals(GENERATOR.sample(0).scene(), GENERATOR.conversation(0).getFirst().scene(),
                "a conversation draws from its own stream, not sample 0's");
    }
}
