package org.vlmdistill.core;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** This process's resident memory, for the tests that count what a forward keeps for its backward. */
public final class ResidentMemory {
    private ResidentMemory() {
    }

    /** VmRSS from {@code /proc/self/status}, in KiB. */
    public static long kib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * Resident growth while {@code forward} runs, in units of {@code unitBytes}: its output and what autograd
     * keeps for the backward. The backward of the output's sum then runs in {@code gc}, which frees it and
     * leaves the gradients for the caller to check. With arrays above glibc's largest mmap threshold (32 MiB)
     * resident memory moves by whole arrays.
     */
    public static double keptBy(Supplier<NDArray> forward, GradientCollector gc, double unitBytes) throws IOException {
        long before = kib();
        NDArray y = forward.get();
        double kept = (kib() - before) * 1024.0 / unitBytes;
        gc.backward(y.sum());
        return kept;
    }
}
