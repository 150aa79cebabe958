package org.vlmdistill.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.nn.ActivationCheckpoints;
import org.vlmdistill.core.safetensors.SafetensorsCheckpoint;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.TensorLoader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The root {@link Weights} of one model build: from a checkpoint or seeded random. Components take
 * their tensors through it; {@link #finish()} then checks that every checkpoint tensor was taken or
 * ignored and that nothing was missing or misshapen, and reports every problem in one error.
 *
 * <p>Random initialization is deterministic and independent of the order of takes: each tensor's
 * values come from a generator seeded by {@code seed} and the tensor's full name.
 */
public final class WeightLoading implements Weights {
    private final NDManager manager;
    private final DType dtype;
    private final TorchOps ops;
    private final Optional<SafetensorsCheckpoint> checkpoint;
    private final long seed;
    private final String source;
    private final boolean shapesOnly;
    private final ActivationCheckpoints checkpoints;

    private final List<Parameter> taken = new ArrayList<>();
    private final Set<String> takenNames = new HashSet<>();
    private final Set<String> ignored = new HashSet<>();
    private final Set<String> missing = new TreeSet<>();
    private final List<String> misshapen = new ArrayList<>();
    private boolean finished;

    private WeightLoading(NDManager manager, DType dtype, TorchOps ops, Optional<SafetensorsCheckpoint> checkpoint,
                          long seed, String source, boolean shapesOnly) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("parameters must be floating point, got " + dtype);
        }
        this.manager = Objects.requireNonNull(manager, "manager");
        this.dtype = dtype;
        this.ops = Objects.requireNonNull(ops, "ops");
        this.checkpoints = new ActivationCheckpoints(ops);
        this.checkpoint = checkpoint;
        this.seed = seed;
        this.source = source;
        this.shapesOnly = shapesOnly;
    }

    /** Parameters read from {@code checkpoint} (any stored dtype) and converted to {@code dtype}. */
    public static WeightLoading fromCheckpoint(NDManager manager, SafetensorsCheckpoint checkpoint, DType dtype,
                                               TorchOps ops) {
        return new WeightLoading(manager, dtype, ops, Optional.of(checkpoint), 0, checkpoint.root().toString(),
                false);
    }

    /** Parameters drawn at random as {@link Init} says, reproducibly for a given {@code seed}. */
    public static WeightLoading random(NDManager manager, DType dtype, TorchOps ops, long seed) {
        return new WeightLoading(manager, dtype, ops, Optional.empty(), seed, "random init (seed " + seed + ")",
                false);
    }

    /**
     * Checks names and shapes against {@code checkpoint} without reading any data: every parameter is
     * an fp32 zero broadcast to its shape (a view of one element), so a model of any size can be built
     * to count and check its parameters ({@code vlmd inspect}). Such a model must not be trained.
     */
    public static WeightLoading shapesOnly(NDManager manager, SafetensorsCheckpoint checkpoint, TorchOps ops) {
        return new WeightLoading(manager, DType.F32, ops, Optional.of(checkpoint), 0, checkpoint.root().toString(),
                true);
    }

    /**
     * The model's structure from its config alone, for a directory without weights (a published
     * config.json, a model too large for this machine): every parameter is an fp32 zero broadcast to
     * the shape the family's code asks for (a view of one element), and nothing is checked against a
     * file, so names, shapes and counts are the family's own. Such a model must not be trained or run.
     */
    public static WeightLoading configOnly(NDManager manager, TorchOps ops) {
        return new WeightLoading(manager, DType.F32, ops, Optional.empty(), 0, "config only (no weights)", true);
    }

    @Override
    public NDArray take(String name, Init init, long... shape) {
        if (finished) {
            throw new IllegalStateException("weights already finished; cannot take " + name);
        }
        if (!takenNames.add(name)) {
            throw new IllegalStateException("parameter " + name + " taken twice");
        }
        NDArray array;
        if (checkpoint.isPresent()) {
            array = fromCheckpoint(checkpoint.get(), name, shape);
        } else if (shapesOnly) {
            array = placeholder(shape);
        } else {
            array = initial(name, init, shape);
        }
        taken.add(new Parameter(name, array));
        return array;
    }

    private NDArray fromCheckpoint(SafetensorsCheckpoint ckpt, String name, long[] shape) {
        if (!ckpt.contains(name)) {
            missing.add(name);
            return placeholder(shape);
        }
        TensorInfo info = ckpt.tensor(name);
        if (!Arrays.equals(info.shapeArray(), shape)) {
            misshapen.add(name + ": expected shape " + Arrays.toString(shape) + ", found "
                    + Arrays.toString(info.shapeArray()));
            return placeholder(shape);
        }
        if (!info.dtype().isFloating()) {
            misshapen.add(name + ": expected a floating-point tensor, found " + info.dtype());
            return placeholder(shape);
        }
        return shapesOnly ? placeholder(shape) : new TensorLoader(ops).load(manager, ckpt, name, dtype);
    }

    /** Stands in for a missing tensor so that building can go on and collect every problem. */
    private NDArray placeholder(long[] shape) {
        return manager.zeros(new Shape(1), DataType.FLOAT32).broadcast(new Shape(shape));
    }

    private NDArray initial(String name, Init init, long[] shape) {
        Shape s = new Shape(shape);
        NDArray fp32 = switch (init) {
            case Init.Constant c -> manager.full(s, (float) c.value(), DataType.FLOAT32);
            case Init.Normal n -> {
                long count = s.size();
                if (count > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(name + ": " + count + " elements is too many for random init");
                }
                SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
                // Drawn into native memory that libtorch copies from and that is freed at once: a float[]
                // (or DJL's direct buffer, which an array made from one keeps as its storage) left a
                // model's worth of garbage to the Java heap and direct memory, resident until collected.
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment values = arena.allocate(ValueLayout.JAVA_FLOAT, count);
                    for (long i = 0; i < count; i++) {
                        values.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (random.nextGaussian() * n.std()));
                    }
                    try (NDArray view = manager.create(values.asByteBuffer().order(ByteOrder.nativeOrder()), s,
                            DataType.FLOAT32)) {
                        yield view.duplicate();
                    }
                }
            }
        };
        return dtype == DType.F32 ? fp32 : convert(fp32);
    }

    private NDArray convert(NDArray fp32) {
        NDArray converted = dtype.djl().isPresent() ? fp32.toType(dtype.djl().get(), false) : ops.cast(fp32, dtype);
        fp32.close();
        return converted;
    }

    @Override
    public void ignore(String name) {
        ignored.add(name);
    }

    @Override
    public boolean has(String name) {
        return checkpoint.map(c -> c.contains(name)).orElse(false);
    }

    @Override
    public Weights at(String prefix) {
        return new View(this, prefix);
    }

    @Override
    public String prefix() {
        return "";
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public TorchOps ops() {
        return ops;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public ActivationCheckpoints checkpoints() {
        return checkpoints;
    }

    /**
     * The parameters taken, in order.
     *
     * @throws WeightsMismatchException listing every missing, unexpected and misshapen tensor
     */
    public Parameters finish() {
        finished = true;
        Set<String> unexpected = new TreeSet<>();
        checkpoint.ifPresent(c -> {
            for (String n : c.names()) {
                if (!takenNames.contains(n) && !ignored.contains(n)) {
                    unexpected.add(n);
                }
            }
        });
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshapen.isEmpty()) {
            throw new WeightsMismatchException(source, List.copyOf(missing), List.copyOf(unexpected),
                    List.copyOf(misshapen));
        }
        return Parameters.of(taken);
    }

    /** A prefixed view on the root. */
    private record View(WeightLoading root, String prefix) implements Weights {
        @Override
        public NDArray take(String name, Init init, long... shape) {
            return root.take(prefix + name, init, shape);
        }

        @Override
        public void ignore(String name) {
            root.ignore(prefix + name);
        }

        @Override
        public boolean has(String name) {
            return root.has(prefix + name);
        }

        @Override
        public Weights at(String more) {
            return new View(root, prefix + more);
        }

        @Override
        public DType dtype() {
            return root.dtype;
        }

        @Override
        public TorchOps ops() {
            return root.ops;
        }

        @Override
        public NDManager manager() {
            return root.manager;
        }

        @Override
        public ActivationCheckpoints checkpoints() {
            return root.checkpoints;
        }
    }
}
