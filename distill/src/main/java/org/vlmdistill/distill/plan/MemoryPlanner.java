package org.vlmdistill.distill.plan;

import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.config.VisionConfig;
import org.vlmdistill.core.tensor.DType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The memory a distillation run needs on its one device, from configs alone, as this toolkit's
 * trainer holds it (docs/methods.md, "Will it fit?"). {@code a} is the compute dtype's bytes (4 fp32,
 * 2 bf16); parameters are held in it.
 *
 * <p><b>Resident</b> for the whole run: student weights ({@code P x a}), gradients of the trainable
 * ones ({@code P_train x a}: libtorch keeps them between steps and the optimizer zeroes them in
 * place), AdamW's fp32 moments ({@code 2 x P_train x 4}), fp32 master weights where parameters are
 * not fp32 ({@code P_train x 4}, AdamWOptimizer), and an online teacher's weights ({@code P_teacher x a}).
 *
 * <p><b>Phases</b> of a step, each on top of the resident state; the peak is the largest:
 * <ul>
 *   <li>the teacher's forward without gradient: no autograd graph, but the forward runs inside one
 *   NDScope, so every array of every layer lives until it returns (measured, docs/methods.md);</li>
 *   <li>the student's forward, loss and backward: every array the forward makes (the micro-batch's
 *   NDScope holds them all until it closes, whether autograd saved them or not, a frozen tower's
 *   too; no activation checkpointing: the toolkit has none), the teacher's rows, the chunked loss's
 *   arrays and the backward's working set;</li>
 *   <li>the gradient norm: every trainable gradient cast to fp32 and squared, all held until the
 *   step's scope closes ({@code P_train x 8});</li>
 *   <li>the AdamW update: scratch for the largest trainable tensor.</li>
 * </ul>
 *
 * <p>Per decoder layer, with {@code T = B x S} tokens, {@code q = heads x head_dim},
 * {@code kv = kv_heads x head_dim}: two RMS norms {@code T H (12 + (a == 4 ? 0 : 2a))} each (x^2, x/rms,
 * x weight in fp32, plus the fp32 copy and the cast back for bf16); q's projection, RoPE's products,
 * rotate_half's negated half and concatenation, the rotated q, the attention output and its contiguous
 * copy {@code 7.5 T q a}; the same RoPE arrays for k and v's projection {@code 6.5 T kv a}; the output
 * projection and two residual sums, the MLP's down projection {@code 4 T H a}; gate, activation, up and
 * product {@code 4 T I a} (a composed tanh GELU makes 8 more {@code T x I}, QuickGELU 2); the fused
 * attention's log-sum-exp {@code B heads S 4} (no S x S probabilities). Per vision layer
 * ({@code T_v = B x tiles x positions}): two composed layer norms {@code T_v H_v (20 + (a == 4 ? 0 : 4 + a))}
 * each; q, k, v, the attention output, its copy, the output projection, the MLP's second projection
 * and two residual sums {@code 9 T_v H_v a}; layer scale's products {@code 2 T_v H_v a} where there is
 * one; the MLP's first projection and activation {@code 2 T_v I_v a} (plus the activation's own).
 */
public final class MemoryPlanner {
    /** fp32 {@code [chunk, V]} arrays TAID's composed form holds at once (ChunkedLoss on a GPU). */
    static final int COMPOSED_CHUNK_ARRAYS = 18;
    /** bool {@code [chunk, V]} arrays of the composed form (finite masks). */
    static final int COMPOSED_CHUNK_MASKS = 2;
    /** fp32 scratch arrays of the largest tensor's size during ComposedOps' AdamW update. */
    static final int ADAMW_SCRATCH = 5;
    /** Bytes per kept entry of a top-k cache row: an int id and a float log-probability, twice over while decoded. */
    static final int CACHE_ENTRY_BYTES = 12;

    private MemoryPlanner() {
    }

