package org.vlmdistill.decoder.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.config.Qwen2Config;
import org.vlmdistill.core.config.TextConfig;
import org.vlmdistill.core.model.KvCache;
import org.vlmdistill.core.model.PaddingMask;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.model.Weights;
import org.vlmdistill.core.nn.Activations;
import org.vlmdistill.core.nn.Embedding;
import org.vlmdistill.core.nn.RmsNorm;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.HostReads;
import org.vlmdistill.decoder.cache.DynamicKvCache;
import org.vlmdistill.decoder.rope.Rope;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code LlamaModel} / {@code Qwen2Model} / {@code InternLM2Model} and the head of
 * {@code *ForCausalLM}: token embedding, {@code num_hidden_layers} pre-norm blocks, the final RMSNorm.
 * Qwen2 differs only in its biases, which {@link TextConfig#qkvBias()} and friends say; InternLM2 in
 * its tensor names and packed q/k/v ({@link DecoderLayout}) and its stateful dynamic RoPE
 * ({@link Rope#takesKeyLength()}). Computes in the parameters' dtype.
 *
 * <p>Tensors ({@link DecoderLayout#LLAMA}), relative to {@code body}: {@code embed_tokens.weight},
 * {@code layers.N.self_attn.{q,k,v,o}_proj.{weight,bias}}, {@code layers.N.mlp.{gate,up,down}_proj.weight},
 * {@code layers.N.{input,post_attention}_layernorm.weight}, {@code norm.weight}; {@code lm_head.weight}
 * relative to {@code head} unless tied.
 */
public final class LlamaTextDecoder implements TextDecoder {
    private final TextConfig config;
    private final Embedding embedTokens;        // [vocab, hidden]
    private final List<LlamaDecoderLayer> layers;
    private final RmsNorm norm;                 // [hidden]
    private final NDArray lmHeadWeight;         // [vocab, hidden], embed_tokens' when tied
    private final Rope rope;
    private final LlamaRotaryEmbedding rotaryEmb;
    private final TorchOps ops;
    private final DType dtype;
    private final DecoderLayout layout;

    /** A decoder with Llama's tensor names ({@link DecoderLayout#LLAMA}). */
    public LlamaTextDecoder(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings) {
        this(config, body, head, tieWordEmbeddings, DecoderLayout.LLAMA);
    }

    /** A decoder whose tensors are named and whose q/k/v are projected as {@code layout} says. */
    public LlamaTextDecoder(TextConfig config, Weights body, Weights head, boolean tieWordEmbeddings,
                            DecoderLayout layout) {
        this.config = Objects.requireNonNull(config, "config");
        this.layout = Objects.requireNonNull(layout, "layout");
        rejectSlidingWindow(config);
        Activations.check("hidden_act", config.hiddenAct());
        rope = Rope.of(config);
        ops = body.ops();
        dtype = body.dtype();
        embedTokens = Embedding.take(body, layout.embedTokens(), config.vocabSize(), config.hiddenSize(),
                config.initializerRange());
        List<LlamaDecoderLayer> list = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            list.add(new LlamaDecoderLayer(config, body.at("layers." + i + "."), i, layout));
        }
        layers = List.copyOf(list);
        norm = RmsNorm.take(body, "norm", config.hiddenSize(), config.rmsNormEps());
        String lmHead = layout.lmHead() + ".weight";
        if (tieWordEmbeddings) {
            head.ignore(lmHead);
            lmHeadWeight = embedTokens.weight();
        } else {
            lmHeadWeight = head.take(lmHead, org.vlmdistill.core.model.Init.normal(config.initializerRange()),
                    config.vocabSize(), config.hiddenSize());
        }
        rotaryEmb = new LlamaRotaryEmbedding(rope, ops);
    }

    /** Sliding-window attention is not implemented: refuse a config that turns it on. */
    private static void rejectSlidingWindow(TextConfig config) {
        if (config instanceof Qwen2Config q) {
            if (q.useSlidingWindow()) {
                throw new IllegalArgumentException("qwen2: use_sliding_window is true (sliding_window "
                        + q.slidingWindow() + "); sliding-window attention is not supported here, only full "
                        + "attention (real Qwen2 checkpoints set use_sliding_window false)");
            }
            int i = q.layerTypes().indexOf(Qwen2Config.SLIDING_ATTENTION);
            if (i >= 0) {
                throw new IllegalArgumentException("qwen2: layer_types[" + i + "] is " + Qwen2Config.SLIDING_ATTENTION
                        + "; sliding-window attention is not supported here");
            }
        }
    }

    @Override
    public TextConfig config() {
        return config;
    }

    @Override
    public NDArray embedTokens(NDArray inputIds) {
        return embedTokens.forward(inputIds);
    }

    /** As {@link #forwardPadded}; whether the mask pads is one read of the device. */
    @Override
    public NDArray forward(NDArray inputsEmbeds, NDArray attentionMask, KvCache cache) {
        return forwardPadded(inputsEmbeds, attentionMask == null ? null : PaddingMask.read(attentionMask), cache);
    }

    /**
     * Positions and the attention mask are built on the model's device from the padding mask: nothing
     * is read back, except the largest position for a RoPE whose frequencies depend on it
     * ({@link Rope#dependsOnLength}: transformers' dynamic scaling past {@code max_position_embeddings}).
     * A rope that {@link Rope#takesKeyLength() takes the key length} (InternLM2's) gets
     * {@code past + seq}, padding included, as the reference's {@code kv_seq_len}.
     */
    @Override
    public NDArray forwardPadded(NDArray inputsEmbeds, PaddingMask padding, KvCache cache) {
        Shape shape = inputsEmbeds.getShape();
        if (shape.dimension() != 3 || shape.get(2) != config.hiddenSize()) {
            throw new IllegalArgumentException("inputs_embeds must be [batch, seq, " + config.hiddenSize()
                    + "], got " + shape);
        }
        DynamicKvCache kv = null;
        if (cache != null) {
            if (!(cache instanceof DynamicKvCache d) || d.numLayers() != layers.size()) {
                throw new IllegalArgumentException("KV cache was not made by this decoder's newCache()");
            }
            kv = d;
        }
        int batch = Math.toIntExact(shape.get(0));
        int seq = Math.toIntExact(shape.get(1));
        int past = kv == null ? 0 : kv.length();
        if (padding != null) {
            checkMask(padding.mask(), batch, past + seq);
        }
        NDManager manager = inputsEmbeds.getManager();
        // an unpadded mask means what no mask means: positions past + arange(seq), causal attention
        NDArray keyMask = padding != null && padding.padded() ? padding.mask().neq(0) : null; // [batch, past + seq]

        NDArray positions = positionIds(manager, keyMask, batch, seq, past);
        long upper = Math.max(past + seq, 2); // >= the largest position + 1 (a padded position is 1)
        long seqLen = keyMask == null || rope.takesKeyLength() ? past + seq
                : rope.dependsOnLength(upper)
                ? HostReads.scalarLong(positions.max(), "the largest position, for dynamic RoPE") + 1 : upper;
        NDArray[] cosSin = rotaryEmb.cosSin(manager, positions, seqLen, dtype); // [batch, 1, seq, head_dim] each
        AttentionMask attnMask = attentionMask(manager, keyMask, batch, seq, past);

        NDArray h = inputsEmbeds;
        for (LlamaDecoderLayer layer : layers) {
            h = layer.forward(h, cosSin[0], cosSin[1], attnMask, kv);
        }
        return norm.forward(h);
    }

    private static void checkMask(NDArray attentionMask, int batch, int total) {
        Shape s = attentionMask.getShape();
        if (s.dimension() != 2 || s.get(0) != batch || s.get(1) != total) {
            throw new IllegalArgumentException("attention_mask must be [batch, past + seq] = [" + batch + ", "
                    + total + "], got " + s);
        }
    }

    /**
     * {@code [batch, seq]} int64: {@code cumsum(mask) - 1} with 1 at masked positions (HF's generate),
     * over the whole {@code past + seq}, this call's last {@code seq}; {@code past + arange(seq)}
     * without a mask.
     *
     * @param keyMask {@code [batch, past + seq]} boolean, true for a token; null when nothing is padded
     */
    static NDArray positionIds(NDManager manager, NDArray keyMask, int batch, int seq, int past) {
        if (keyMask == null) {
            return manager.arange(past, past + seq, 1, DataType.INT64).reshape(1, seq)
                    .broadcast(new Shape(batch, seq));
        }
        NDArray count = keyMask.toType(DataType.INT64, false).cumSum(1);
        NDArray positions = NDArrays.where(keyMask, count.sub(1), count.onesLike());
        return positions.get(new NDIndex(":, {}:", past));
    }

    /**
     * Causal when nothing is padded and nothing is cached; else an explicit
     * {@code [batch, 1, seq, past + seq]} mask: query i (at {@code past + i}) sees key j when
     * {@code j <= past + i} and j is not padding. A query that would see nothing (a left-padding
     * position) sees every key instead, as HF's sdpa path does, so that its output stays finite.
     *
     * @param keyMask {@code [batch, past + seq]} boolean, true for a token; null when nothing is padded
     */
    static AttentionMask attentionMask(NDManager manager, NDArray keyMask, int batch, int seq, int past) {
        if (keyMask == null && past == 0) {
            return AttentionMask.causal();
        }
        int total = past + seq;
        NDArray key = manager.arange(0, total, 1, DataType.INT64).reshape(1, total);
        NDArray query = manager.arange(past, total, 1, DataType.INT64).reshape(seq, 1);
        NDArray keep = key.lte(query).reshape(1, 1, seq, total); // causal
        keep = keyMask == null ? keep.broadcast(new Shape(batch, 1, seq, total))
                : keep.logicalAnd(keyMask.reshape(batch, 1, 1, total));
        NDArray seesNothing = keep.toType(DataType.INT32, false).max(new int[]{3}, true).eq(0); // [batch, 1, seq, 1]
        return new AttentionMask.Bool(keep.logicalOr(seesNothing));
    }

    @Override
    public NDArray lmHead(NDArray hidden) {
        return ops.linear(hidden, lmHeadWeight, null);
    }

    @Override
    public NDArray lmHeadWeight() {
        return lmHeadWeight;
    }

    @Override
    public String lmHeadName() {
        return layout.lmHead();
    }

    /** The tensor names and q/k/v projection this decoder was built with. */
    public DecoderLayout layout() {
        return layout;
    }

    @Override
    public KvCache newCache() {
        return new DynamicKvCache(layers.size(), NDManager.newBaseManager(lmHeadWeight.getDevice()));
    }

    /** The parameters' dtype, in which this decoder computes. */
    public DType dtype() {
        return dtype;
    }
}
