package org.vlmdistill.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