    /** The estimate, with the suggestions that lower its peak where it does not fit. */
    public static MemoryEstimate estimate(PlanInputs in) {
        MemoryEstimate base = compute(in, List.of());
        if (base.fits()) {
            return base;
        }
        return compute(in, suggestions(in, base.peakBytes()));
    }

    private static MemoryEstimate compute(PlanInputs in, List<Suggestion> suggestions) {
        ModelShape s = in.student();
        Workload w = in.workload();
        int a = in.target().dtype().byteSize();
        long p = s.total();
        long pt = s.trainable();
        List<MemoryItem> resident = new ArrayList<>();
        resident.add(new MemoryItem("student weights, trainable", pt * a, "P_train " + pt + " x " + a));
        resident.add(new MemoryItem("student weights, frozen", (p - pt) * a, "P_frozen " + (p - pt) + " x " + a));
        resident.add(new MemoryItem("gradients", pt * a, "P_train x " + a));
        resident.add(new MemoryItem("AdamW moments (fp32 m, v)", pt * 8, "P_train x 2 x 4"));
        resident.add(new MemoryItem("AdamW fp32 master weights", a == 4 ? 0 : pt * 4,
                a == 4 ? "none: parameters are fp32" : "P_train x 4"));
        long teacherP = in.teacher() instanceof TeacherSide.Online(ModelShape t) ? t.total() : 0;
        resident.add(new MemoryItem("teacher weights (no gradient)", teacherP * a, switch (in.teacher()) {
            case TeacherSide.Online o -> "P_teacher " + teacherP + " x " + a;
            case TeacherSide.Cached c -> "none: top-" + c.topK() + " cache";
            case TeacherSide.None n -> "none: no teacher";
        }));

        List<MemoryPhase> phases = new ArrayList<>();
        if (in.teacher() instanceof TeacherSide.Online(ModelShape t)) {
            // no autograd, but the forward runs in one scope: every layer's arrays live until it returns
            phases.add(new MemoryPhase("teacher forward", List.of(
                    new MemoryItem("teacher activations, vision tower", visionActivations(t, w, a), t.vision().numHiddenLayers()
                            + " layers, held until the forward returns"),
                    new MemoryItem("teacher activations, connector", connectorActivations(t, w, a), "as the student's"),
                    new MemoryItem("teacher activations, decoder", decoderActivations(t.text(), w, a), t.text().numHiddenLayers()
                            + " layers x " + MemoryEstimate.gib(decoderLayer(t.text(), w, a))),
                    new MemoryItem("last hidden states", w.tokens() * t.text().hiddenSize() * a,
                            "B x S x H_t " + t.text().hiddenSize() + " x " + a))));
        }
        phases.add(studentStep(in, a));
        phases.add(new MemoryPhase("gradient norm", List.of(new MemoryItem("fp32 copies and squares of the gradients",
                pt * 8, "P_train x (4 + 4), held until the step's scope closes"))));
        phases.add(new MemoryPhase("AdamW update", List.of(new MemoryItem("scratch of the largest tensor",
                s.largestTrainable() * (ADAMW_SCRATCH * 4L + (a == 4 ? 0 : 4 + a)),
                "largest " + s.largestTrainable() + " x (" + ADAMW_SCRATCH + " x 4" + (a == 4 ? ")" : " + 4 + " + a + ")")))));
        List<String> assumptions = List.of("every sample " + w.sequenceLength() + " tokens long and every position a"
                        + " loss row", "no activation checkpointing (the toolkit has none)",
                "fused attention (no S x S probabilities kept)", "one device holds student, teacher and optimizer",
                "the allocator's fragmentation and the runtime's own memory are not counted");
        return new MemoryEstimate(in, resident, phases, suggestions, assumptions);
    }

