package org.vlmdistill.distill.loss;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import org.vlmdistill.core.tensor.Scalars;

/**
 * Row-wise pieces the closed-form losses share. Every array is {@code [n, V]} (or {@code [n, 1]} for
 * per-row values); any floating dtype works (tests run them in fp64 for finite differences).
 */
final class LossMath {
    private LossMath() {
    }

    /**
     * {@code v} as a 0-d array of {@code x}'s precision, for {@code x.mul(...)} and the like: a mixed-dtype
     * element-wise op falls off libtorch's vectorized path (measured: about 10x slower on [1024, 32000]
     * fp32), and a Java number handed to DJL leaves autograd a constant in freed memory (see
     * {@link Scalars}), which the autograd reference ({@code NaiveLoss}, in the tests) would meet.
     */
    static NDArray like(NDArray x, double v) {
        return Scalars.like(x, v);
    }

    /** {@code sum_v x[:, v]} as {@code [n, 1]}. */
    static NDArray rowSum(NDArray x) {
        return x.sum(new int[]{1}, true);
    }

    /**
     * The gradient with respect to the logits s of a loss L(q), q = softmax(s), given
     * {@code u = q * dL/dq}: {@code u - q * sum(u)}.
     */
    static NDArray softmaxBackward(NDArray u, NDArray q) {
        return u.sub(q.mul(rowSum(u)));
    }

    /** {@code x} where {@code keep}, else 0: so that {@code 0 * (-inf)} never becomes NaN. */
    static NDArray keep(NDArray keep, NDArray x) {
        return NDArrays.where(keep, x, x.getManager().create(0.0).toType(x.getDataType(), false));
    }

    /** {@code log(exp(a) + exp(b))}, exact where one side or both are {@code -inf}. */
    static NDArray logAddExp(NDArray a, NDArray b) {
        NDArray m = a.maximum(b);
        NDArray finite = keep(m.isInfinite().logicalNot(), m);
        return finite.add(a.sub(finite).exp().add(b.sub(finite).exp()).log());
    }

    /** {@code q > 0} element-wise: where a term {@code q * f(log q)} takes its limit 0 at {@code q = 0}. */
    static NDArray positive(NDArray q) {
        return q.gt(like(q, 0));
    }

    /** {@code log sum_v exp(x[:, v])} as {@code [n, 1]}; {@code -inf} for a row that is all {@code -inf}. */
    static NDArray logSumExp(NDArray x) {
        NDArray m = x.max(new int[]{1}, true);
        NDArray finite = keep(m.isInfinite().logicalNot(), m);
        return finite.add(rowSum(x.sub(finite).exp()).log());
    }

    /** {@code x[i, labels[i]]} as {@code [n, 1]}. */
    static NDArray pick(NDArray x, NDArray labels) {
        return x.gather(labels.reshape(-1, 1), 1);
    }

    /** One-hot rows of the labels in {@code like}'s dtype, {@code [n, V]}. */
    static NDArray oneHot(NDArray labels, NDArray like) {
        return labels.oneHot(Math.toIntExact(like.getShape().get(1)), like.getDataType());
    }

    /** The sum of every element, in double: one read of the device per call (composed path only). */
    static double total(NDArray x) {
        return HostReads.scalarDouble(x.sum().toType(DataType.FLOAT64, false), "a composed loss term's sum");
    }

    /** {@code p (log p - log q)} element-wise, 0 where {@code p = 0} (its limit, whatever log q is). */
    static NDArray klTerms(NDArray p, NDArray logP, NDArray logQ) {
        return keep(positive(p), p.mul(logP.sub(logQ)));
    }

    /** {@code sum_v p (log p - log q)} per row, 0 where {@code p = 0}. */
    static NDArray kl(NDArray p, NDArray logP, NDArray logQ) {
        return rowSum(klTerms(p, logP, logQ));
    }

    static void requireTeacher(LossChunk chunk, String name) {
        if (chunk.teacher() == null) {
            throw new IllegalArgumentException(name + " needs the teacher's rows");
        }
    }
}
