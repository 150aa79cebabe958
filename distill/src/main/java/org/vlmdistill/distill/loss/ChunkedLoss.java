package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.Scalars;
import org.vlmdistill.distill.schedule.Schedule;

import java.util.Arrays;
import java.util.List;

/**
 * The loss of one micro-batch, chunk by chunk: for each run of {@code chunkSize} rows, the student's
 * logits (cut to the shared vocabulary {@code V}, cast to fp32, detached), the teacher's rows, the
 * distillation loss's value and closed-form gradient, and the LM cross entropy's ({@code softmax - onehot});
 * then the chunk's fp32 arrays are dropped. Extra memory is O(chunkSize x V) however many rows, plus
 * the one {@code [N, V]} gradient the surrogate holds on the logits path (none on the hidden path).
 *
 * <p>Reduction: masked token mean over the rows, as ../shared/design/TAID.md. Mixing:
 * {@code total = (1 - r) lm + r distil} with {@code r = distilRatio.at(step, total)}; a term whose
 * weight is 0 contributes no gradient (the LM value is always computed: it is cheap and logged), and
 * the teacher is not read when r is 0. SFT needs no teacher: its total is the LM loss, distil NaN.
 *
 * <p>Autograd: the result's surrogate is {@code sum(x * stopgrad(dTotal/dx))} over the student's
 * inputs x (logits, or hidden states and lm_head weight) plus the loss's own parameters, so
 * {@code backward(surrogate)} leaves exactly {@code d total / d theta} in every parameter's gradient.
 */
public final class ChunkedLoss {
    private final DistillationLoss loss;
    private final Schedule distilRatio;
    private final int chunkSize;
    private final TorchOps ops;