    /** The student's forward under autograd, the loss over its rows, and the backward. */
    private static MemoryPhase studentStep(PlanInputs in, int a) {
        ModelShape s = in.student();
        Workload w = in.workload();
        TextConfig text = s.text();
        long tokens = w.tokens();
        long h = text.hiddenSize();
        List<MemoryItem> items = new ArrayList<>();
        // every array the forward makes lives until the micro-batch's scope closes: a frozen tower's too
        long vision = visionActivations(s, w, a);
        items.add(new MemoryItem("activations, vision tower", vision, s.vision().numHiddenLayers()
                + " layers x " + MemoryEstimate.gib(visionLayer(s, w, a)) + " + pixels; T_v = B x " + w.tilesPerSample()
                + " tiles x " + s.visionPositionsPerTile() + " positions"));
        long connector = connectorActivations(s, w, a);
        items.add(new MemoryItem("activations, connector", connector, "B x tiles x " + s.imageTokensPerTile()
                + " tokens x its layers' widths"));
        long decoder = decoderActivations(text, w, a);
        items.add(new MemoryItem("activations, decoder", decoder, text.numHiddenLayers() + " layers x "
                + MemoryEstimate.gib(decoderLayer(text, w, a)) + " + final norm + RoPE + mask B x S^2"));
        long rows = tokens; // every position a loss row: the upper bound
        long teacherRows = switch (in.teacher()) {
            case TeacherSide.Online(ModelShape t) -> rows * t.text().hiddenSize() * a;
            case TeacherSide.Cached c -> rows * c.topK() * CACHE_ENTRY_BYTES;
            case TeacherSide.None n -> 0;
        };
        items.add(new MemoryItem("teacher rows", teacherRows, switch (in.teacher()) {
            case TeacherSide.Online(ModelShape t) -> "N x H_t " + t.text().hiddenSize() + " x " + a;
            case TeacherSide.Cached c -> "N x top-" + c.topK() + " x " + CACHE_ENTRY_BYTES;
            case TeacherSide.None n -> "none";
        }));
        items.add(loss(in, a, rows));
        long backward = Math.max(s.belowHeadTrainable() ? decoderLayer(text, w, a) : 0,
                s.visionTrainable() ? visionLayer(s, w, a) : 0);
        items.add(new MemoryItem("backward working set", backward, "one layer's activations' gradients"));
        return new MemoryPhase("student forward, loss, backward", items);
    }

    /**
     * ChunkedLoss on the hidden path: fp32 copy of the lm_head rows ({@code V x H x 4}, none for fp32),
     * {@code d/dW} ({@code V x H x 4}) and each chunk's {@code g^T h} product of the same size,
     * {@code d/dh} ({@code N x H x 4}), the student's rows {@code N x H x a}, and one chunk's
     * {@code [c, V]} arrays: on the CPU the fused kernel writes the gradient over the chunk's fp32
     * logits (one array, nothing more); on a GPU TAID's composed form holds {@value COMPOSED_CHUNK_ARRAYS}
     * fp32 and {@value COMPOSED_CHUNK_MASKS} bool arrays; plus the teacher's chunk (fp32, and its
     * {@code a}-byte projection where a is not 4). After the chunks: {@code d/dW} cast to {@code a}
     * (no copy in fp32), its product with the weight {@code V x H x a} and the rows' {@code N x H x a},
     * which outlive the transient.
     */
    private static MemoryItem loss(PlanInputs in, int a, long rows) {
        long v = in.sharedVocab();
        long h = in.student().text().hiddenSize();
        Workload w = in.workload();
        long c = Math.min(w.lossChunk(), rows);
        boolean gpu = in.target().gpu();
        long headCopy = a == 4 ? 0 : v * h * 4;
        long dWeight = v * h * 4;
        long dHidden = rows * h * 4;
        long studentRows = rows * h * a;
        long perChunkEntry = gpu ? COMPOSED_CHUNK_ARRAYS * 4L + COMPOSED_CHUNK_MASKS : 4;
        long teacherChunk = switch (in.teacher()) {
            case TeacherSide.Online o -> 4 + (a == 4 ? 0 : a);
            case TeacherSide.Cached cached -> gpu ? 4 : 0; // the fused kernel reads the sparse rows
            case TeacherSide.None n -> 0;
        };
        long chunk = c * v * (perChunkEntry + teacherChunk);
        long during = dWeight + chunk; // the transient g^T h product beside the chunk
        long after = (a == 4 ? 0 : v * h * a) + v * h * a + rows * h * a; // fp32: d/dW is used as it is
        long bytes = headCopy + dWeight + dHidden + studentRows + Math.max(during, after);
        String formula = String.format(Locale.ROOT, "V %d x H %d x (%s4 + 4) + N x H x (4 + %d) + chunk %d x V x %d%s",
                v, h, a == 4 ? "" : "4 + ", a, c, perChunkEntry + teacherChunk, gpu ? " (composed)" : " (fused)");
        return new MemoryItem("chunked loss", bytes, formula);
    }

