package org.vlmdistill.distill.train;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.TensorLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * AdamW over the trainable parameters, torch.optim.AdamW's update ({@link TorchOps#adamwStep}), with
 * global gradient-norm clipping ({@code torch.nn.utils.clip_grad_norm_}: scale every gradient by
 * {@code max / (norm + 1e-6)} when the norm of all of them together exceeds {@code max}).
 *
 * <p>Parameters held in bf16 (GPU) get fp32 master weights: the update runs on the fp32 copy and the
 * bf16 parameter is refreshed from it, so small updates are not rounded away. Moments are fp32. The
 * state (moments, masters, step count) is saved beside a checkpoint and restored on resume.
 */
public final class AdamWOptimizer implements AutoCloseable {
    /** The reason {@link #clipGradNorm} gives its one read of the device ({@link HostReads}). */
    public static final String GRAD_NORM_READ = "gradient norm: clipping, the finite check, metrics";
    /** The reason {@link #nonFiniteParameter} gives its read: a checkpoint never holds NaN or Infinity. */
    public static final String FINITE_WEIGHTS_READ = "weights' finiteness before a checkpoint";
    private final List<Parameter> params;
    private final RunConfig.Optimizer settings;
    private final TorchOps ops;
    private final NDManager manager;
    private final NDArray[] expAvg;
    private final NDArray[] expAvgSq;
    private final NDArray[] master; // null entries for fp32 parameters
    private long steps;

    public AdamWOptimizer(List<Parameter> trainable, RunConfig.Optimizer settings, TorchOps ops, NDManager parent) {
        this.params = List.copyOf(trainable);
        this.settings = settings;
        this.ops = ops;
        this.manager = parent.newSubManager();
        int n = params.size();
        expAvg = new NDArray[n];
        expAvgSq = new NDArray[n];
        master = new NDArray[n];
        for (int i = 0; i < n; i++) {
            NDArray p = params.get(i).array();
            expAvg[i] = manager.zeros(p.getShape());
            expAvgSq[i] = manager.zeros(p.getShape());
            if (ops.dtypeOf(p) != DType.F32) {
                master[i] = ops.cast(p.stopGradient(), DType.F32);
                master[i].attach(manager);
            }
        }
    }

    /** Optimizer steps taken. */
    public long steps() {
        return steps;
    }

