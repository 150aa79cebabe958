package org.vlmdistill.decoder.generate;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.KvCache;
import org.vlmdistill.core.model.PaddingMask;
import org.vlmdistill.core.model.TextDecoder;
import org.vlmdistill.core.tensor.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Autoregressive generation with a KV cache over any {@link TextDecoder}: one prefill over the
 * prompt's embeddings (image features already merged in), then one token per step for every row of
 * the batch. Rows are left-padded, as HF's generate expects; the mask grows by one per step. A row
 * that has finished is fed {@code pad_token_id} until all have. Each step's arrays are freed when
 * the step ends (an {@link NDScope}); only the cache keeps anything.
 */
public final class Generator {
    private final TextDecoder decoder;
    private final TorchOps ops;

    public Generator(TextDecoder decoder, TorchOps ops) {
        this.decoder = decoder;
        this.ops = ops;
    }

    /**
     * @param inputsEmbeds  {@code [batch, seq, hidden]} the prompt, left-padded
     * @param attentionMask {@code [batch, seq]} 1 for tokens, 0 for padding, or null when none is padded
     * @return one result per row
     */
    public List<Generation> generate(NDArray inputsEmbeds, NDArray attentionMask, GenerationSettings settings) {
        int batch = Math.toIntExact(inputsEmbeds.getShape().get(0));
        int seq = Math.toIntExact(inputsEmbeds.getShape().get(1));
        NDManager manager = inputsEmbeds.getManager();
        long[] mask = attentionMask == null ? ones(batch * seq) : maskOf(attentionMask);
        Sampler sampler = new Sampler(settings);
        List<List<Integer>> tokens = new ArrayList<>();
        Generation[] done = new Generation[batch];
        for (int b = 0; b < batch; b++) {
            tokens.add(new ArrayList<>());
        }
        int length = seq;
        try (KvCache cache = decoder.newCache()) {
            float[][] logits;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                PaddingMask padding = PaddingMask.of(manager, mask, batch, length);
                NDArray hidden = decoder.forwardPadded(inputsEmbeds, padding, cache); // [batch, seq, hidden]
                logits = lastLogits(hidden.get(new NDIndex(":, -1:, :")), batch);
            }
            long[] next = new long[batch];
            for (int step = 0; ; step++) {
                int open = 0;
                for (int b = 0; b < batch; b++) {
                    if (done[b] != null) {
                        next[b] = settings.padTokenId();
                        continue;
                    }
                    int token = sampler.next(logits[b]);
                    next[b] = token;
                    if (settings.eosTokenIds().contains(token)) {
                        done[b] = new Generation(toArray(tokens.get(b)), Generation.FinishReason.EOS, token);
                        continue;
                    }
                    tokens.get(b).add(token);
                    if (step + 1 >= settings.maxNewTokens()) {
                        done[b] = new Generation(toArray(tokens.get(b)), Generation.FinishReason.MAX_NEW_TOKENS, -1);
                        continue;
                    }
                    open++;
                }
                if (open == 0) {
                    break;
                }
                mask = extend(mask, batch, length);
                length++;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray ids = manager.create(next, new Shape(batch, 1));
                    PaddingMask padding = PaddingMask.of(manager, mask, batch, length);
                    NDArray hidden = decoder.forwardPadded(decoder.embedTokens(ids), padding, cache); // [batch, 1, hidden]
                    logits = lastLogits(hidden, batch);
                }
            }
        }
        return List.of(done);
    }

    /** fp32 logits of {@code hidden} {@code [batch, 1, hidden]}, one row per batch entry. */
    private float[][] lastLogits(NDArray hidden, int batch) {
        NDArray logits = decoder.lmHead(hidden); // [batch, 1, vocab]
        if (ops.dtypeOf(logits) != DType.F32) {
            logits = ops.cast(logits, DType.F32);
        }
        float[] flat = HostReads.floats(logits, "next-token logits to sample from");
        int vocab = flat.length / batch;
        float[][] rows = new float[batch][];
        for (int b = 0; b < batch; b++) {
            rows[b] = Arrays.copyOfRange(flat, b * vocab, (b + 1) * vocab);
        }
        return rows;
    }

    private static long[] maskOf(NDArray attentionMask) {
        NDArray asLong = attentionMask.getDataType() == DataType.INT64
                ? attentionMask : attentionMask.toType(DataType.INT64, false);
        long[] m = HostReads.longs(asLong, "the prompt's attention mask");
        if (asLong != attentionMask) {
            asLong.close();
        }
        return m;
    }

    private static long[] ones(int n) {
        long[] m = new long[n];
        Arrays.fill(m, 1);
        return m;
    }

    /** [batch, length] to [batch, length + 1] with a 1 appended to each row. */
    private static long[] extend(long[] mask, int batch, int length) {
        long[] out = new long[batch * (length + 1)];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(mask, b * length, out, b * (length + 1), length);
            out[b * (length + 1) + length] = 1;
        }
        return out;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
