package org.vlmdistill.eval.run;

import org.vlmdistill.core.model.PaddingMask;
import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.UnsupportedModelException;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.datasets.sample.ModelInput;
import org.vlmdistill.datasets.sample.ModelSamples;
import org.vlmdistill.datasets.sample.SampleOptions;
import org.vlmdistill.datasets.tokenizer.ChatTokenizer;
import org.vlmdistill.decoder.generate.Generation;
import org.vlmdistill.decoder.generate.GenerationSettings;
import org.vlmdistill.decoder.generate.Generator;
import org.vlmdistill.eval.result.ModelInfo;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model opened for evaluation: its weights, chat template, tokenizer and image processor, and the
 * three things evaluation asks of it: greedy answers to a batch of prompts (KV cache, left padding),
 * the log-probability of given answers (teacher forcing), and its next-token distributions at each
 * answer token (agreement with another model).
 *
 * <p>Rows that show the same image (one question, several options) hold the same {@link PixelValues}
 * object; the vision tower encodes each such image once per forward.
 */
public final class EvalModel implements AutoCloseable {
    private final Path dir;
    private final ModelDirectory source;
    private final Model model;
    private final TextDecoder decoder;
    private final TextConfig textConfig;
    private final ModelSamples samples;
    private final ComputePolicy policy;
    private final GenerationSettings generation;

    private EvalModel(Path dir, ModelDirectory source, Model model, TextDecoder decoder, TextConfig textConfig,
                      ModelSamples samples, ComputePolicy policy) {
        this.dir = dir;
        this.source = source;
        this.model = model;
        this.decoder = decoder;
        this.textConfig = textConfig;
        this.samples = samples;
        this.policy = policy;
        this.generation = generationSettings(source, textConfig, samples);
    }

