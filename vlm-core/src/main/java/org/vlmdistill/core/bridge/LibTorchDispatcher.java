package org.vlmdistill.core.bridge;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.LibUtils;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The one class that knows libtorch's stable C ABI (the {@code aoti_torch_*} functions that
 * AOTInductor uses), reached through Java's FFM API on the libtorch that DJL has loaded.
 *
 * <p>{@code int32_t aoti_torch_call_dispatcher(const char* op, const char* overload, uint64_t* stack)}
 * runs any ATen op by schema name through the full dispatcher, so autograd records it. Encoding in
 * libtorch 2.7.1 (the stack holds the arguments in schema order, results come back from slot 0):
 * a tensor is an {@code at::Tensor*}; ints and bools are int64; floats are the bits of a double;
 * a ScalarType is its {@code c10::ScalarType} code; an optional is 0 for None or a pointer to a
 * uint64 holding the value. The dispatcher frees that pointer with C++ {@code delete}, so the cell
 * must come from C++ {@code operator new} (libstdc++'s {@code _Znwm}); a cell from a Java arena
 * corrupts the native heap and crashes the JVM later, far from the call. The dispatcher takes ownership of every tensor handle passed in, so each
 * argument is a fresh handle from {@code aoti_torch_new_tensor_handle}, never DJL's own; results
 * are new handles that DJL then owns and frees.
 *
 * <p>2.7.1 cannot convert list arguments ({@code int[]}, {@code Tensor[]}): any schema with one
 * fails with rc 1, and so does a {@code str} ("Not yet supported conversion from StableIValue to
 * IValue for schema type: str"). Later torch versions change the encoding (a versioned
 * {@code torch_call_dispatcher}); support for them belongs here and nowhere else.
 *
 * <p>One op is reached outside the stable ABI: {@code aten::gelu(Tensor self, *, str approximate)},
 * whose {@code str} the stable dispatcher cannot carry, through the exported C++ dispatcher entry
 * {@code at::_ops::gelu::call(const at::Tensor&, std::string_view)} (see {@link #gelu}).
 */
public final class LibTorchDispatcher {
    /** Largest argument or result count of any op we call, with room to spare. */
    private static final int STACK_SLOTS = 16;
    /**
     * For the short accessors (a new or deleted handle, a dtype, a C++ cell): a critical downcall
     * skips the thread-state transition a downcall otherwise makes; they neither block nor call back
     * into Java. Never for the dispatcher itself, which runs kernels of any length.
     */
    private static final Linker.Option SHORT = Linker.Option.critical(false);

    private final MethodHandle callDispatcher;
    private final MethodHandle newTensorHandle;
    private final MethodHandle deleteTensorObject;
    private final MethodHandle getDtype;
    private final MethodHandle getDataPtr;
    private final MethodHandle getDim;
    private final MethodHandle getSize;
    private final MethodHandle getStride;
    private final MethodHandle getDeviceType;
    private final int float32Code;
    private final int cpuDeviceType;
    private final MethodHandle cxxNew;
    private final MethodHandle cxxDelete;
    private final String libtorchVersion;
    private final SymbolLookup lookup;
    /** Ops named so far ({@link #resolve}), and where their C strings live (as long as this dispatcher). */
    private final java.util.concurrent.ConcurrentHashMap<String, Op> ops = new java.util.concurrent.ConcurrentHashMap<>();
    private final Arena namesArena = Arena.ofAuto();
    /** Each thread's reusable call ({@link #op(Op)}). */
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(() -> new Call());
    /** {@code at::_ops::gelu::call}, or null where this libtorch or platform does not offer it (see {@link #gelu}). */
    private final MethodHandle geluEntry;
    private final int[] floatingCodes;

    private LibTorchDispatcher(SymbolLookup lookup, String libtorchVersion) {
        this.lookup = lookup;
        Linker linker = Linker.nativeLinker();
        this.callDispatcher = linker.downcallHandle(find(lookup, "aoti_torch_call_dispatcher"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        this.newTensorHandle = linker.downcallHandle(find(lookup, "aoti_torch_new_tensor_handle"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), SHORT);
        this.deleteTensorObject = linker.downcallHandle(find(lookup, "aoti_torch_delete_tensor_object"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS), SHORT);
        this.getDtype = linker.downcallHandle(find(lookup, "aoti_torch_get_dtype"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), SHORT);
        this.getDataPtr = linker.downcallHandle(find(lookup, "aoti_torch_get_data_ptr"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        this.getDim = linker.downcallHandle(find(lookup, "aoti_torch_get_dim"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        this.getSize = linker.downcallHandle(find(lookup, "aoti_torch_get_size"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        this.getStride = linker.downcallHandle(find(lookup, "aoti_torch_get_stride"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        this.getDeviceType = linker.downcallHandle(find(lookup, "aoti_torch_get_device_type"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        this.libtorchVersion = libtorchVersion;
        this.float32Code = constant("aoti_torch_dtype_float32");
        this.cpuDeviceType = constant("aoti_torch_device_type_cpu");
        SymbolLookup cxx = SymbolLookup.libraryLookup("libstdc++.so.6", Arena.global()).or(lookup);
        this.cxxNew = linker.downcallHandle(find(cxx, "_Znwm"), FunctionDescriptor.of(ADDRESS, JAVA_LONG), SHORT);
        this.cxxDelete = linker.downcallHandle(find(cxx, "_ZdlPv"), FunctionDescriptor.ofVoid(ADDRESS), SHORT);
        this.floatingCodes = new int[] {float32Code, constant("aoti_torch_dtype_float64"),
                constant("aoti_torch_dtype_float16"), constant("aoti_torch_dtype_bfloat16")};
        this.geluEntry = sretReturnsInFirstArgument()
                ? lookup.find(GELU_ENTRY).map(fn -> linker.downcallHandle(fn, FunctionDescriptor.of(ADDRESS,
                        ADDRESS, ADDRESS, MemoryLayout.structLayout(JAVA_LONG, ADDRESS)))).orElse(null)
                : null;
    }

    /**
     * {@code at::_ops::gelu::call(const at::Tensor&, std::string_view)} in the Itanium C++ mangling
     * with libstdc++'s {@code std::string_view}: what {@code at::gelu(self, approximate)} inlines to,
     * the full dispatcher (autograd records {@code GeluBackward0}, which saves only {@code self}).
     * Older torch spells the view {@code c10::basic_string_view<char>} (Debian's 1.13 does), a different
     * symbol, so there (and in any build without it) the lookup fails and callers compose instead.
     */
    static final String GELU_ENTRY = "_ZN2at4_ops4gelu4callERKNS_6TensorESt17basic_string_viewIcSt11char_traitsIcEE";

    /**
     * Whether a function returning a non-trivial C++ class by value takes the result's address as
     * its first integer argument: the System V x86-64 ABI on Linux. (AArch64 passes it in x8, which
     * the FFM linker cannot name.)
     */
    private static boolean sretReturnsInFirstArgument() {
        String arch = System.getProperty("os.arch", "");
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /**
     * The dispatcher of the libtorch that DJL's PyTorch engine loads, or empty when that libtorch
     * does not export the stable C entry points (callers then use the composed DJL ops).
     */
    public static Optional<LibTorchDispatcher> load() {
        Engine engine = Engine.getEngine("PyTorch"); // loads libtorch into this class loader
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        if (lookup.find("aoti_torch_call_dispatcher").isEmpty()) {
            Path lib = Path.of(LibUtils.getLibtorchPath(), "libtorch_cpu.so");
            if (!Files.isRegularFile(lib)) {
                return Optional.empty();
            }
            lookup = SymbolLookup.libraryLookup(lib, Arena.global());
        }
        for (String symbol : List.of("aoti_torch_call_dispatcher", "aoti_torch_new_tensor_handle",
                "aoti_torch_delete_tensor_object", "aoti_torch_get_dtype", "aoti_torch_get_data_ptr",
                "aoti_torch_get_dim", "aoti_torch_get_size", "aoti_torch_get_stride", "aoti_torch_get_device_type")) {
            if (lookup.find(symbol).isEmpty()) {
                return Optional.empty();
            }
        }
        return Optional.of(new LibTorchDispatcher(lookup, engine.getVersion()));
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("libtorch lacks " + name));
    }

    public String libtorchVersion() {
        return libtorchVersion;
    }

    /**
     * Whether this libtorch also exports the versioned {@code torch_call_dispatcher} of later
     * releases, whose encoding can carry list arguments. Detected, not used: that encoding is not
     * implemented here until it can be tested on such a libtorch.
     */
    public boolean hasVersionedDispatcher() {
        return lookup.find("torch_call_dispatcher").isPresent();
    }

    /**
     * The code libtorch gives a dtype through {@code aoti_torch_dtype_<name>()} (e.g. "bfloat16"),
     * to check the project's dtype table against the library at hand.
     */
    public int atenDtypeCode(String name) {
        return constant("aoti_torch_dtype_" + name);
    }

    /** The real dtype code ({@code c10::ScalarType}) of a tensor, also for those DJL calls UNKNOWN. */
    public int dtypeCode(NDArray array) {
        Call scratch = calls.get(); // its out cell, when no call is being built on this thread
        try (Arena arena = scratch.busy ? Arena.ofConfined() : null) {
            MemorySegment out = arena != null ? arena.allocate(JAVA_INT) : scratch.out;
            check((int) getDtype.invokeExact(handleOf(array), out), "aoti_torch_get_dtype");
            return out.get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new TorchOpException("aoti_torch_get_dtype", t.toString());
        }
    }

    /**
     * The memory of a 2-d fp32 CPU tensor whose rows are each contiguous (a row slice, or a column
     * prefix of a contiguous matrix, qualifies), read and written in place with no copy. The segment
     * is valid only while {@code array} is open, and spans {@code (rows - 1) * rowStride + cols}
     * floats from the tensor's first element.
     *
     * @throws IllegalArgumentException naming what disqualifies the tensor (dtype, device, rank, strides)
     */
    public FloatRows floatRows(NDArray array) {
        MemorySegment handle = handleOf(array);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment intOut = arena.allocate(JAVA_INT);
            MemorySegment longOut = arena.allocate(JAVA_LONG);
            check((int) getDtype.invokeExact(handle, intOut), "aoti_torch_get_dtype");
            int dtype = intOut.get(JAVA_INT, 0);
            if (dtype != float32Code) {
                throw new IllegalArgumentException("need an fp32 tensor, got dtype code " + dtype + " (" + array.getShape() + ")");
            }
            check((int) getDeviceType.invokeExact(handle, intOut), "aoti_torch_get_device_type");
            if (intOut.get(JAVA_INT, 0) != cpuDeviceType) {
                throw new IllegalArgumentException("need a CPU tensor, got " + array.getDevice());
            }
            check((int) getDim.invokeExact(handle, longOut), "aoti_torch_get_dim");
            long dim = longOut.get(JAVA_LONG, 0);
            if (dim != 2) {
                throw new IllegalArgumentException("need a 2-d tensor, got " + dim + "-d " + array.getShape());
            }
            long[] sizes = new long[2];
            long[] strides = new long[2];
            for (int d = 0; d < 2; d++) {
                check((int) getSize.invokeExact(handle, (long) d, longOut), "aoti_torch_get_size");
                sizes[d] = longOut.get(JAVA_LONG, 0);
                check((int) getStride.invokeExact(handle, (long) d, longOut), "aoti_torch_get_stride");
                strides[d] = longOut.get(JAVA_LONG, 0);
            }
            boolean rowsContiguous = (sizes[1] <= 1 || strides[1] == 1) && (sizes[0] <= 1 || strides[0] >= sizes[1]);
            if (!rowsContiguous) {
                throw new IllegalArgumentException("need contiguous rows, got sizes " + sizes[0] + "x" + sizes[1]
                        + " strides " + strides[0] + "," + strides[1]);
            }
            long rowStride = sizes[0] <= 1 ? sizes[1] : strides[0];
            MemorySegment ptrOut = arena.allocate(ADDRESS);
            check((int) getDataPtr.invokeExact(handle, ptrOut), "aoti_torch_get_data_ptr");
            long floats = sizes[0] == 0 || sizes[1] == 0 ? 0 : (sizes[0] - 1) * rowStride + sizes[1];
            MemorySegment data = ptrOut.get(ADDRESS, 0).reinterpret(floats * Float.BYTES);
            return new FloatRows(data, Math.toIntExact(sizes[0]), Math.toIntExact(sizes[1]), rowStride);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new TorchOpException("floatRows", t.toString());
        }
    }

    /** Whether {@link #gelu} can run here (this libtorch exports the entry, and the platform's ABI is known). */
    public boolean hasGelu() {
        return geluEntry != null;
    }

    /**
     * {@code torch.nn.functional.gelu(x, approximate=approximate)} as one ATen op with autograd,
     * through the C++ dispatcher entry {@link #GELU_ENTRY}: the stable C dispatcher of 2.7.1 cannot
     * pass the {@code str}.
     *
     * <p>Calling C++ directly gives up the C shim's exception barrier: a C++ exception thrown inside
     * would cross the FFM frames and end the JVM. So the one error the op raises for valid input, a
     * dtype without a gelu kernel, is checked here first (floating point only), and {@code
     * approximate} is checked against the two values ATen takes. The result, an {@code at::Tensor}
     * returned by value (one intrusive pointer), is constructed by the callee into a cell from C++
     * {@code operator new}: that cell is then a heap {@code at::Tensor*}, the handle DJL owns and
     * deletes, as {@code new at::Tensor(at::gelu(x, approximate))} would be.
     *
     * @param approximate "tanh" or "none" (erf)
     * @throws TorchOpException where the entry is absent ({@link #hasGelu}), or for a non-floating dtype
     */
    public NDArray gelu(NDArray x, String approximate) {
        String op = "at::_ops::gelu::call";
        if (geluEntry == null) {
            throw new TorchOpException(op, "libtorch " + libtorchVersion + " on " + System.getProperty("os.arch")
                    + " does not export " + GELU_ENTRY);
        }
        if (!approximate.equals("tanh") && !approximate.equals("none")) {
            throw new TorchOpException(op, "approximate must be \"tanh\" or \"none\", got \"" + approximate + "\"");
        }
        if (!(x instanceof PtNDArray pt)) {
            throw new TorchOpException(op, "argument is not a PyTorch-engine array: " + x.getClass().getName());
        }
        int dtype = dtypeCode(x);
        if (Arrays.stream(floatingCodes).noneMatch(c -> c == dtype)) {
            throw new TorchOpException(op, "gelu needs a floating-point tensor, got dtype code " + dtype
                    + " (" + x.getShape() + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom(approximate);
            // std::string_view in libstdc++: {size_t _M_len; const char* _M_str}
            MemorySegment view = arena.allocate(MemoryLayout.structLayout(JAVA_LONG, ADDRESS));
            view.set(JAVA_LONG, 0, approximate.length());
            view.set(ADDRESS, 8, text);
            MemorySegment cell = (MemorySegment) cxxNew.invokeExact((long) ADDRESS.byteSize());
            MemorySegment result = (MemorySegment) geluEntry.invokeExact(cell, handleOf(pt), view);
            return new PtNDArray(pt.getManager(), result.address());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new TorchOpException(op, t.toString());
        }
    }

    /** An {@code int32_t f(void)} constant of the C ABI (a dtype or device-type code). */
    private int constant(String symbol) {
        MemorySegment fn = lookup.find(symbol).orElseThrow(() -> new TorchOpException(symbol, "not exported"));
        try {
            return (int) Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new TorchOpException(symbol, t.toString());
        }
    }

    private static void check(int rc, String function) {
        if (rc != 0) {
            throw new TorchOpException(function, "failed with code " + rc);
        }
    }

    /**
     * An op named once: its name and overload as C strings, encoded on first use and kept for the life
     * of this dispatcher, so a call passes two pointers instead of encoding two strings. (libtorch 2.7.1
     * still looks the schema up by these names inside each call: its C ABI has no handle to a resolved
     * operator.)
     */
    public static final class Op {
        private final String name;
        private final String overload;
        private final MemorySegment cName;
        private final MemorySegment cOverload;

        private Op(String name, String overload, Arena arena) {
            this.name = name;
            this.overload = overload;
            this.cName = arena.allocateFrom(name);
            this.cOverload = arena.allocateFrom(overload);
        }

        /** {@code name.overload}, or {@code name} for the default overload. */
        @Override
        public String toString() {
            return overload.isEmpty() ? name : name + "." + overload;
        }
    }

    /** The op {@code name} (e.g. {@code aten::silu}) with {@code overload} ("" for the default), encoded once. */
    public Op resolve(String name, String overload) {
        return ops.computeIfAbsent(name + "\0" + overload, k -> new Op(name, overload, namesArena));
    }

    /**
     * Arguments of one dispatcher call, in schema order. Each thread reuses one: its argument stack and
     * the lists of what it owns are native and Java buffers made once, not per call (a nested call on
     * the same thread, while one is being built, gets a fresh one). Use it in try-with-resources and do
     * not keep it past {@link #close()}.
     */
    public final class Call implements AutoCloseable {
        private final MemorySegment stack;
        private final MemorySegment out;
        /** Argument handles and optional cells made for this call and not yet passed to the dispatcher. */
        private final long[] ownedHandles = new long[STACK_SLOTS];
        private final long[] ownedCells = new long[STACK_SLOTS];
        private int handleCount;
        private int cellCount;
        private Op op;
        private PtNDManager manager;
        private int size;
        private boolean busy;

        private Call() {
            // freed by the GC once the thread (or a one-off call) is gone; nothing is freed per call
            Arena arena = Arena.ofAuto();
            this.stack = arena.allocate(JAVA_LONG, STACK_SLOTS);
            this.out = arena.allocate(JAVA_LONG);
        }

        private Call start(Op op) {
            this.op = op;
            this.manager = null;
            this.size = 0;
            this.busy = true;
            return this;
        }

        private String op() {
            return op.toString();
        }

        private Call push(long raw) {
            if (size == STACK_SLOTS) {
                throw new TorchOpException(op(), "more than " + STACK_SLOTS + " arguments");
            }
            stack.setAtIndex(JAVA_LONG, size++, raw);
            return this;
        }

        private long freshHandle(NDArray array) {
            if (!(array instanceof PtNDArray pt)) {
                throw new TorchOpException(op(), "argument is not a PyTorch-engine array: " + array.getClass().getName());
            }
            if (manager == null) {
                manager = pt.getManager();
            }
            long handle;
            try {
                int rc = (int) newTensorHandle.invokeExact(MemorySegment.ofAddress(pt.getHandle()), out);
                if (rc != 0) {
                    throw new TorchOpException(op(), "aoti_torch_new_tensor_handle failed with code " + rc);
                }
                handle = out.get(JAVA_LONG, 0);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new TorchOpException(op(), t.toString());
            }
            ownedHandles[handleCount++] = handle;
            return handle;
        }

        public Call tensor(NDArray array) {
            return push(freshHandle(array));
        }

        /** {@code Tensor?}: None when {@code array} is null. */
        public Call optionalTensor(NDArray array) {
            return array == null ? push(0L) : push(boxed(freshHandle(array)));
        }

        public Call int64(long value) {
            return push(value);
        }

        public Call bool(boolean value) {
            return push(value ? 1L : 0L);
        }

        public Call float64(double value) {
            return push(Double.doubleToRawLongBits(value));
        }

        /** {@code float?}: None when {@code value} is null. */
        public Call optionalFloat64(Double value) {
            return value == null ? push(0L) : push(boxed(Double.doubleToRawLongBits(value)));
        }

        public Call scalarType(int atenCode) {
            return push(atenCode);
        }

        /** {@code ScalarType?}: None when {@code atenCode} is null. */
        public Call optionalScalarType(Integer atenCode) {
            return atenCode == null ? push(0L) : push(boxed(atenCode.longValue()));
        }

        /** Any optional argument left at None (Layout?, Device?, MemoryFormat?, bool?, ...). */
        public Call none() {
            return push(0L);
        }

        /** A C++-heap cell holding {@code value}: the dispatcher deletes it after reading. */
        private long boxed(long value) {
            MemorySegment cell;
            try {
                cell = ((MemorySegment) cxxNew.invokeExact((long) Long.BYTES)).reinterpret(Long.BYTES);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new TorchOpException(op(), t.toString());
            }
            cell.set(JAVA_LONG, 0, value);
            ownedCells[cellCount++] = cell.address();
            return cell.address();
        }

        /** Runs the op; its tensor results are left in the stack's first slots. */
        private void dispatch() {
            if (manager == null) {
                throw new TorchOpException(op(), "needs at least one tensor argument");
            }
            int rc;
            try {
                rc = (int) callDispatcher.invokeExact(op.cName, op.cOverload, stack);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new TorchOpException(op(), t.toString());
            }
            // the dispatcher consumed the argument handles and optional cells, whatever the outcome
            handleCount = 0;
            cellCount = 0;
            if (rc != 0) {
                throw new TorchOpException(op(), "libtorch " + libtorchVersion + " returned error code " + rc
                        + " (libtorch printed its reason on stderr)");
            }
        }

        /** Runs the op and wraps its {@code resultCount} tensor results as DJL arrays. */
        public NDArray[] call(int resultCount) {
            dispatch();
            NDArray[] results = new NDArray[resultCount];
            for (int i = 0; i < resultCount; i++) {
                results[i] = new PtNDArray(manager, stack.getAtIndex(JAVA_LONG, i));
            }
            return results;
        }

        /** Runs an op with one tensor result and wraps it as a DJL array. */
        public NDArray call1() {
            dispatch();
            return new PtNDArray(manager, stack.getAtIndex(JAVA_LONG, 0));
        }

        /** Frees argument handles and cells made for a call that never reached the dispatcher; frees this for the thread's next call. */
        @Override
        public void close() {
            for (int i = 0; i < handleCount; i++) {
                try {
                    int ignored = (int) deleteTensorObject.invokeExact(MemorySegment.ofAddress(ownedHandles[i]));
                } catch (Throwable t) {
                    // nothing more can be done for a handle libtorch refuses to free
                }
            }
            handleCount = 0;
            for (int i = 0; i < cellCount; i++) {
                try {
                    cxxDelete.invokeExact(MemorySegment.ofAddress(ownedCells[i]));
                } catch (Throwable t) {
                    // unreachable for operator delete; nothing more to do
                }
            }
            cellCount = 0;
            manager = null;
            busy = false;
        }
    }

    /** Starts a call of {@code name} (e.g. {@code aten::silu}) with {@code overload} ("" for the default). */
    public Call op(String name, String overload) {
        return op(resolve(name, overload));
    }

    /** Starts a call of {@code op}, on this thread's reusable {@link Call} unless that one is being built. */
    public Call op(Op op) {
        Call call = calls.get();
        return (call.busy ? new Call() : call).start(op);
    }

    /**
     * The floor of this path, for {@code vlmd bench ops}: {@code calls} runs of {@code name.overload}
     * with {@code tensors} as its first arguments (a fresh handle each, as every call needs) and
     * {@code words} after them (ints, bools, float bits, or 0 for None), on one stack and names encoded
     * once, each call's single result deleted at once: nothing is allocated on the Java side per call.
     *
     * @return nanoseconds for all the calls
     */
    public long floorNanos(String name, String overload, NDArray[] tensors, long[] words, int calls) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = arena.allocateFrom(name);
            MemorySegment over = arena.allocateFrom(overload);
            MemorySegment stack = arena.allocate(JAVA_LONG, STACK_SLOTS);
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment[] handles = new MemorySegment[tensors.length];
            for (int i = 0; i < tensors.length; i++) {
                handles[i] = handleOf(tensors[i]);
            }
            long t0 = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                for (int i = 0; i < handles.length; i++) {
                    check((int) newTensorHandle.invokeExact(handles[i], out), "aoti_torch_new_tensor_handle");
                    stack.setAtIndex(JAVA_LONG, i, out.get(JAVA_LONG, 0));
                }
                for (int i = 0; i < words.length; i++) {
                    stack.setAtIndex(JAVA_LONG, handles.length + i, words[i]);
                }
                check((int) callDispatcher.invokeExact(op, over, stack), name);
                check((int) deleteTensorObject.invokeExact(MemorySegment.ofAddress(stack.getAtIndex(JAVA_LONG, 0))),
                        "aoti_torch_delete_tensor_object");
            }
            return System.nanoTime() - t0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new TorchOpException(name, t.toString());
        }
    }

    private static MemorySegment handleOf(NDArray array) {
        return MemorySegment.ofAddress(((PtNDArray) array).getHandle());
    }
}