    /**
     * The global L2 norm of all gradients before clipping; gradients are scaled down in place when
     * it exceeds {@code maxGradNorm} (0 turns clipping off). Non-finite norms leave the gradients as
     * they are: the caller skips the step.
     */
    public double clipGradNorm() {
        // every array made here (gradient handles included) is freed with the scope
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            // summed on the device, read back once: one synchronisation a step, not one a parameter;
            // the step needs the value on the host anyway, to skip a non-finite step and to log it
            NDArray sumSq = null;
            for (Parameter p : params) {
                NDArray s = ops.cast(p.array().getGradient(), DType.F32).square().sum();
                sumSq = sumSq == null ? s : sumSq.add(s);
            }
            double norm = sumSq == null ? 0 : Math.sqrt(HostReads.scalarFloat(sumSq, GRAD_NORM_READ));
            double max = settings.maxGradNorm();
            if (max > 0 && Double.isFinite(norm) && norm > max) {
                double scale = max / (norm + 1e-6);
                for (Parameter p : params) {
                    p.array().getGradient().muli(scale);
                }
            }
            return norm;
        }
    }

    /**
     * The first trainable parameter holding NaN or Infinity, if any. One read for all of them: the sum
     * of {@code w - w}, 0 where every value is finite and NaN otherwise; only then is each read to name it.
     */
    public java.util.Optional<String> nonFiniteParameter() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray total = null;
            for (Parameter p : params) {
                NDArray w = ops.cast(p.array().stopGradient(), DType.F32);
                NDArray s = w.sub(w).sum();
                total = total == null ? s : total.add(s);
            }
            if (total == null || Float.isFinite(HostReads.scalarFloat(total, FINITE_WEIGHTS_READ))) {
                return java.util.Optional.empty();
            }
            for (Parameter p : params) {
                NDArray w = ops.cast(p.array().stopGradient(), DType.F32);
                if (!Float.isFinite(HostReads.scalarFloat(w.sub(w).sum(), FINITE_WEIGHTS_READ))) {
                    return java.util.Optional.of(p.name());
                }
            }
            return java.util.Optional.of("a parameter");
        }
    }

    /** One update at learning rate {@code lr}, then the gradients are zeroed. */
    public void step(double lr) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            update(lr);
        }
        zeroGrad();
    }

    private void update(double lr) {
        steps++;
        TorchOps.AdamW hyper = new TorchOps.AdamW(lr, settings.beta1(), settings.beta2(), settings.eps(),
                settings.weightDecay());
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i).array();
            NDArray g = p.getGradient();
            if (master[i] == null) {
                ops.adamwStep(p, g, expAvg[i], expAvgSq[i], steps, hyper);
            } else {
                try (NDArray g32 = ops.cast(g, DType.F32)) {
                    ops.adamwStep(master[i], g32, expAvg[i], expAvgSq[i], steps, hyper);
                }
                try (NDArray low = ops.cast(master[i], ops.dtypeOf(p))) {
                    p.subi(p).addi(low);
                }
            }
        }
    }

    /** Zeroes every gradient (DJL's collector does not). */
    public void zeroGrad() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Parameter p : params) {
                NDArray g = p.array().getGradient();
                g.subi(g);
            }
        }
    }

    /** Writes the moments, masters and step count to {@code file} (safetensors; atomic). */
    public void save(Path file) throws IOException {
        TensorLoader bytes = new TensorLoader(ops);
        List<TensorData> tensors = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).name();
            add(tensors, bytes, "exp_avg." + name, expAvg[i]);
            add(tensors, bytes, "exp_avg_sq." + name, expAvgSq[i]);
            if (master[i] != null) {
                add(tensors, bytes, "master." + name, master[i]);
            }
        }
        SafetensorsWriter.write(file, tensors, Map.of("steps", Long.toString(steps), "format", "vlmd-adamw-1"));
    }

    /** Deferred: each state tensor is copied off the device when written, so saving holds one copy at a time. */
    private static void add(List<TensorData> out, TensorLoader bytes, String name, NDArray x) {
        out.add(TensorData.deferred(name, bytes.dtypeOf(x), x.getShape().getShape(), () -> bytes.toBytes(x).data()));
    }

    /**
     * Restores what {@link #save} wrote for the same trainable parameters; refuses a file whose
     * tensors or shapes do not match, naming the first difference.
     */
    public void load(Path file) throws IOException {
        TensorLoader loader = new TensorLoader(ops);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(file)) {
            String stepsText = c.shards().getFirst().metadata().get("steps");
            if (stepsText == null) {
                throw new IOException(file + ": no 'steps' in the metadata: not an optimizer state of this tool");
            }
            for (int i = 0; i < params.size(); i++) {
                String name = params.get(i).name();
                expAvg[i] = replace(expAvg[i], loader, c, "exp_avg." + name, file);
                expAvgSq[i] = replace(expAvgSq[i], loader, c, "exp_avg_sq." + name, file);
                if (master[i] != null) {
                    master[i] = replace(master[i], loader, c, "master." + name, file);
                    NDArray p = params.get(i).array();
                    try (NDArray low = ops.cast(master[i], ops.dtypeOf(p))) {
                        p.subi(p).addi(low);
                    }
                }
            }
            int expected = params.size() * 2 + (int) Arrays.stream(master).filter(m -> m != null).count();
            if (c.names().size() != expected) {
                throw new IOException(file + ": holds " + c.names().size() + " tensors, the trainable parameters need "
                        + expected + " (was the freeze list changed?)");
            }
            steps = Long.parseLong(stepsText);
        }
    }

    private NDArray replace(NDArray old, TensorLoader loader, SafetensorsCheckpoint c, String name, Path file)
            throws IOException {
        if (!c.contains(name)) {
            throw new IOException(file + ": no tensor " + name + " (was the freeze list changed?)");
        }
        NDArray loaded = loader.load(manager, c, name, DType.F32);
        if (!loaded.getShape().equals(old.getShape())) {
            throw new IOException(file + ": " + name + " has shape " + loaded.getShape() + ", the parameter "
                    + old.getShape());
        }
        old.close();
        return loaded;
    }

    @Override
    public void close() {
        manager.close();
    }
}