    /**
     * What one decoder layer's forward leaves alive (the class comment's formula): every array it makes
     * stays until the micro-batch's scope closes, whether autograd saved it or not.
     */
    static long decoderLayer(TextConfig t, Workload w, int a) {
        long tokens = w.tokens();
        long h = t.hiddenSize();
        long q = (long) t.numAttentionHeads() * t.headDim();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        long mlp = (4L + activationExtra(t.hiddenAct())) * t.intermediateSize();
        return tokens * (2 * rmsNorm(a) * h + a * ((15 * q + 13 * kv) / 2 + 4 * h + mlp))
                + (long) w.microBatch() * t.numAttentionHeads() * w.sequenceLength() * 4;
    }

    /** Bytes per element an RMS norm leaves: x^2, x / rms and x weight in fp32 (12); a bf16 input adds its fp32 copy and the cast back. */
    static long rmsNorm(int a) {
        return 12 + (a == 4 ? 0 : 2L * a);
    }

    /** A composed layer norm: centered, squared, normalized, x weight, + bias in fp32 (20); bf16 adds the copy and the cast back. */
    static long layerNorm(int a) {
        return 20 + (a == 4 ? 0 : 4L + a);
    }

    /** What one vision layer's forward leaves alive (the class comment's formula). */
    static long visionLayer(ModelShape s, Workload w, int a) {
        VisionConfig v = s.vision();
        long images = (long) w.microBatch() * w.tilesPerSample();
        long tokens = images * s.visionPositionsPerTile();
        long h = v.hiddenSize();
        long perToken = 2 * h * layerNorm(a) + a * (9 * h + (s.visionLayerScale() ? 2 * h : 0)
                + (2L + activationExtra(v.hiddenAct())) * v.intermediateSize());
        return tokens * perToken + images * v.numAttentionHeads() * s.visionPositionsPerTile() * 4;
    }

    /** Every decoder layer's, the final norm, RoPE's cos and sin, the bool mask {@code [B, 1, S, S]}. */
    static long decoderActivations(TextConfig t, Workload w, int a) {
        long tokens = w.tokens();
        return t.numHiddenLayers() * decoderLayer(t, w, a) + tokens * t.hiddenSize() * rmsNorm(a)
                + 2L * tokens * t.headDim() * a + (long) w.microBatch() * w.sequenceLength() * w.sequenceLength();
    }

    /** Every vision layer's, plus the pixels the patch embedding keeps. */
    static long visionActivations(ModelShape s, Workload w, int a) {
        VisionConfig v = s.vision();
        long pixels = (long) w.microBatch() * w.tilesPerSample() * v.numChannels() * v.imageSize() * v.imageSize() * a;
        return v.numHiddenLayers() * visionLayer(s, w, a) + pixels;
    }

