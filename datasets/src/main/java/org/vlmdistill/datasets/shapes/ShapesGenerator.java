package org.vlmdistill.datasets.shapes;

import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.random.SplitMix64;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The synthetic Shapes set: scenes of 1 to 4 coloured circles, squares and triangles on a coarse
 * grid, each with one question of a {@link QuestionKind} and its exact answer.
 *
 * <p>Sample {@code i} depends on {@code (seed, i)} alone: its generator is seeded with
 * {@code SplitMix64.mix(seed ^ i * GOLDEN)}, so any index range can be made without the samples
 * before it, splits by index range are stable, and a resumed run remakes the same samples.
 *
 * <p>Questions and answers use a closed vocabulary of 36 words and 3 punctuation marks
 * ({@link #VOCABULARY}), so a tiny tokenizer covers all of it:
 * <pre>
 *   question words: what color is the how many are there a describe image of
 *                   left right above below shapes circles squares triangles
 *   both:           circle square triangle red green blue yellow
 *   answer words:   yes no nothing and 0 1 2 3 4  (and a, the from above)
 *   punctuation:    ? . ,
 * </pre>
 * Questions begin with a capital ("What", "How", "Is", "Describe"); the vocabulary is lower case.
 *
 * <p>A question is asked only where it has one right answer: "the circle" only when the scene holds
 * one circle; "What is above X?" only when at most one shape is; no scene holds two shapes of the
 * same colour and kind. Yes/no kinds and "nothing" answers are chosen by a coin flip before the
 * scene is drawn, so each comes out half the time; a scene where the wanted answer cannot be asked
 * is redrawn from the same sample's stream.
 */
public final class ShapesGenerator {
    public static final List<String> VOCABULARY = List.of(
            "what", "color", "is", "the", "how", "many", "are", "there", "a", "describe", "image", "of",
            "left", "right", "above", "below", "shapes", "circles", "squares", "triangles",
            "circle", "square", "triangle", "red", "green", "blue", "yellow",
            "yes", "no", "nothing", "and", "0", "1", "2", "3", "4",
            "?", ".", ",");

    /** Kinds whose answers have enough wrong values to make four options. */
    public static final List<QuestionKind> MULTIPLE_CHOICE_KINDS =
            List.of(QuestionKind.COLOR, QuestionKind.COUNT, QuestionKind.RELATION_WHAT);

    /**
     * Scene draws before giving up. Each kind is askable on a large share of scenes (a quarter or
     * more; the config refuses kinds its scenes can never serve), so this is not reached in practice.
     */
    private static final int MAX_DRAWS = 1_000;
    /** Gives the options their own stream: making them draws nothing from the sample's, so leaves the sample as it is. */
    private static final long MULTIPLE_CHOICE_SALT = 0x4D43_5120_4F50_5453L;
    /** Gives conversations their own stream, apart from the samples'. */
    private static final long CONVERSATION_SALT = 0x434F_4E56_4552_5341L;

    private final ShapesConfig config;
    private final long seed;
    private final List<QuestionKind> kinds;
    private final int[] cumulativeWeights;

    public ShapesGenerator(ShapesConfig config, long seed) {
        this.config = config;
        this.seed = seed;
        this.kinds = List.copyOf(config.mix().keySet());
        this.cumulativeWeights = new int[kinds.size()];
        int total = 0;
        for (int k = 0; k < kinds.size(); k++) {
            total += config.mix().get(kinds.get(k));
            cumulativeWeights[k] = total;
        }
    }

    public ShapesConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    /** Lower-cased words and punctuation marks of a question or answer, as {@link #VOCABULARY} lists them. */
    public static List<String> words(String text) {
        String spaced = text.toLowerCase(Locale.ROOT).replaceAll("([?.,])", " $1 ").trim();
        return spaced.isEmpty() ? List.of() : List.of(spaced.split("\\s+"));
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive), in index order. */
    public Stream<ShapesSample> samples(long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad index range [" + from + ", " + to + ")");
        }
        return LongStream.range(from, to).mapToObj(this::sample);
    }

    public ShapesSample sample(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("sample index must be non-negative, got " + index);
        }
        SplitMix64 random = new SplitMix64(sampleSeed(index));
        QuestionKind kind = drawKind(random);
        boolean positive = random.nextBoolean();
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            Scene scene = drawScene(random);
            Optional<Asked> asked = ask(kind, scene, positive, random);
            if (asked.isPresent()) {
                Asked a = asked.get();
                return new ShapesSample(index, scene, kind, a.question(), a.answer(), a.referents(),
                        SceneRenderer.render(scene));
            }
        }
        throw new IllegalStateException("no askable " + kind.label() + " scene in " + MAX_DRAWS + " draws for sample "
                + index + " (seed " + seed + ")");
    }

    /**
     * Conversation {@code index}: one scene and one question of every kind in the mix that the scene can
     * answer (colour needs a kind the scene holds once, relations two shapes), in a seeded order, all
     * sharing one image. Six answers about an image instead of one: the richer supervision a teacher
     * trains on. Yes/no and "nothing" answers are drawn per kind, half each. The stream is salted, so
     * conversation {@code i} is not sample {@code i}'s scene.
     */
    public List<ShapesSample> conversation(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("conversation index must be non-negative, got " + index);
        }
        SplitMix64 random = new SplitMix64(SplitMix64.mix(sampleSeed(index) ^ CONVERSATION_SALT));
        Scene scene = drawScene(random);
        RgbImage image = SceneRenderer.render(scene);
        List<ShapesSample> turns = new ArrayList<>();
        for (QuestionKind kind : kinds) {
            boolean positive = random.nextBoolean();
            ask(kind, scene, positive, random).ifPresent(a -> turns.add(
                    new ShapesSample(index, scene, kind, a.question(), a.answer(), a.referents(), image)));
        }
        random.shuffle(turns);
        return List.copyOf(turns);
    }

    private static Optional<Asked> ask(QuestionKind kind, Scene scene, boolean positive, SplitMix64 random) {
        return switch (kind) {
            case COLOR -> askColor(scene, random);
            case COUNT -> Optional.of(askCount(scene, random));
            case EXISTS -> Optional.of(askExists(scene, positive, random));
            case RELATION_YES_NO -> askRelation(scene, positive, random);
            case RELATION_WHAT -> askWhatIs(scene, positive, random);
            case DESCRIBE -> Optional.of(new Asked("Describe the image.", describe(scene), List.of()));
        };
    }

    /**
     * The sample as four options with the right one at a seeded position, for the kinds in
     * {@link #MULTIPLE_CHOICE_KINDS}; empty for the others (yes/no has two options, a description
     * has no small set of wrong ones).
     */
    public Optional<MultipleChoice> multipleChoice(ShapesSample sample) {
        if (!MULTIPLE_CHOICE_KINDS.contains(sample.kind())) {
            return Optional.empty();
        }
        SplitMix64 random = new SplitMix64(SplitMix64.mix(sampleSeed(sample.index()) ^ MULTIPLE_CHOICE_SALT));
        // Distractors from the scene first (the shapes a careless reader would name), then any other.
        List<String> near = new ArrayList<>();
        List<String> far = new ArrayList<>();
        switch (sample.kind()) {
            case COLOR -> {
                for (ShapeColor c : ShapeColor.values()) {
                    far.add(c.word());
                }
            }
            case COUNT -> {
                // A kind comes in at most 4 colours and a colour in at most 3 kinds: counts are 0..4.
                for (int n = 0; n <= ShapeColor.values().length; n++) {
                    far.add(Integer.toString(n));
                }
            }
            case RELATION_WHAT -> {
                near.add("nothing");
                for (Shape s : sample.scene().shapes()) {
                    near.add("the " + s.name());
                }
                for (ShapeColor c : ShapeColor.values()) {
                    for (ShapeKind k : ShapeKind.values()) {
                        far.add("the " + c.word() + " " + k.word());
                    }
                }
            }
            default -> throw new IllegalStateException("no options for " + sample.kind().label());
        }
        random.shuffle(near);
        random.shuffle(far);
        // "What is above the green triangle?" - "the green triangle" would be a silly option.
        Set<String> asked = sample.referents().stream().map(r -> "the " + r.name()).collect(Collectors.toSet());
        List<String> options = new ArrayList<>(List.of(sample.answer()));
        for (String candidate : concat(near, far)) {
            if (options.size() == MultipleChoice.LETTERS.size()) {
                break;
            }
            if (!options.contains(candidate) && !asked.contains(candidate)) {
                options.add(candidate);
            }
        }
        random.shuffle(options);
        return Optional.of(new MultipleChoice(options, MultipleChoice.LETTERS.get(options.indexOf(sample.answer()))));
    }

    /** Canonical description: "a red circle, a blue square and a green triangle", in reading order. */
    public static String describe(Scene scene) {
        List<String> items = scene.shapes().stream().map(s -> "a " + s.name()).toList();
        if (items.size() <= 1) {
            return items.isEmpty() ? "nothing" : items.getFirst();
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.getLast();
    }

    long sampleSeed(long index) {
        return SplitMix64.mix(seed ^ index * SplitMix64.GOLDEN);
    }

    private QuestionKind drawKind(SplitMix64 random) {
        int r = random.nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
        int k = 0;
        while (r >= cumulativeWeights[k]) {
            k++;
        }
        return kinds.get(k);
    }

    Scene drawScene(SplitMix64 random) {
        int n = random.nextInt(config.minShapes(), config.maxShapes());
        List<Cell> cells = new ArrayList<>();
        for (int row = 0; row < config.gridSize(); row++) {
            for (int col = 0; col < config.gridSize(); col++) {
                cells.add(new Cell(row, col));
            }
        }
        random.shuffle(cells);
        List<Look> looks = new ArrayList<>();
        for (ShapeColor c : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                looks.add(new Look(c, k));
            }
        }
        random.shuffle(looks);
        Background background = random.pick(List.of(Background.values()));
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Cell cell = cells.get(i);
            int size = random.nextInt(config.minShapeSize(), config.maxShapeSize());
            int x0 = config.cellStart(cell.col());
            int y0 = config.cellStart(cell.row());
            // Centred, so shapes sharing a column (row) share their centre pixel column (row) too.
            int x = x0 + (config.cellStart(cell.col() + 1) - x0 - size) / 2;
            int y = y0 + (config.cellStart(cell.row() + 1) - y0 - size) / 2;
            Look look = looks.get(i);
            shapes.add(new Shape(look.kind(), look.color(), cell, x, y, size));
        }
        shapes.sort((a, b) -> a.cell().compareTo(b.cell()));
        return new Scene(config.imageSize(), config.gridSize(), background, shapes);
    }

    /** Distinct looks drawn without replacement: no scene holds two shapes alike. */
    private record Look(ShapeColor color, ShapeKind kind) {}

    private record Asked(String question, String answer, List<Shape> referents) {}

    private static Optional<Asked> askColor(Scene scene, SplitMix64 random) {
        List<Shape> alone = scene.shapes().stream().filter(s -> scene.ofKind(s.kind()).size() == 1).toList();
        if (alone.isEmpty()) {
            return Optional.empty();
        }
        Shape s = random.pick(alone);
        return Optional.of(new Asked("What color is the " + s.kind().word() + "?", s.color().word(), List.of(s)));
    }

    private static Asked askCount(Scene scene, SplitMix64 random) {
        // Three times in four about the kind or colour of a shape that is there: asked blindly,
        // "0" and "1" would be nearly every answer.
        Shape seen = random.nextInt(4) > 0 ? random.pick(scene.shapes()) : null;
        if (random.nextBoolean()) {
            ShapeKind k = seen != null ? seen.kind() : random.pick(List.of(ShapeKind.values()));
            return new Asked("How many " + k.plural() + " are there?", Integer.toString(scene.ofKind(k).size()), List.of());
        }
        ShapeColor c = seen != null ? seen.color() : random.pick(List.of(ShapeColor.values()));
        return new Asked("How many " + c.word() + " shapes are there?", Integer.toString(scene.ofColor(c).size()), List.of());
    }

    private static Asked askExists(Scene scene, boolean positive, SplitMix64 random) {
        if (positive) {
            Shape s = random.pick(scene.shapes());
            return new Asked("Is there a " + s.name() + "?", "yes", List.of(s));
        }
        // Near misses (a colour or a kind the scene has, but not together) make "no" a question of
        // binding colour to shape, not of spotting a colour.
        List<String> near = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (ShapeColor c : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                if (!scene.contains(c, k)) {
                    absent.add(c.word() + " " + k.word());
                    if (!scene.ofColor(c).isEmpty() || !scene.ofKind(k).isEmpty()) {
                        near.add(c.word() + " " + k.word());
                    }
                }
            }
        }
        String name = random.pick(near.isEmpty() ? absent : near);
        return new Asked("Is there a " + name + "?", "no", List.of());
    }

    private static Optional<Asked> askRelation(Scene scene, boolean positive, SplitMix64 random) {
        List<Asked> askable = new ArrayList<>();
        for (Shape a : scene.shapes()) {
            for (Shape b : scene.shapes()) {
                if (a.equals(b)) {
                    continue;
                }
                for (Relation r : Relation.values()) {
                    if (a.is(r, b) == positive) {
                        askable.add(new Asked("Is the " + a.name() + " " + r.words() + " the " + b.name() + "?",
                                positive ? "yes" : "no", List.of(a, b)));
                    }
                }
            }
        }
        return askable.isEmpty() ? Optional.empty() : Optional.of(random.pick(askable));
    }

    private static Optional<Asked> askWhatIs(Scene scene, boolean positive, SplitMix64 random) {
        List<Asked> askable = new ArrayList<>();
        for (Shape target : scene.shapes()) {
            for (Relation r : Relation.values()) {
                List<Shape> found = scene.related(r, target);
                String question = "What is " + r.words() + " the " + target.name() + "?";
                if (positive && found.size() == 1) {
                    askable.add(new Asked(question, "the " + found.getFirst().name(), List.of(target)));
                } else if (!positive && found.isEmpty()) {
                    askable.add(new Asked(question, "nothing", List.of(target)));
                }
            }
        }
        return askable.isEmpty() ? Optional.empty() : Optional.of(random.pick(askable));
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
