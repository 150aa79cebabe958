package org.vlmdistill.vlmd.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.safetensors.SafetensorsFile;
import org.vlmdistill.core.safetensors.SafetensorsWriter;
import org.vlmdistill.core.safetensors.TensorData;
import org.vlmdistill.core.safetensors.TensorInfo;
import org.vlmdistill.core.tensor.DType;
import org.vlmdistill.core.tensor.TensorLoader;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Safetensors into NDArrays against {@code cat FILE > /dev/null} on the same file in the same run
 * (both from the page cache after a first read), and the heap a large file costs while open.
 */
public final class SafetensorsBench {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private SafetensorsBench() {}

    /** A file of {@code totalBytes} in tensors of at most 256 MiB, random values, written once. */
    public static Path makeFile(Path dir, long totalBytes, DType dtype, PrintStream out) throws IOException {
        Path file = dir.resolve("bench-%dMiB-%s.safetensors".formatted(totalBytes / MIB, dtype.safetensorsName()));
        if (Files.isRegularFile(file) && Files.size(file) >= totalBytes) {
            out.println("  reusing " + file);
            return file;
        }
        long tensorBytes = Math.min(totalBytes, 256 * MIB);
        int count = (int) Math.ceilDiv(totalBytes, tensorBytes);
        long cols = 4096;
        long rows = tensorBytes / dtype.byteSize() / cols;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(rows * cols * dtype.byteSize(), 64);
            SplittableRandom random = new SplittableRandom(42);
            for (long i = 0; i < block.byteSize() / 8; i++) { // bits of small normal-ish floats, any dtype
                block.setAtIndex(ValueLayout.JAVA_LONG, i, random.nextLong() & 0x3F3F3F3F3F3F3F3FL);
            }
            List<TensorData> tensors = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                tensors.add(new TensorData("model.layers.%d.mlp.weight".formatted(i), dtype, new long[] {rows, cols}, block));
            }
            out.printf("  writing %s (%d tensors of %d MiB) ...%n", file, count, block.byteSize() / MIB);
            SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        }
        return file;
    }

    public record ReadResult(Path file, long bytes, DType target, Timing cat, Timing load) {
        public double catGiBps() {
            return bytes / (double) GIB / cat.median();
        }

        public double loadGiBps() {
            return bytes / (double) GIB / load.median();
        }

        public double ratio() {
            return loadGiBps() / catGiBps();
        }
    }

    /** Runs cat and the loader alternately, {@code runs} times each after one warm-up of each. */
    public static ReadResult read(Path file, DType target, TorchOps ops, int runs, PrintStream out) throws Exception {
        long bytes = Files.size(file);
        TensorLoader loader = new TensorLoader(ops);
        cat(file);
        loadAll(file, target, loader);
        double[] c = new double[runs];
        double[] l = new double[runs];
        for (int i = 0; i < runs; i++) {
            c[i] = Timing.seconds(() -> cat(file));
            l[i] = Timing.seconds(() -> loadAll(file, target, loader));
            out.printf("  run %d: cat %.2f GiB/s, into NDArrays (%s) %.2f GiB/s%n", i + 1,
                    bytes / (double) GIB / c[i], target, bytes / (double) GIB / l[i]);
        }
        return new ReadResult(file, bytes, target, new Timing("cat", c), new Timing("load", l));
    }

    private static void cat(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "cat \"$0\" > /dev/null", file.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("cat " + file + " failed with exit code " + p.exitValue());
        }
    }

    /** Every tensor of the file into an NDArray (libtorch-owned memory), then freed. */
    private static void loadAll(Path file, DType target, TensorLoader loader) throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            for (TensorInfo t : st.tensors()) {
                try (NDManager one = m.newSubManager()) {
                    NDArray a = loader.load(one, st.data(t), t.dtype(), t.shapeArray(), target, t.name());
                    if (a.getShape().size() != t.numElements()) {
                        throw new IllegalStateException("wrong element count for " + t.name());
                    }
                }
            }
        }
    }

    public record HeapResult(long fileBytes, long heapBefore, long heapOpen, long heapLoaded, long heapMax,
                             long rssBefore, long rssOpen, long rssLoaded) {}

    /**
     * Heap in use (after a GC) before opening the file, while it is open with every tensor's slice
     * taken, and with every tensor loaded into an NDArray (kept, in the file's dtype), with the
     * JVM's heap limit for scale.
     */
    public static HeapResult heapWhileOpen(Path file, TorchOps ops) throws IOException {
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        long rssBefore = rss();
        try (SafetensorsFile st = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            long touched = 0;
            for (TensorInfo t : st.tensors()) {
                MemorySegment data = st.data(t);
                touched += data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1); // the slice is usable
            }
            System.gc();
            long open = memory.getHeapMemoryUsage().getUsed();
            long rssOpen = rss();
            TensorLoader loader = new TensorLoader(ops);
            List<NDArray> kept = new ArrayList<>();
            for (TensorInfo t : st.tensors()) {
                kept.add(loader.load(m, st.data(t), t.dtype(), t.shapeArray(), t.dtype(), t.name()));
            }
            System.gc();
            long loaded = memory.getHeapMemoryUsage().getUsed();
            if (touched == Long.MIN_VALUE || kept.size() != st.tensors().size()) {
                throw new IllegalStateException("unreachable");
            }
            return new HeapResult(Files.size(file), before, open, loaded, memory.getHeapMemoryUsage().getMax(),
                    rssBefore, rssOpen, rss());
        }
    }

    private static long rss() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).orElse(-1L);
    }
}
