package org.vlmdistill.distill.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.PaddingMask;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.core.model.VisionLanguageModel;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.datasets.batch.Batch;

/**
 * One model's forward over its side of a step's batch, as the student (under autograd) and the online
 * teacher (without) both run it: ids and attention mask as int64 {@code [B, T]}, the batch's images
 * in the model's dtype, the decoder's last hidden states, and the rows the loss reads.
 */
public final class BatchForward {
    private BatchForward() {
    }

    /**
     * The last hidden states at {@code flatIndex} (positions {@code b * T + i}), {@code [N, hidden]},
     * made in {@code manager}; recorded by autograd when a collector is open.
     */
    public static NDArray lastHiddenAt(VisionLanguageModel model, Batch<PixelValues> batch, long[] flatIndex,
                                       NDManager manager) {
        ComputePolicy policy = model.policy();
        int b = batch.size();
        int t = batch.sequenceLength();
        NDArray ids = manager.create(toLong(batch.inputIds()), new Shape(b, t));
        // padding and image tokens are counted here, on the host, so the forward reads nothing back
        PaddingMask mask = PaddingMask.of(manager, batch.attentionMask(), b, t);
        long imageTokens = count(batch.inputIds(), model.config().imageTokenId());
        NDArray pixels = StepBatch.pixels(batch, manager);
        if (pixels != null && policy.computeDType() != DType.F32) {
            pixels = policy.ops().cast(pixels, policy.computeDType());
        }
        NDArray hidden = model.textDecoder().forwardPadded(model.inputEmbeddings(ids, pixels, imageTokens), mask, null);
        long h = hidden.getShape().get(2);
        return hidden.reshape((long) b * t, h).get(new NDIndex("{}", manager.create(flatIndex)));
    }

    private static long count(int[] ids, int id) {
        long n = 0;
        for (int x : ids) {
            n += x == id ? 1 : 0;
        }
        return n;
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