    /** Each connector layer keeps its input (a norm: its fp32 centered and normalized copies too) and output. */
    static long connectorActivations(ModelShape s, Workload w, int a) {
        long tokens = (long) w.microBatch() * w.tilesPerSample() * s.imageTokensPerTile();
        long perToken = 0;
        for (long[] layer : s.connectorLayers()) {
            perToken += layer[1] == 0 ? layer[0] * (8 + a) : (layer[0] + layer[1]) * a;
        }
        return tokens * perToken;
    }

    /**
     * [T, I]-sized arrays a composed activation makes beyond its one output (Activations' forms). The
     * tanh GELU: ComposedOps' sigmoid form makes 5 (x^2, B x^2, u = A + B x^2, x u, the sigmoid; autograd
     * keeps u and the sigmoid); the bridge's aten::gelu none. The plan takes the composed count.
     */
    static int activationExtra(String act) {
        return switch (act.toLowerCase(Locale.ROOT)) {
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> 5;
            case "quick_gelu" -> 2;
            default -> 0; // silu, gelu (erf), relu: one libtorch op saving its input
        };
    }

    /**
     * Each change alone, and how much it lowers the peak: half the micro-batch (twice the accumulation,
     * the same optimizer batch), half the length, the teacher from a cache, bf16, a frozen tower, a
     * quarter of the loss chunk.
     */
    private static List<Suggestion> suggestions(PlanInputs in, long peak) {
        List<Suggestion> out = new ArrayList<>();
        Workload w = in.workload();
        if (w.microBatch() > 1) {
            int half = w.microBatch() / 2;
            add(out, peak, "batch_size " + w.microBatch() + " -> " + half + " and gradient_accumulation_steps x "
                    + (w.microBatch() / half) + " (the same optimizer batch)",
                    in.withWorkload(new Workload(half, w.sequenceLength(), w.tilesPerSample(), w.lossChunk())));
        }
        if (w.sequenceLength() > 8) {
            int half = Math.max(8, w.sequenceLength() / 2);
            add(out, peak, "max_tokens " + w.sequenceLength() + " -> " + half + " (longer samples are skipped)",
                    in.withWorkload(new Workload(w.microBatch(), half, w.tilesPerSample(), w.lossChunk())));
        }
        if (in.teacher() instanceof TeacherSide.Online) {
            add(out, peak, "teacher logits from a cache (vlmd teacher-logits, then teacher_cache; top-50)",
                    in.withTeacher(new TeacherSide.Cached(50)));
        }
        if (in.target().dtype() != DType.BF16) {
            add(out, peak, "compute.dtype bf16" + (in.target().gpu() ? "" : " (on a GPU; the CPU is slow at it)"),
                    in.withDType(DType.BF16));
        }
        ModelShape s = in.student();
        if (s.visionTrainable()) {
            long visionParams = s.parameters().getOrDefault("vision", 0L);
            ModelShape frozen = new ModelShape(s.modelType(), s.text(), s.vision(), s.parameters(),
                    Math.max(0, s.trainable() - visionParams), s.largestTrainable(), false, s.connectorTrainable(),
                    s.belowHeadTrainable(), s.visionClassToken(), s.visionLayerScale(), s.connectorLayers(),
                    s.imageTokensPerTile());
            add(out, peak, "freeze: [\"vision\"] (the tower keeps no activations, gradients or moments)",
                    in.withStudent(frozen));
        }
        if (w.lossChunk() > 64) {
            int quarter = Math.max(64, w.lossChunk() / 4);
            add(out, peak, "loss.chunk_size " + w.lossChunk() + " -> " + quarter,
                    in.withWorkload(new Workload(w.microBatch(), w.sequenceLength(), w.tilesPerSample(), quarter)));
        }
        out.sort(Comparator.comparingLong(Suggestion::savingBytes).reversed());
        return out;
    }

    private static void add(List<Suggestion> out, long peak, String change, PlanInputs changed) {
        long saving = peak - compute(changed, List.of()).peakBytes();
        if (saving > 0) {
            out.add(new Suggestion(change, saving));
        }
    }
}
