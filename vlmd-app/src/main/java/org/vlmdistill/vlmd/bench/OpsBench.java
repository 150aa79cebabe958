package org.vlmdistill.vlmd.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.vlmdistill.core.bridge.AttentionMask;
import org.vlmdistill.core.bridge.BridgeOps;
import org.vlmdistill.core.bridge.ComposedOps;
import org.vlmdistill.core.bridge.LibTorchDispatcher;

import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one libtorch call costs on tiny tensors, per path, in nanoseconds a call: (a) the bridge
 * ({@link BridgeOps}, or {@link LibTorchDispatcher.Call} for ops BridgeOps has no method for), (b)
 * DJL's own {@code NDArray} ops (JNI), and the floor of each path: (d) the same dispatcher call on
 * one reused stack with nothing made on the Java side ({@link LibTorchDispatcher#floorNanos}), and
 * DJL's native method called on raw handles ({@code PyTorchLibrary}, reached reflectively: it is
 * package-private). Every result is closed (freed) right after its call, as Python drops a result
 * whose refcount falls to zero. bench/pytorch/ops.py measures (c) PyTorch eager the same way.
 *
 * <p>Each round runs every case and path once, the paths' order rotating from round to round; the
 * figures are medians over the rounds after the warm-up ones, wall time and this thread's CPU time
 * (the latter is what other load on the machine disturbs least).
 */
public record OpsBench(int rounds, int warmup, double targetMillis, boolean grad) {

    /** One figure: the median ns a call of {@code op} on {@code size} through {@code path}. */
    public record Row(String op, String size, String path, String what, long calls, double wallNs, double cpuNs) {}

    /** The two sizes of the issue: a 16-vector and a 64x64 matrix (attention: [1,1,4,4] and [1,1,64,64]). */
    private static final List<String> SIZES = List.of("16", "64x64");
    private static final List<String> OPS = List.of("add", "mul", "matmul", "linear", "silu", "sdpa");

    /** A path's way to run {@code calls} calls of one case. */
    private interface Runner {
        void run(long calls) throws Throwable;
    }

    private record Path(String name, String what, Runner runner) {}

    public List<Row> run(PrintStream out) throws Throwable {
        LibTorchDispatcher dispatcher = LibTorchDispatcher.load().orElseThrow(
                () -> new IllegalStateException("the loaded libtorch has no stable dispatcher"));
        BridgeOps bridge = new BridgeOps(dispatcher);
        ComposedOps composed = new ComposedOps();
        Jni jni = new Jni();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        out.printf("libtorch intra-op threads: %d (set with -Dai.djl.pytorch.num_threads=N)%n", JniUtils.getNumThreads());
        List<Row> rows = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager()) {
            Map<String, List<Path>> cases = new LinkedHashMap<>();
            for (String op : OPS) {
                for (String size : SIZES) {
                    cases.put(op + " " + size, paths(op, size, root, dispatcher, bridge, composed, jni));
                }
            }
            Map<String, long[]> callsOf = new LinkedHashMap<>();
            Map<String, double[][]> wall = new LinkedHashMap<>();
            Map<String, double[][]> cpu = new LinkedHashMap<>();
            // calls a run: enough for targetMillis on the first path, from one timed probe of 200 calls
            for (var e : cases.entrySet()) {
                Runner first = e.getValue().getFirst().runner();
                first.run(200);
                long t0 = System.nanoTime();
                first.run(200);
                double perCall = (System.nanoTime() - t0) / 200.0;
                long calls = Math.max(200, (long) (targetMillis * 1e6 / perCall));
                callsOf.put(e.getKey(), new long[] {calls});
                wall.put(e.getKey(), new double[e.getValue().size()][rounds]);
                cpu.put(e.getKey(), new double[e.getValue().size()][rounds]);
            }
            for (int r = -warmup; r < rounds; r++) {
                for (var e : cases.entrySet()) {
                    List<Path> paths = e.getValue();
                    long calls = callsOf.get(e.getKey())[0];
                    for (int k = 0; k < paths.size(); k++) {
                        int p = Math.floorMod(k + r, paths.size()); // rotate which path goes first
                        long c0 = threads.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        paths.get(p).runner().run(calls);
                        long t1 = System.nanoTime();
                        long c1 = threads.getCurrentThreadCpuTime();
                        if (r >= 0) {
                            wall.get(e.getKey())[p][r] = (t1 - t0) / (double) calls;
                            cpu.get(e.getKey())[p][r] = (c1 - c0) / (double) calls;
                        }
                    }
                }
                if (r >= 0) {
                    out.printf("  round %d of %d done (load %s)%n", r + 1, rounds, load());
                }
            }
            for (var e : cases.entrySet()) {
                String[] opSize = e.getKey().split(" ");
                List<Path> paths = e.getValue();
                for (int p = 0; p < paths.size(); p++) {
                    rows.add(new Row(opSize[0], opSize[1], paths.get(p).name(), paths.get(p).what(),
                            callsOf.get(e.getKey())[0], Median.of(wall.get(e.getKey())[p]), Median.of(cpu.get(e.getKey())[p])));
                }
            }
        }
        return rows;
    }

    public static String load() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** The paths of one case; inputs made once, fresh random normal values, gradient as asked. */
    private List<Path> paths(String op, String size, NDManager m, LibTorchDispatcher d, BridgeOps bridge,
                             ComposedOps composed, Jni jni) {
        boolean small = size.equals("16");
        Shape x = small ? new Shape(16) : new Shape(64, 64);
        long last = x.get(x.dimension() - 1);
        NDArray a = input(m, x);
        NDArray b = input(m, x);
        List<Path> paths = new ArrayList<>();
        switch (op) {
            case "add" -> {
                // aten::add.Tensor takes a Scalar alpha, which 2.7.1's stable dispatcher cannot convert:
                // the bridge's add is aten::add.Tensor's sibling without alpha, none exists; so the bridge
                // path is absent here and DJL's JNI add is the project's path
                paths.add(objects("djl", "NDArray.add (JNI torchAdd)", () -> a.add(b)));
                paths.add(new Path("jni floor", "PyTorchLibrary.torchAdd + torchDeleteTensor on raw handles",
                        calls -> jni.binary(jni.add, a, b, calls)));
            }
            case "mul" -> {
                paths.add(objects("bridge", "aten::mul.Tensor through LibTorchDispatcher.Call",
                        () -> call(d, "aten::mul", "Tensor", a, b)));
                paths.add(objects("djl", "NDArray.mul (JNI torchMul)", () -> a.mul(b)));
                paths.add(floor(d, "aten::mul", "Tensor", new NDArray[] {a, b}, new long[0]));
                paths.add(new Path("jni floor", "PyTorchLibrary.torchMul + torchDeleteTensor on raw handles",
                        calls -> jni.binary(jni.mul, a, b, calls)));
            }
            case "matmul" -> {
                paths.add(objects("bridge", "aten::matmul through LibTorchDispatcher.Call",
                        () -> call(d, "aten::matmul", "", a, b)));
                paths.add(objects("djl", "NDArray.matMul (JNI torchMatmul)", () -> a.matMul(b)));
                paths.add(floor(d, "aten::matmul", "", new NDArray[] {a, b}, new long[0]));
                paths.add(new Path("jni floor", "PyTorchLibrary.torchMatmul + torchDeleteTensor on raw handles",
                        calls -> jni.binary(jni.matmul, a, b, calls)));
            }
            case "linear" -> {
                NDArray w = input(m, new Shape(last, last));
                NDArray bias = input(m, new Shape(last));
                paths.add(objects("bridge", "BridgeOps.linear (aten::linear)", () -> bridge.linear(a, w, bias)));
                paths.add(objects("djl", "JniUtils.linear (JNI torchNNLinear)",
                        () -> JniUtils.linear((PtNDArray) a, (PtNDArray) w, (PtNDArray) bias)));
                paths.add(floorOptional(d, "aten::linear", a, w, bias));
                paths.add(new Path("jni floor", "PyTorchLibrary.torchNNLinear + torchDeleteTensor on raw handles",
                        calls -> jni.linear(a, w, bias, calls)));
            }
            case "silu" -> {
                paths.add(objects("bridge", "BridgeOps.silu (aten::silu)", () -> bridge.silu(a)));
                paths.add(objects("djl", "ComposedOps.silu: x * sigmoid(x), 2 JNI ops (DJL has no silu)",
                        () -> composed.silu(a)));
                paths.add(floor(d, "aten::silu", "", new NDArray[] {a}, new long[0]));
            }
            case "sdpa" -> {
                Shape s = small ? new Shape(1, 1, 4, 4) : new Shape(1, 1, 64, 64);
                NDArray q = input(m, s);
                NDArray k = input(m, s);
                NDArray v = input(m, s);
                paths.add(objects("bridge", "BridgeOps.scaledDotProductAttention, no mask",
                        () -> bridge.scaledDotProductAttention(q, k, v, AttentionMask.none(), null)));
                paths.add(objects("djl", "ComposedOps: matmul, mul, softmax, matmul (DJL has no sdpa)",
                        () -> composed.scaledDotProductAttention(q, k, v, AttentionMask.none(), null)));
                // attn_mask None, dropout_p 0.0, is_causal false, scale None, enable_gqa false
                paths.add(floor(d, "aten::scaled_dot_product_attention", "", new NDArray[] {q, k, v},
                        new long[] {0, 0, 0, 0, 0}));
            }
            default -> throw new IllegalArgumentException(op);
        }
        return paths;
    }

    private NDArray input(NDManager m, Shape s) {
        NDArray x = m.randomNormal(s);
        if (grad) {
            x.setRequiresGradient(true);
        }
        return x;
    }

    private static NDArray call(LibTorchDispatcher d, String name, String overload, NDArray a, NDArray b) {
        try (var call = d.op(name, overload)) {
            return call.tensor(a).tensor(b).call1();
        }
    }

    private static Path objects(String name, String what, java.util.function.Supplier<NDArray> op) {
        return new Path(name, what, calls -> {
            for (long c = 0; c < calls; c++) {
                op.get().close();
            }
        });
    }

    private static Path floor(LibTorchDispatcher d, String name, String overload, NDArray[] tensors, long[] words) {
        return new Path("bridge floor", name + (overload.isEmpty() ? "" : "." + overload)
                + " on one reused stack, result deleted, nothing made in Java",
                calls -> d.floorNanos(name, overload, tensors, words, Math.toIntExact(calls)));
    }

    /** linear's bias is a {@code Tensor?}: as a boxed optional it needs a cell a call; the floor passes None. */
    private static Path floorOptional(LibTorchDispatcher d, String name, NDArray x, NDArray w, NDArray bias) {
        return new Path("bridge floor", name + " (bias None: an optional's cell is an allocation) on one reused "
                + "stack, result deleted", calls -> d.floorNanos(name, "", new NDArray[] {x, w}, new long[] {0},
                Math.toIntExact(calls)));
    }

    /** DJL's JNI entry points on raw handles. {@code PyTorchLibrary} is package-private: reached reflectively. */
    private static final class Jni {
        final Object lib;
        final MethodHandle add;
        final MethodHandle mul;
        final MethodHandle matmul;
        final MethodHandle linear;
        final MethodHandle delete;

        Jni() throws Throwable {
            Class<?> c = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
            lib = l.findStaticGetter(c, "LIB", c).invoke();
            MethodType bin = MethodType.methodType(long.class, long.class, long.class);
            add = l.findVirtual(c, "torchAdd", bin).bindTo(lib);
            mul = l.findVirtual(c, "torchMul", bin).bindTo(lib);
            matmul = l.findVirtual(c, "torchMatmul", bin).bindTo(lib);
            linear = l.findVirtual(c, "torchNNLinear", MethodType.methodType(long.class, long.class, long.class, long.class))
                    .bindTo(lib);
            delete = l.findVirtual(c, "torchDeleteTensor", MethodType.methodType(void.class, long.class)).bindTo(lib);
        }

        void binary(MethodHandle op, NDArray a, NDArray b, long calls) throws Throwable {
            long ha = ((PtNDArray) a).getHandle();
            long hb = ((PtNDArray) b).getHandle();
            for (long c = 0; c < calls; c++) {
                long r = (long) op.invokeExact(ha, hb);
                delete.invokeExact(r);
            }
        }

        void linear(NDArray x, NDArray w, NDArray b, long calls) throws Throwable {
            long hx = ((PtNDArray) x).getHandle();
            long hw = ((PtNDArray) w).getHandle();
            long hb = ((PtNDArray) b).getHandle();
            for (long c = 0; c < calls; c++) {
                long r = (long) linear.invokeExact(hx, hw, hb);
                delete.invokeExact(r);
            }
        }
    }
}
