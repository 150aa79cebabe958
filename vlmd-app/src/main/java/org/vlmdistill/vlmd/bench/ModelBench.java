package org.vlmdistill.vlmd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Model;
import org.vlmdistill.core.model.ModelDirectory;
import org.vlmdistill.core.model.Models;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.model.VisionLanguageModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Random;

/**
 * One training step of a VLM with random weights (forward, cross entropy on every position, backward
 * into every parameter) and the machine's fp32 GEMM rate measured in the same run, so that the step's
 * model FLOPs utilization is a ratio of two numbers taken together.
 *
 * <p>Model FLOPs per step (forward + backward = 3 × forward, the usual convention, no recomputation):
 * forward = 2 × (matmul parameters × rows they apply to) + attention 4 × layers × len² × width per
 * sequence or tile: the vision tower's linear and patch parameters over every patch of every tile, the
 * connector's over every image token, the decoder's (lm_head included, embeddings excluded) over every
 * token.
 *
 * <p>Memory: each step prints the resident set before the forward, after it and after the backward, the
 * process's peak so far, and the arrays the step's manager holds after the forward.
 *
 * @param textTokens tokens per sequence besides the image tokens of one tile at the tower's size
 * @param activationCheckpointing recompute every tower and decoder layer in the backward
 */
