package org.vlmdistill.eval.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.tensor.HostReads;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.read.ReaderOptions;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.datasets.shapes.ShapesDataset;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.eval.bench.BenchItem;
import org.vlmdistill.eval.bench.Benchmark;
import org.vlmdistill.eval.bench.Benchmarks;
import org.vlmdistill.eval.result.AgreementScore;
import org.vlmdistill.tiny.TinyModels;
import org.vlmdistill.datasets.shapes.ShapesVocabulary;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model side of evaluation on a tiny idefics3 model: batching must not change any answer or score. */
class EvalModelTest {
    @TempDir
    static Path dir;

    static EvalModel model;
    static Benchmark shapes;
    static final ImageDecoder DECODER = new ImageDecoder();

    @BeforeAll
    static void setUp() throws IOException {
        long seed = System.nanoTime();
        System.out.println("EvalModelTest seed " + seed);
        TinyModels.Spec spec = TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words()));
        TinyModels.idefics3(dir.resolve("model"), seed, spec);
        ShapesDataset.write(dir.resolve("shapes"), 0, 12, seed);
        model = EvalModel.open(dir.resolve("model"), ComputePolicy.of(Map.of("dtype", "fp32")));
        shapes = Benchmarks.load(new Benchmarks.Spec(dir.resolve("shapes/test.tsv"), Optional.empty()), 0,
                ReaderOptions.DEFAULTS, DECODER);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static ConversationImages images(BenchItem item) throws IOException {
        return ConversationImages.decode(item.images(), DECODER);
    }

    private static Conversation conversation(BenchItem item, Turn... turns) {
        return new Conversation(item.id(), List.of(turns), item.provenance());
    }

    @Test
    void batchedLeftPaddedGenerationEqualsOneByOne() throws IOException {
        List<ModelInput> prompts = new ArrayList<>();
        for (BenchItem item : shapes.items().subList(0, 5)) {
            prompts.add(model.samples().prompt(conversation(item, new Turn(Role.USER, "<image>\n" + item.question())),
                    images(item)));
        }
        // one prompt surely longer than the others, so that padding is exercised whatever the questions
        BenchItem last = shapes.items().get(5);
        prompts.add(model.samples().prompt(conversation(last, new Turn(Role.USER, "<image>\n" + last.question() + " "
                + last.question())), images(last)));
        assertTrue(prompts.stream().mapToInt(ModelInput::length).distinct().count() > 1, "lengths should differ");
        List<Generation> batched = model.generate(prompts, model.greedy(12));
        for (int i = 0; i < prompts.size(); i++) {
            Generation alone = model.generate(List.of(prompts.get(i)), model.greedy(12)).getFirst();
            assertArrayEquals(alone.tokens(), batched.get(i).tokens(), "row " + i);
            assertEquals(alone.finishReason(), batched.get(i).finishReason());
        }
    }

    @Test
    void answerLogLikelihoodIsTheSumOfTheFullForwardsLogProbabilities() throws IOException {
        BenchItem item = shapes.items().getFirst();
        ConversationImages im = images(item);
        List<String> answers = List.of("red", "a blue circle", "yes", "3");
        List<ModelInput> rows = new ArrayList<>();
        for (String a : answers) {
            rows.add(model.samples().input(conversation(item, new Turn(Role.USER, "<image>\n" + item.question()),
                    new Turn(Role.ASSISTANT, a)), im));
        }
        // the rows show one image: one processed object, so the vision tower encodes it once
        assertSame(rows.getFirst().pixelValues().getFirst(), rows.getLast().pixelValues().getFirst());
        HostReads.Tally reads = new HostReads.Tally();
        double[] batched = HostReads.counting(reads, () -> model.answerLogLikelihoods(rows));
        // the image-token count comes from the ids as uploaded: the only read is the log-probabilities
        assertEquals(1, reads.reasons().size(), "reads: " + reads.byReason());
        VisionLanguageModel vlm = (VisionLanguageModel) model.model();
        for (int r = 0; r < rows.size(); r++) {
            ModelInput row = rows.get(r);
            double expected = 0;
            try (NDManager m = NDManager.newBaseManager()) {
                long[] ids = java.util.Arrays.stream(row.inputIds()).asLongStream().toArray();
                NDArray pixels = PixelValues.stack(images(item).images().stream() // a fresh copy: no sharing
                        .map(vlm.imageProcessor()::process).toList(), m);
                NDArray logits = vlm.forward(m.create(ids, new Shape(1, ids.length)), pixels, null, null).logits();
                float[] lp = logits.logSoftmax(-1).toFloatArray();
                int vocab = Math.toIntExact(logits.getShape().get(2));
                for (int p = 1; p < ids.length; p++) {
                    if (row.labels()[p] != -100) {
                        expected += lp[(p - 1) * vocab + row.labels()[p]];
                    }
                }
            }
            assertEquals(expected, batched[r], 1e-4 * Math.max(1, Math.abs(expected)), "answer " + answers.get(r));
            assertTrue(row.answerTokens().length >= 2, "the answer and its end-of-turn token");
        }
    }

    @Test
    void aModelAgreesFullyWithItselfAndNotWithAnother() throws IOException {
        AgreementScore self = Agreement.measure(model, "a", model, "a", shapes, 4, DECODER, EvalProgress.silent());
        assertEquals(shapes.items().size(), self.items());
        assertTrue(self.tokens() > shapes.items().size());
        assertEquals(1.0, self.top1Agreement());
        assertEquals(0.0, self.meanKl(), 1e-5);
        long seed = new SplittableRandom().nextLong();
        TinyModels.idefics3(dir.resolve("other"), seed, TinyModels.Spec.defaults().withWords(TinyModels.vocabulary(ShapesVocabulary.words())));
        try (EvalModel other = EvalModel.open(dir.resolve("other"), ComputePolicy.of(Map.of("dtype", "fp32")))) {
            AgreementScore cross = Agreement.measure(model, "a", other, "b", shapes, 4, DECODER, EvalProgress.silent());
            assertEquals(self.tokens(), cross.tokens());
            assertTrue(cross.meanKl() > 1e-4, "two random models differ: KL " + cross.meanKl());
            assertTrue(cross.problems().isEmpty(), cross.problems().toString());
        }
    }
}
