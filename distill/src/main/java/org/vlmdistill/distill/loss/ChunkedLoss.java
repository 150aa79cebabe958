package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.FloatRows;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.Scalars;
import org.vlmdistill.distill.loss.fused.FusedKernels;
import org.vlmdistill.distill.schedule.Schedule;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The loss of one micro-batch, chunk by chunk: for each run of {@code chunkSize} rows, the student's
 * logits (cut to the shared vocabulary {@code V}, cast to fp32, detached), the teacher's rows, the
 * distillation loss's value and closed-form gradient, and the LM cross entropy's ({@code softmax - onehot});
 * then the chunk's fp32 arrays are dropped. Extra memory is O(chunkSize x V) however many rows, plus
 * the one {@code [N, V]} gradient the surrogate holds on the logits path (none on the hidden path, and
 * none on the logits path {@link #overwritingLogits()} with the fused kernel).
 *
 * <p>Reduction: masked token mean over the rows, as docs/methods.md gives it. Mixing:
 * {@code total = (1 - r) lm + r distil} with {@code r = distilRatio.at(step, total)}; a term whose
 * weight is 0 contributes no gradient (the LM value is always computed: it is cheap and logged), and
 * the teacher is not read when r is 0. SFT needs no teacher: its total is the LM loss, distil NaN.
 *
 * <p>Kernels: on the CPU, with the libtorch bridge and the Vector API, each chunk goes through the
 * loss's fused kernel ({@link FusedKernels}: two to four passes over each row's memory in place, no
 * intermediate {@code [chunk, V]} array), else through the loss's DJL-composed closed form. The kernel
 * writes a chunk's gradient over the chunk's fp32 logits wherever those are the loss's own (the
 * hidden path's projection, a cast of bf16 logits), so a chunk holds one {@code [chunk, V]} array.
 *
 * <p>Autograd: on the logits path the result's backward hands the precomputed {@code [N, V]} gradient
 * to libtorch's backward from the logits, so autograd receives it as the logits' gradient with no
 * further copy. On the hidden path it back-propagates the surrogate
 * {@code sum(x * stopgrad(dTotal/dx))} over the hidden states and lm_head weight. The loss's own
 * parameters get {@code sum(p * stopgrad(dTotal/dp))}. Either way every parameter's gradient ends up
 * holding exactly {@code d total / d theta}.
 */
public final class ChunkedLoss {
    private final DistillationLoss loss;
    private final Schedule distilRatio;
    private final int chunkSize;
    private final TorchOps ops;
    private final LibTorchDispatcher memory;
    private final FusedKernels kernels;
    private final boolean overwriteLogits;

    /**
     * @param ops     casts between the model's dtype and fp32; bf16 models need the libtorch bridge
     * @param memory  the bridge through which fused kernels reach the tensors' memory, or null
     * @param kernels the fused CPU kernels, or null for the DJL-composed closed forms only
     */
    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize, TorchOps ops,
                       LibTorchDispatcher memory, FusedKernels kernels) {
        this(loss, distilRatio, chunkSize, ops, memory, kernels, false);
    }

    private ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize, TorchOps ops,
                        LibTorchDispatcher memory, FusedKernels kernels, boolean overwriteLogits) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, was " + chunkSize);
        }
        if (kernels != null && memory == null) {
            throw new IllegalArgumentException("fused kernels need the libtorch bridge to reach the tensors' memory");
        }
        this.loss = loss;
        this.distilRatio = distilRatio;
        this.chunkSize = chunkSize;
        this.ops = ops;
        this.memory = memory;
        this.kernels = kernels;
        this.overwriteLogits = overwriteLogits;
    }

    /** Composed ops only, no fused kernels. */
    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize, TorchOps ops) {
        this(loss, distilRatio, chunkSize, ops, null, null);
    }

    /**
     * With the libtorch bridge when the loaded libtorch has one, else DJL-composed ops (no bf16); with
     * the loss's fused CPU kernel when {@code fused} and this JVM and libtorch allow it.
     */
    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize, boolean fused) {
        this(loss, distilRatio, chunkSize, LibTorchDispatcher.load(), fused);
    }

    /** As {@link #ChunkedLoss(DistillationLoss, Schedule, int, boolean)} with the fused kernels on where they exist. */
    public ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize) {
        this(loss, distilRatio, chunkSize, true);
    }

    private ChunkedLoss(DistillationLoss loss, Schedule distilRatio, int chunkSize, Optional<LibTorchDispatcher> bridge,
                        boolean fused) {
        this(loss, distilRatio, chunkSize, bridge.<TorchOps>map(BridgeOps::new).orElseGet(ComposedOps::new),
                bridge.orElse(null), fused && bridge.isPresent() && FusedKernels.supports(loss)
                        ? new FusedKernels(FusedKernels.defaultThreads()) : null);
    }

    /**
     * This loss writing {@code d total / d logits} over the given logits themselves where the fused
     * kernel runs on them (fp32 logits on the CPU; elsewhere it changes nothing), as Liger-Kernel's
     * cross entropy does: the loss then allocates no {@code [N, V]} array, and a step is spared the
     * first touch of one (most of TAID's time at 2048 x 151,936 on a 2-core VM, BENCHMARKS.md).
     *
     * <p>For logits that nothing reads after the loss: autograd's own (the output of a projection,
     * whose backward needs its input and weight, not its output) or the caller's. After
     * {@link #compute} they hold the gradient, and a leaf's gradient shares their memory. The
     * version counter is not bumped, so autograd cannot catch a node that saved the logits.
     */
    public ChunkedLoss overwritingLogits() {
        return new ChunkedLoss(loss, distilRatio, chunkSize, ops, memory, kernels, true);
    }

    /** Whether chunks on the CPU go through the fused kernel. */
    public boolean fused() {
        return kernels != null;
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
     * @return the means; with no rows, total 0, distil and lm NaN and a null backward
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
            // a root of autograd and the gradient to start it with (null: a scalar surrogate, gradient 1)
            NDArray[] root = switch (student) {
                case StudentRows.Logits l -> logitsPath(l.logits(), teacher, labels, vocab, context, mix);
                case StudentRows.Hidden h -> new NDArray[]{hiddenPath(h, teacher, labels, vocab, context, mix), null};
            };
            List<Parameter> params = loss.parameters();
            NDArray paramSurrogate = null;
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i).array();
                // not p.mul(float): autograd keeps the factor, see Scalars; like(p, ..) keeps it fp32
                NDArray term = p.mul(Scalars.like(p, mix.parameterGrads[i])).sum();
                paramSurrogate = paramSurrogate == null ? term : paramSurrogate.add(term);
            }
            NDScope.unregister(root[0]);
            if (root[1] != null) {
                NDScope.unregister(root[1]);
            }
            if (paramSurrogate != null) {
                NDScope.unregister(paramSurrogate);
            }
            NDArray lossParams = paramSurrogate;
            LossResult.Backward backward = scale -> {
                backprop(root[0], root[1], scale);
                if (lossParams != null) {
                    backprop(lossParams, null, scale);
                }
            };
            double lm = mix.lmSum / n;
            double distil = readTeacher ? mix.distilSum / n : Double.NaN;
            double total = readTeacher ? (1 - ratio) * lm + ratio * distil : lm;
            return new LossResult(total, distils ? distil : Double.NaN, lm, ratio, n, backward);
        }
    }

    /**
     * libtorch's backward from {@code root} with {@code gradient} (a scalar root: gradient 1), times
     * {@code scale}. The gradient is scaled in place: it is ours, made for this one call.
     */
    private void backprop(NDArray root, NDArray gradient, double scale) {
        NDArray g = gradient;
        if (g == null) {
            NDArray r = scale == 1.0 ? root : root.mul(Scalars.like(root, scale));
            g = r.onesLike();
            ops.backward(r, g);
            g.close();
            return;
        }
        if (scale != 1.0) {
            g.muli(Scalars.like(g, scale));
        }
        ops.backward(root, g);
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

    /**
     * {@code d total / d logits} of one chunk, fp32 {@code [to - from, V]}, in the caller's scope: by
     * the fused kernel on the CPU when there is one (written into {@code into}, fp32 rows of the right
     * shape, when given), else by the loss's composed closed form.
     */
    private NDArray chunkGradient(NDArray s, TeacherLogits teacher, long[] labels, int from, int to,
                                  LossContext context, Mix mix, NDArray into) {
        if (kernels != null && !s.getDevice().isGpu()) {
            return fusedChunkGradient(s, teacher, labels, from, to, context, mix, into);
        }
        NDArray labelRows = s.getManager().create(Arrays.copyOfRange(labels, from, to));
        NDArray logQ = s.logSoftmax(1);
        mix.lmSum -= LossMath.total(LossMath.pick(logQ, labelRows));
        double lmWeight = mix.distil ? 1 - mix.ratio : 1;
        NDArray grad = lmWeight == 0 ? null
                : logQ.exp().sub(LossMath.oneHot(labelRows, s)).mul(LossMath.like(s, lmWeight * mix.scale));
        if (mix.distil) {
            long vocab = s.getShape().get(1);
            NDArray z = teacherRows(teacher, from, to, vocab);
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

    private static NDArray teacherRows(TeacherLogits teacher, int from, int to, long vocab) {
        NDArray z = teacher.rows(from, to);
        if (z.getShape().dimension() != 2 || z.getShape().get(0) != to - from || z.getShape().get(1) < vocab) {
            throw new IllegalArgumentException("teacher rows " + from + ".." + to + " came as " + z.getShape()
                    + ", expected (" + (to - from) + ", " + vocab + ")");
        }
        return z;
    }

    /** The fused kernel over one chunk: s is fp32 on the CPU; the gradient goes to {@code into} or a new array. */
    private NDArray fusedChunkGradient(NDArray s, TeacherLogits teacher, long[] labels, int from, int to,
                                       LossContext context, Mix mix, NDArray into) {
        long vocab = s.getShape().get(1);
        NDArray g = into != null ? into : s.getManager().create(new Shape(to - from, vocab), DataType.FLOAT32);
        FloatRows target = null;
        SparseTargetRows sparse = null;
        if (mix.distil) {
            sparse = teacher.sparseRows(from, to);
            if (sparse == null) {
                target = memory.floatRows(teacherRows(teacher, from, to, vocab));
            }
        }
        double lmWeight = mix.distil ? 1 - mix.ratio : 1;
        FusedKernels.Sums sums = kernels.run(loss, context, mix.distil, memory.floatRows(s), target, sparse, labels, from,
                memory.floatRows(g), (float) (lmWeight * mix.scale), mix.distil ? (float) (mix.ratio * mix.scale) : 0f);
        mix.lmSum += sums.lm();
        if (mix.distil) {
            mix.distilSum += sums.distil();
            for (int i = 0; i < mix.parameterGrads.length; i++) {
                mix.parameterGrads[i] += sums.parameterGrads()[i] * mix.ratio * mix.scale;
            }
        }
        return g;
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

    /** The autograd root (the logits cut to V) and its gradient {@code d total / d root}. */
    private NDArray[] logitsPath(NDArray logits, TeacherLogits teacher, long[] labels, int vocab,
                                 LossContext context, Mix mix) {
        int n = Math.toIntExact(logits.getShape().get(0));
        DType dtype = ops.dtypeOf(logits);
        NDArray cutLogits = cut(logits, logits.getShape().get(1) == vocab ? -1 : vocab);
        // the one full gradient. fp32 under the fused kernel: written chunk by chunk straight into it
        // (not zeroed first), which is the logits themselves when overwriting them. Else filled in
        // place where DJL can hold the dtype, or chunks joined once.
        DataType djlType = dtype.djl().orElse(null);
        boolean fusedHere = kernels != null && !logits.getDevice().isGpu();
        boolean direct = fusedHere && dtype == DType.F32;
        NDArray full;
        if (direct) {
            full = overwriteLogits ? cutLogits.stopGradient() : logits.getManager().create(new Shape(n, vocab), DataType.FLOAT32);
        } else {
            full = djlType == null ? null : logits.getManager().zeros(new Shape(n, vocab), djlType);
        }
        NDList parts = new NDList();
        for (int from = 0; from < n; from += chunkSize) {
            int to = Math.min(n, from + chunkSize);
            try (NDScope chunkScope = new NDScope()) {
                chunkScope.suppressNotUsedWarning();
                NDArray s = fp32Detached(cutLogits.get(new NDIndex("{}:{}", from, to)), dtype);
                // the kernel's output: full's rows (s's own memory when overwriting), or s, our fp32 copy
                NDArray into = !fusedHere ? null : direct ? full.get(new NDIndex("{}:{}", from, to)) : s;
                NDArray g = chunkGradient(s, teacher, labels, from, to, context, mix, into);
                if (direct) {
                    continue; // written through the view
                }
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
        // a view even when nothing is cut: a leaf's AccumulateGrad then takes our gradient's memory
        // as it is (a fresh view has one owner) instead of cloning it
        NDArray root = cutLogits == logits ? logits.reshape(n, vocab) : cutLogits;
        return new NDArray[]{root, gradient};
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
                // s is this chunk's own: the fused kernel writes the gradient over it
                NDArray g = chunkGradient(s, teacher, labels, from, to, context, mix, s);
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