    /**
     * @param ops casts between the model's dtype and fp32; bf16 models need the libtorch bridge
     */
    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize, TorchOps ops) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, was " + chunkSize);
        }
        this.loss = loss;
        this.distilRatio = distilRatio;
        this.chunkSize = chunkSize;
        this.ops = ops;
    }

    /** With the libtorch bridge when the loaded libtorch has one, else DJL-composed ops (no bf16). */
    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize) {
        this(loss, distilRatio, chunkSize,
                LibTorchDispatcher.load().<TorchOps>map(BridgeOps::new).orElseGet(ComposedOps::new));
    }

    public DistillationLoss loss() {
        return loss;
    }

    public int chunkSize() {
        return chunkSize;
    }

    /**
     * @param student rows of the student, attached to autograd
     * @param teacher the teacher's rows, or null when the loss needs none (SFT) or the ratio is 0
     * @param labels  each row's label (the next token id), all {@code < vocab}
     * @param vocab   the shared vocabulary size V; both sides are cut to it
     * @return the means; with no rows, total 0, distil and lm NaN and a null surrogate
     */
    public LossResult compute(StudentRows student, TeacherLogits teacher, long[] labels, int vocab,
                              LossContext context) {
        int n = student.rows();
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " student rows but " + labels.length + " labels");
        }
        long studentVocab = switch (student) {
            case StudentRows.Logits l -> l.logits().getShape().get(1);
            case StudentRows.Hidden h -> h.headWeight().getShape().get(0);
        };
        if (vocab < 1 || vocab > studentVocab) {
            throw new IllegalArgumentException("shared vocabulary " + vocab + " outside [1, " + studentVocab + "]");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= vocab) {
                throw new IllegalArgumentException("row " + i + ": label " + labels[i] + " outside [0, " + vocab + ")");
            }
        }
        boolean distils = loss.needsTeacher();
        double ratio = distils ? distilRatio.at(context.optimizerStep(), context.totalSteps()) : 0.0;
        if (n == 0) {
            return new LossResult(0.0, Double.NaN, Double.NaN, ratio, 0, null);
        }
        boolean readTeacher = distils && ratio != 0;
        if (readTeacher && teacher == null) {
            throw new IllegalArgumentException(loss.name() + " at ratio " + ratio + " needs the teacher's rows");
        }
        Mix mix = new Mix(ratio, readTeacher, 1.0 / n, new double[loss.parameters().size()]);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray surrogate = switch (student) {
                case StudentRows.Logits l -> logitsPath(l.logits(), teacher, labels, vocab, context, mix);
                case StudentRows.Hidden h -> hiddenPath(h, teacher, labels, vocab, context, mix);
            };
            List<Parameter> params = loss.parameters();
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i).array();
                // not p.mul(float): autograd keeps the factor, see Scalars; like(p, ..) keeps it fp32
                surrogate = surrogate.add(p.mul(Scalars.like(p, mix.parameterGrads[i])).sum());
            }
            NDScope.unregister(surrogate);
            double lm = mix.lmSum / n;
            double distil = readTeacher ? mix.distilSum / n : Double.NaN;
            double total = readTeacher ? (1 - ratio) * lm + ratio * distil : lm;
            return new LossResult(total, distils ? distil : Double.NaN, lm, ratio, n, surrogate);
        }
    }

    /** Per-call accumulators and weights; the gradient of a row is {@code scale * ((1-r) dLM + r dD)}. */
    private static final class Mix {
        final double ratio;
        final boolean distil;
        final double scale;
        final double[] parameterGrads;
        double lmSum;
        double distilSum;

        Mix(double ratio, boolean distil, double scale, double[] parameterGrads) {
            this.ratio = ratio;
            this.distil = distil;
            this.scale = scale;
            this.parameterGrads = parameterGrads;
        }
    }

    /** {@code d total / d logits} of one chunk, fp32 {@code [to - from, V]}, in the caller's scope. */
    private NDArray chunkGradient(NDArray s, TeacherLogits teacher, long[] labels, int from, int to,
                                  LossContext context, Mix mix) {
        NDArray labelRows = s.getManager().create(Arrays.copyOfRange(labels, from, to));
        NDArray logQ = s.logSoftmax(1);
        mix.lmSum -= LossMath.total(LossMath.pick(logQ, labelRows));
        double lmWeight = mix.distil ? 1 - mix.ratio : 1;
        NDArray grad = lmWeight == 0 ? null
                : logQ.exp().sub(LossMath.oneHot(labelRows, s)).mul(LossMath.like(s, lmWeight * mix.scale));
        if (mix.distil) {
            long vocab = s.getShape().get(1);
            NDArray z = teacher.rows(from, to);
            if (z.getShape().get(0) != to - from || z.getShape().get(1) < vocab) {
                throw new IllegalArgumentException("teacher rows " + from + ".." + to + " came as " + z.getShape()
                        + ", expected (" + (to - from) + ", " + vocab + ")");
            }
            ChunkGradient d = loss.forwardBackward(new LossChunk(s, cut(z, z.getShape().get(1) == vocab ? -1 : vocab),
                    labelRows), context);
            mix.distilSum += d.lossSum();
            for (int i = 0; i < mix.parameterGrads.length; i++) {
                mix.parameterGrads[i] += d.parameterGrads()[i] * mix.ratio * mix.scale;
            }
            NDArray dg = d.studentGrad().mul(LossMath.like(s, mix.ratio * mix.scale));
            grad = grad == null ? dg : grad.add(dg);
        }
        return grad;
    }

    /** The first {@code vocab} columns, or x itself for -1. */
    private static NDArray cut(NDArray x, long vocab) {
        return vocab < 0 ? x : x.get(new NDIndex(":, 0:{}", vocab));
    }

    /** fp32 and detached: the chunk's own copy (or a view when already fp32). */
    private NDArray fp32Detached(NDArray x, DType dtype) {
        NDArray detached = x.stopGradient();
        return dtype == DType.F32 ? detached : ops.cast(detached, DType.F32);
    }

    private NDArray logitsPath(NDArray logits, TeacherLogits teacher, long[] labels, int vocab,
                               LossContext context, Mix mix) {
        int n = Math.toIntExact(logits.getShape().get(0));
        DType dtype = ops.dtypeOf(logits);
        NDArray cutLogits = cut(logits, logits.getShape().get(1) == vocab ? -1 : vocab);
        // the one full gradient: filled in place where DJL can hold the dtype, else chunks joined once
        DataType djlType = dtype.djl().orElse(null);
        NDArray full = djlType == null ? null : logits.getManager().zeros(new Shape(n, vocab), djlType);
        NDList parts = new NDList();
        for (int from = 0; from < n; from += chunkSize) {
            int to = Math.min(n, from + chunkSize);
            try (NDScope chunkScope = new NDScope()) {
                chunkScope.suppressNotUsedWarning();
                NDArray s = fp32Detached(cutLogits.get(new NDIndex("{}:{}", from, to)), dtype);
                NDArray g = chunkGradient(s, teacher, labels, from, to, context, mix);
                if (full != null) {
                    full.set(new NDIndex("{}:{}", from, to), dtype == DType.F32 ? g : g.toType(djlType, false));
                } else {
                    NDArray part = ops.cast(g, dtype);
                    NDScope.unregister(part);
                    parts.add(part);
                }
            }
        }
        NDArray gradient = full;
        if (gradient == null) {
            gradient = parts.size() == 1 ? parts.getFirst() : NDArrays.concat(parts, 0);
            NDScope.register(gradient);
            for (NDArray p : parts) {
                if (p != gradient) {
                    p.close();
                }
            }
        }
        if (dtype == DType.F32 && cutLogits == logits) {
            return logits.reshape(-1).dot(gradient.reshape(-1)); // no [N, V] product
        }
        return toF32(cutLogits.mul(gradient).sum(), dtype);
    }

    private NDArray hiddenPath(StudentRows.Hidden h, TeacherLogits teacher, long[] labels, int vocab,
                               LossContext context, Mix mix) {
        NDArray hidden = h.hidden();
        NDArray weight = h.headWeight().getShape().get(0) == vocab ? h.headWeight()
                : h.headWeight().get(new NDIndex("0:{}", vocab)); // [V, H]
        int n = Math.toIntExact(hidden.getShape().get(0));
        long width = hidden.getShape().get(1);
        DType hiddenType = ops.dtypeOf(hidden);
        DType weightType = ops.dtypeOf(h.headWeight());
        NDArray w32 = fp32Detached(weight, weightType);
        NDArray dHidden = hidden.getManager().zeros(new Shape(n, width), DataType.FLOAT32);
        NDArray dWeight = hidden.getManager().zeros(new Shape(vocab, width), DataType.FLOAT32);
        for (int from = 0; from < n; from += chunkSize) {
            int to = Math.min(n, from + chunkSize);
            try (NDScope chunkScope = new NDScope()) {
                chunkScope.suppressNotUsedWarning();
                NDArray h32 = fp32Detached(hidden.get(new NDIndex("{}:{}", from, to)), hiddenType);
                NDArray s = h32.matMul(w32.transpose()); // [c, V], this chunk's logits
                NDArray g = chunkGradient(s, teacher, labels, from, to, context, mix);
                dHidden.set(new NDIndex("{}:{}", from, to), g.matMul(w32));
                dWeight.addi(g.transpose().matMul(h32));
            }
        }
        NDArray hiddenTerm = toF32(hidden.mul(asType(dHidden, hiddenType)).sum(), hiddenType);
        NDArray weightTerm = toF32(weight.mul(asType(dWeight, weightType)).sum(), weightType);
        return hiddenTerm.add(weightTerm);
    }

    private NDArray asType(NDArray x32, DType dtype) {
        return dtype == DType.F32 ? x32 : ops.cast(x32, dtype);
    }

    private NDArray toF32(NDArray x, DType dtype) {
        return dtype == DType.F32 ? x : ops.cast(x, DType.F32);
    }
}
