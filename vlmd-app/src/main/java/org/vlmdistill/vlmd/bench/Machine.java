package org.vlmdistill.vlmd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One line that says where a figure was measured. */
public final class Machine {
    private Machine() {}

    public static String describe() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException ignored) {
            // not Linux: keep the placeholder
        }
        Runtime rt = Runtime.getRuntime();
        return "%s, %d cores, %.0f GiB RAM, JVM heap limit %.1f GiB, Java %s, %s %s".formatted(
                cpu, rt.availableProcessors(), totalMemoryGiB(), rt.maxMemory() / (double) (1L << 30),
                Runtime.version(), System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    private static double totalMemoryGiB() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", "")) / (double) (1 << 20)).orElse(0.0);
        } catch (IOException e) {
            return 0;
        }
    }
}