public record ModelBench(ModelDirectory source, int batch, int textTokens, int runs, int warmup, long seed,
                         boolean activationCheckpointing) {

    /** The SmolVLM-256M-Instruct config shipped with the benchmarks (published dimensions). */
    public static ModelDirectory smolVlm256m() throws IOException {
        ObjectMapper json = new ObjectMapper();
        return ModelDirectory.of(read(json, "smolvlm-256m/config.json"), read(json, "smolvlm-256m/preprocessor_config.json"));
    }

    private static JsonNode read(ObjectMapper json, String name) throws IOException {
        try (InputStream in = ModelBench.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return json.readTree(in);
        }
    }

    /**
     * @param stepFlops model FLOPs of one step
     * @param gemmFlopsPerSecond fp32 2048² GEMM rate of this machine, same run
     */
    public record Result(Timing step, Timing gemm, long tokensPerStep, double stepFlops, double gemmFlopsPerSecond,
                         long parameters) {
        public double tokensPerSecond() {
            return tokensPerStep / step.median();
        }

        public double achievedFlopsPerSecond() {
            return stepFlops / step.median();
        }

        public double mfu() {
            return achievedFlopsPerSecond() / gemmFlopsPerSecond;
        }
    }

    public Result run(PrintStream out) throws Exception {
        ComputePolicy policy = ComputePolicy.of(java.util.Map.of("dtype", "fp32"));
        try (Model model = Models.random(source, policy, seed); NDManager root = NDManager.newBaseManager()) {
            if (!(model instanceof VisionLanguageModel vlm)) {
                throw new IllegalArgumentException(source.describe() + " is not a vision-language model");
            }
            out.printf("memory: RSS %.0f MiB with the weights (%.0f MiB of parameters)%n", mib(LossBench.status("VmRSS")),
                    mib(4L * vlm.parameters().elements()));
            for (Parameter p : vlm.parameters().list()) {
                p.array().setRequiresGradient(true);
            }
            vlm.activationCheckpoints().enabled(activationCheckpointing);
            VisionConfig v = vlm.config().visionConfig();
            int side = v.imageSize();
            // one tile at the tower's own size per sequence (SmolVLM's processor would upscale a 512 image to
            // 2048 and cut 16 tiles + 1 global; the benchmark fixes the image work at one tile)
            int tiles = 1;
            int imageTokens = tokensPerTile(vlm, root, side);
            int seq = imageTokens + textTokens;
            double flops = stepFlops(vlm, batch, seq, imageTokens, tiles);
            out.printf("model: %s, %,d parameters; batch %d x %d tokens (%d image tokens from %d tile(s) of %dx%d "
                    + "+ %d text); %.1f GFLOP per step%n", vlm.config().modelType(), vlm.parameters().elements(),
                    batch, seq, imageTokens, tiles, side, side, textTokens, flops / 1e9);
            double[] steps = new double[runs];
            double[] gemms = new double[runs];
            Random random = new Random(seed);
            for (int i = 0; i < warmup + runs; i++) {
                double s = step(vlm, root, random, seq, imageTokens, tiles * batch, side, out);
                double g = gemm(root);
                if (i >= warmup) {
                    steps[i - warmup] = s;
                    gemms[i - warmup] = g;
                    out.printf("  run %d: step %.2f s (%.0f tokens/s), GEMM 2048^2 fp32 %.1f GFLOP/s%n", i - warmup + 1,
                            s, batch * seq / s, 2.0 * 2048 * 2048 * 2048 / g / 1e9);
                }
            }
            Timing gemm = new Timing("gemm", gemms);
            return new Result(new Timing("step", steps), gemm, (long) batch * seq, flops,
                    2.0 * 2048 * 2048 * 2048 / gemm.median(), vlm.parameters().elements());
        }
    }

    /** Image tokens the connector makes of one tile (a forward of one random tile, no gradient). */
    private static int tokensPerTile(VisionLanguageModel vlm, NDManager root, int side) {
        try (NDManager m = root.newSubManager()) {
            NDArray tile = m.randomNormal(new Shape(1, vlm.config().visionConfig().numChannels(), side, side));
            return Math.toIntExact(vlm.imageFeatures(tile).getShape().get(1));
        }
    }

    private double step(VisionLanguageModel vlm, NDManager root, Random random, int seq, int imageTokens,
                        int tiles, int side, PrintStream out) {
        try (NDManager m = root.newSubManager()) {
            TextConfig t = vlm.config().textConfig();
            long[] ids = new long[batch * seq];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < seq; i++) {
                    int id;
                    do {
                        id = random.nextInt(t.vocabSize());
                    } while (id == vlm.config().imageTokenId());
                    ids[b * seq + i] = i >= 1 && i <= imageTokens ? vlm.config().imageTokenId() : id;
                }
            }
            NDArray inputIds = m.create(ids, new Shape(batch, seq));
            NDArray pixels = m.randomNormal(new Shape(tiles, vlm.config().visionConfig().numChannels(), side, side));
            NDArray targets = m.create(ids, new Shape(batch * seq));
            long rssBefore = LossBench.status("VmRSS");
            long t0 = System.nanoTime();
            long afterForward;
            LiveArrays live;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = vlm.forward(inputIds, pixels, null, null).logits();
                NDArray loss = vlm.policy().ops().crossEntropy(logits.reshape(batch * seq, t.vocabSize()), targets, -100);
                afterForward = LossBench.status("VmRSS");
                live = LiveArrays.of(m);
                gc.backward(loss);
                vlm.activationCheckpoints().backward();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            {
                out.printf("    memory: RSS %.0f MiB before the forward, %.0f MiB after it (+%.0f), %.0f MiB after the "
                                + "backward; peak so far %.0f MiB; step arrays alive after the forward: %s%n",
                        mib(rssBefore), mib(afterForward), mib(afterForward - rssBefore),
                        mib(LossBench.status("VmRSS")), mib(LossBench.status("VmHWM")), live);
            }
            return seconds;
        }
    }

    private static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }

    /** Seconds of one 2048 x 2048 x 2048 fp32 matmul (the median of three). */
    private static double gemm(NDManager root) {
        try (NDManager m = root.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(2048, 2048));
            NDArray b = m.randomNormal(new Shape(2048, 2048));
            a.matMul(b).close();
            double[] t = new double[3];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                a.matMul(b).close();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            return org.vlmdistill.vlmd.bench.Median.of(t);
        }
    }

    /** See the class comment. */
    static double stepFlops(VisionLanguageModel vlm, int batch, int seq, int imageTokens, int tilesPerImage) {
        long vision = vlm.components().get("vision").elements(n -> !n.contains("position_embedding")
                && !n.contains(".head.") && !n.contains("class_embedding"));
        long connector = vlm.components().get("connector").elements();
        long text = vlm.components().get("text").elements(n -> !n.contains("embed_tokens"));
        long lmHead = (long) vlm.config().textConfig().vocabSize() * vlm.config().textConfig().hiddenSize();
        VisionConfig v = vlm.config().visionConfig();
        TextConfig t = vlm.config().textConfig();
        long patches = v.numPatches();
        double perTile = 2.0 * vision * patches + 4.0 * v.numHiddenLayers() * patches * patches * v.hiddenSize();
        double perSequence = 2.0 * connector * imageTokens + 2.0 * (text + lmHead) * seq
                + 4.0 * t.numHiddenLayers() * (double) seq * seq * t.numAttentionHeads() * t.headDim();
        return 3.0 * batch * (perTile * tilesPerImage + perSequence);
    }
}
