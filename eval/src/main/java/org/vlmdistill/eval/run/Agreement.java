package org.vlmdistill.eval.run;

import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.record.Role;
import org.vlmdistill.datasets.record.Turn;
import org.vlmdistill.datasets.sample.Conversation;
import org.vlmdistill.datasets.sample.ConversationImages;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.datasets.tokenizer.AlignmentException;
import org.vlmdistill.datasets.tokenizer.VocabularyAlignment;
import org.vlmdistill.eval.bench.BenchItem;
import org.vlmdistill.eval.bench.BenchProblem;
import org.vlmdistill.eval.bench.Benchmark;
import org.vlmdistill.eval.bench.BenchmarkKind;
import org.vlmdistill.eval.bench.Choice;
import org.vlmdistill.eval.bench.Prompts;
import org.vlmdistill.eval.result.AgreementScore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How closely a model follows a reference model on a benchmark's reference answers. Both read the same
 * conversation (the question, then the reference answer) through their own chat template and image
 * processor; at every answer token, over the vocabulary both tokenizers share ({@link VocabularyAlignment}):
 * <pre>
 *   top-1 agreement = mean over tokens of [argmax p_ref = argmax p_model]
 *   mean KL         = mean over tokens of sum_v p_ref(v) (log p_ref(v) - log p_model(v))
 * </pre>
 * with both distributions the softmax over the shared ids. The answer is the right option's text after
 * the question alone (multiple choice, as log-likelihood scores it), else the reference (VQA: the most
 * frequent of the ten).
 */
public final class Agreement {
    private Agreement() {
    }

    public static AgreementScore measure(EvalModel reference, String referenceName, EvalModel model, String modelName,
                                         Benchmark bench, int batchSize, ImageDecoder decoder, EvalProgress progress)
            throws IOException {
        List<BenchProblem> problems = new ArrayList<>();
        int shared;
        try {
            shared = VocabularyAlignment.check(model.tokenizerFile(), model.textConfig().vocabSize(),
                    reference.tokenizerFile(), reference.textConfig().vocabSize()).sharedVocab();
        } catch (AlignmentException e) {
            problems.add(new BenchProblem(-1, bench.name(), model.tokenizerFile().toString(), "tokenizers_disagree",
                    e.getMessage()));
            return new AgreementScore(referenceName, modelName, bench.name(), 0, 0, Double.NaN, Double.NaN, problems);
        }
        progress.start(modelName + " vs " + referenceName + " / " + bench.name() + " (agreement)", bench.items().size());
        long tokens = 0;
        long agree = 0;
        double kl = 0;
        int items = 0;
        for (int from = 0; from < bench.items().size(); from += batchSize) {
            List<BenchItem> batch = bench.items().subList(from, Math.min(bench.items().size(), from + batchSize));
            List<ModelInput> refRows = new ArrayList<>();
            List<ModelInput> rows = new ArrayList<>();
            for (BenchItem item : batch) {
                try {
                    ConversationImages images = ConversationImages.decode(item.images(), decoder);
                    Conversation c = new Conversation(item.id(), List.of(new Turn(Role.USER, userText(item, bench.kind())),
                            new Turn(Role.ASSISTANT, answerText(item, bench.kind()))), item.provenance());
                    ModelInput r = reference.samples().input(c, images);
                    ModelInput m = model.samples().input(c, images);
                    r.pixelValues(); // processed now, so an image either processor refuses is this item's problem
                    m.pixelValues();
                    int[] rt = r.answerTokens();
                    int[] mt = m.answerTokens();
                    if (!Arrays.equals(rt, mt)) {
                        problems.add(problem(item, "answer_tokens_differ", "the answer's tokens differ: "
                                + Arrays.toString(rt) + " vs " + Arrays.toString(mt)));
                        continue;
                    }
                    if (rt.length == 0) {
                        problems.add(problem(item, "no_answer_tokens", "the template leaves no answer token to compare"));
                        continue;
                    }
                    refRows.add(r);
                    rows.add(m);
                } catch (IOException | RuntimeException e) {
                    problems.add(problem(item, "model_cannot_take_item", String.valueOf(e.getMessage())));
                }
            }
            if (!rows.isEmpty()) {
                List<float[][]> p = reference.answerLogProbs(refRows, shared);
                List<float[][]> q = model.answerLogProbs(rows, shared);
                for (int b = 0; b < rows.size(); b++) {
                    for (int j = 0; j < p.get(b).length; j++) {
                        float[] lp = p.get(b)[j];
                        float[] lq = q.get(b)[j];
                        agree += argmax(lp) == argmax(lq) ? 1 : 0;
                        kl += kl(lp, lq);
                        tokens++;
                    }
                    items++;
                }
            }
            progress.advance(batch.size());
        }
        double top1 = tokens == 0 ? Double.NaN : (double) agree / tokens;
        double meanKl = tokens == 0 ? Double.NaN : kl / tokens;
        progress.finish(String.format(java.util.Locale.ROOT, "top-1 agreement %.4f, mean KL %.4f over %d tokens",
                top1, meanKl, tokens));
        return new AgreementScore(referenceName, modelName, bench.name(), items, tokens, top1, meanKl, problems);
    }

    static String userText(BenchItem item, BenchmarkKind kind) {
        return kind == BenchmarkKind.MULTIPLE_CHOICE ? Prompts.cloze(item) : Prompts.generation(item, kind);
    }

    static String answerText(BenchItem item, BenchmarkKind kind) {
        if (kind == BenchmarkKind.MULTIPLE_CHOICE) {
            for (Choice c : item.choices()) {
                if (c.letter().equals(item.answer())) {
                    return c.text();
                }
            }
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String r : item.references()) {
            counts.merge(r, 1, Integer::sum);
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** KL(p || q) of two log-distributions, in double; a token p gives no mass adds nothing. */
    static double kl(float[] logP, float[] logQ) {
        double sum = 0;
        for (int v = 0; v < logP.length; v++) {
            if (logP[v] != Float.NEGATIVE_INFINITY) {
                sum += Math.exp(logP[v]) * ((double) logP[v] - logQ[v]);
            }
        }
        return sum;
    }

    private static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    private static BenchProblem problem(BenchItem item, String reason, String detail) {
        return new BenchProblem(item.index(), item.id(), item.provenance().toString(), reason, detail);
    }
}