    /**
     * @throws UnsupportedModelException when the family cannot generate (neither a VLM nor a causal LM)
     */
    public static EvalModel open(Path dir, ComputePolicy policy) throws IOException {
        ModelDirectory source = ModelDirectory.open(dir);
        Model model = Models.load(source, policy);
        try {
            TextDecoder decoder;
            TextConfig text;
            switch (model) {
                case VisionLanguageModel vlm -> {
                    decoder = vlm.textDecoder();
                    text = vlm.config().textConfig();
                }
                case CausalLanguageModel lm -> {
                    decoder = lm.textDecoder();
                    text = lm.config();
                }
                default -> throw new UnsupportedModelException(dir + ": cannot generate with model_type "
                        + model.config().modelType());
            }
            ModelSamples samples = ModelSamples.open(dir,
                    SampleOptions.defaults().withMaxTokens(Math.max(1, text.maxPositionEmbeddings()))
                            .withTruncation(SampleOptions.Truncation.DROP));
            return new EvalModel(dir, source, model, decoder, text, samples, policy);
        } catch (IOException | RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * Greedy settings of at most {@code maxNewTokens}: a row stops at generation_config's (else the text
     * config's) EOS ids or at the chat template's {@code eos_token}, which is how a chat model ends its turn.
     */
    private static GenerationSettings generationSettings(ModelDirectory source, TextConfig text, ModelSamples samples) {
        GenerationSettings s = source.generation().map(g -> GenerationSettings.from(g, text))
                .orElseGet(() -> GenerationSettings.from(text));
        List<Integer> eos = new ArrayList<>(s.eosTokenIds());
        if (samples.template().specialTokens().get("eos_token") instanceof String t) {
            samples.tokenId(t).ifPresent(id -> {
                if (!eos.contains((int) id)) {
                    eos.add((int) id);
                }
            });
        }
        return s.withEos(eos);
    }

    /** Greedy decoding of at most {@code maxNewTokens} with this model's stop tokens and pad id. */
    public GenerationSettings greedy(int maxNewTokens) {
        return new GenerationSettings(maxNewTokens, false, 1.0, 0, 1.0, generation.eosTokenIds(),
                generation.padTokenId(), 0);
    }

    /** This model's generation_config.json settings (sampling included), with the template's stop token. */
    public GenerationSettings generationDefaults() {
        return generation;
    }

    public ModelInfo info(String name) {
        return new ModelInfo(name, dir.toString(), model.config().modelType(), model.parameters().elements(),
                policy.computeDType().name().toLowerCase(java.util.Locale.ROOT));
    }

    public Path directory() {
        return dir;
    }

    public Model model() {
        return model;
    }

    public TextConfig textConfig() {
        return textConfig;
    }

    /**
     * The tokenizer file this model's ids come from: tokenizer.json, or a SentencePiece tokenizer.model.
     *
     * @throws NoSuchFileException naming both when the directory has neither
     */
    public Path tokenizerFile() throws NoSuchFileException {
        return ChatTokenizer.file(dir);
    }

    /**
     * This model's way in: {@link ModelSamples#prompt} for generation rows, {@link ModelSamples#input} for
     * teacher-forced ones (the answer's tokens labelled, its end-of-turn token included, as training
     * scores it), with this model's image processor.
     */
    public ModelSamples samples() {
        return samples;
    }

    /** Generated ids as text, without special tokens, trimmed. */
    public String decode(int[] tokens) {
        return samples.decode(tokens).strip();
    }

    /** Greedy (or sampled) answers to left-padded prompts, one per row. */
    public List<Generation> generate(List<ModelInput> prompts, GenerationSettings settings) {
        int batch = prompts.size();
        int t = prompts.stream().mapToInt(ModelInput::length).max().orElseThrow();
        long[] ids = new long[batch * t];
        long[] mask = new long[batch * t];
        for (int b = 0; b < batch; b++) {
            int[] row = prompts.get(b).inputIds();
            int offset = t - row.length; // left padding: every row's last token is at t - 1
            for (int i = 0; i < t; i++) {
                boolean token = i >= offset;
                ids[b * t + i] = token ? row[i - offset] : settings.padTokenId();
                mask[b * t + i] = token ? 1 : 0;
            }
        }
        try (NDManager m = NDManager.newBaseManager(policy.device()); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray idArray = m.create(ids, new Shape(batch, t));
            NDArray embeds = embeddings(idArray, ids, prompts, m);
            return new Generator(decoder, policy.ops()).generate(embeds, m.create(mask, new Shape(batch, t)), settings);
        }
    }

    /**
     * Teacher-forced log-probabilities of each row's labelled tokens: for row {@code r}, one array per
     * label position {@code p}, {@code log_softmax(logits[p - 1])} over ids {@code [0, vocabLimit)}, fp32.
     * Rows are right-padded; only the labelled positions' logits are ever computed.
     */
    public List<float[][]> answerLogProbs(List<ModelInput> rows, int vocabLimit) {
        int batch = rows.size();
        int t = rows.stream().mapToInt(ModelInput::length).max().orElseThrow();
        long[] ids = new long[batch * t];
        long[] mask = new long[batch * t];
        List<Long> at = new ArrayList<>();
        int[] perRow = new int[batch];
        for (int b = 0; b < batch; b++) {
            ModelInput r = rows.get(b);
            for (int i = 0; i < r.length(); i++) {
                ids[b * t + i] = r.inputIds()[i];
                mask[b * t + i] = 1;
                if (r.labels()[i] != ModelInput.IGNORE_INDEX) {
                    if (i == 0) {
                        throw new IllegalArgumentException("a label at position 0 has no context to predict it");
                    }
                    at.add((long) b * t + i - 1); // logits at p - 1 predict the token at p
                    perRow[b]++;
                }
            }
        }
        int n = at.size();
        float[] flat;
        int vocab;
        try (NDManager m = NDManager.newBaseManager(policy.device()); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray idArray = m.create(ids, new Shape(batch, t));
            NDArray hidden = decoder.forwardPadded(embeddings(idArray, ids, rows, m), PaddingMask.of(m, mask, batch, t), null);
            long h = hidden.getShape().get(2);
            long[] index = at.stream().mapToLong(Long::longValue).toArray();
            NDArray picked = hidden.reshape((long) batch * t, h).get(new NDIndex("{}", m.create(index)));
            NDArray logits = decoder.lmHead(picked); // [n, vocab]
            if (policy.ops().dtypeOf(logits) != DType.F32) {
                logits = policy.ops().cast(logits, DType.F32);
            }
            vocab = Math.min(vocabLimit, Math.toIntExact(logits.getShape().get(1)));
            flat = HostReads.floats(logits.get(new NDIndex(":, :" + vocab)).logSoftmax(1), "log-probabilities to score");
        }
        List<float[][]> out = new ArrayList<>(batch);
        int k = 0;
        for (int b = 0; b < batch; b++) {
            float[][] rowsOf = new float[perRow[b]][];
            for (int j = 0; j < perRow[b]; j++, k++) {
                rowsOf[j] = java.util.Arrays.copyOfRange(flat, k * vocab, (k + 1) * vocab);
            }
            out.add(rowsOf);
        }
        if (k != n) {
            throw new IllegalStateException("read " + k + " of " + n + " label rows");
        }
        return out;
    }

    /** Per row, the summed log-probability of its labelled tokens: how likely the model finds the answer. */
    public double[] answerLogLikelihoods(List<ModelInput> rows) {
        List<float[][]> logProbs = answerLogProbs(rows, Integer.MAX_VALUE);
        double[] out = new double[rows.size()];
        for (int b = 0; b < rows.size(); b++) {
            ModelInput r = rows.get(b);
            float[][] lp = logProbs.get(b);
            int j = 0;
            for (int i = 0; i < r.length(); i++) {
                if (r.labels()[i] != ModelInput.IGNORE_INDEX) {
                    out[b] += lp[j++][r.labels()[i]];
                }
            }
        }
        return out;
    }

    /**
     * Token embeddings with image features merged in. Each distinct image (by identity) goes through the
     * vision tower once; rows sharing it get its features by a gather. {@code hostIds} are {@code ids}'
     * values as uploaded: the merge's image-token count is taken from them, so nothing is read back.
     */
    private NDArray embeddings(NDArray ids, long[] hostIds, List<ModelInput> rows, NDManager m) {
        if (!(model instanceof VisionLanguageModel vlm)) {
            if (rows.stream().anyMatch(r -> !r.imageRuns().isEmpty())) {
                throw new IllegalArgumentException(dir + " is a text-only model; it cannot take images");
            }
            return decoder.embedTokens(ids);
        }
        Map<PixelValues, Integer> firstTile = new IdentityHashMap<>();
        List<PixelValues> distinct = new ArrayList<>();
        int tiles = 0;
        for (ModelInput r : rows) {
            for (PixelValues p : r.pixelValues()) {
                if (!firstTile.containsKey(p)) {
                    firstTile.put(p, tiles);
                    distinct.add(p);
                    tiles += p.tiles();
                }
            }
        }
        long imageTokenId = vlm.config().imageTokenId();
        long imageTokens = Arrays.stream(hostIds).filter(id -> id == imageTokenId).count();
        if (distinct.isEmpty()) {
            return vlm.mergeImageFeatures(ids, null, imageTokens);
        }
        NDArray pixels = PixelValues.stack(distinct, m);
        if (policy.computeDType() != DType.F32) {
            pixels = policy.ops().cast(pixels, policy.computeDType());
        }
        NDArray features = vlm.imageFeatures(pixels); // [distinct tiles, tokens, hidden]
        List<Long> order = new ArrayList<>();
        for (ModelInput r : rows) {
            for (PixelValues p : r.pixelValues()) {
                for (int k = 0; k < p.tiles(); k++) {
                    order.add((long) firstTile.get(p) + k);
                }
            }
        }
        if (order.size() != tiles) {
            long[] index = order.stream().mapToLong(Long::longValue).toArray();
            features = features.get(new NDIndex("{}", m.create(index)));
        }
        return vlm.mergeImageFeatures(ids, features, imageTokens);
    }

    @Override
    public void close() {
        try {
            samples.close();
        } finally {
            model.close();
        }
    }
}
