package org.vlmdistill.vlmd.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.vlmd.cli.Vlmd;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loss benchmark's memory reading: a run's peak above its inputs must see the gradient it writes,
 * and not see one where the gradient goes over the logits.
 */
class LossBenchTest {
    private static final Pattern RUN = Pattern.compile("run (\\d+): [0-9.]+ s, RSS [0-9.]+ GiB before the loss, (\\d+) MiB above it");

    /**
     * In a fresh process (`vlmd bench loss`), as the benchmark is meant to run: in this test JVM the
     * allocator may hand the gradient memory that earlier tests left resident, and RSS would not grow.
     */
    @Test
    void theLossesOwnPeakHoldsAtLeastTheGradient(@TempDir Path tmp) throws Exception {
        int tokens = 256;
        int vocab = 40_000; // 41 MB an array, past glibc's largest mmap threshold (32 MiB): mapped afresh
        double gradientMiB = (double) tokens * vocab * Float.BYTES / (1 << 20);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        for (String variant : new String[]{"fused", "composed", "in-place"}) {
            List<String> command = new ArrayList<>(List.of(javaBin));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(flag -> !flag.startsWith("-Xmx") && !flag.startsWith("-javaagent")).toList());
            command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Vlmd.class.getName(),
                    "bench", "loss", "--loss", "taid", "--variant", variant, "--tokens", "" + tokens, "--vocab", "" + vocab,
                    "--chunk", "64", "--reps", "3"));
            Path log = tmp.resolve(variant + ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), variant + " did not finish");
            String out = Files.readString(log);
            assertEquals(0, p.exitValue(), out);
            Matcher m = RUN.matcher(out);
            int runs = 0;
            double leastAfterFirst = Double.POSITIVE_INFINITY;
            while (m.find()) {
                runs++;
                double above = Double.parseDouble(m.group(2));
                if (runs > 1) { // the first run also grows the JVM (compiled code, heap): up to 0.6 GiB
                    leastAfterFirst = Math.min(leastAfterFirst, above);
                }
                if (!variant.equals("in-place")) {
                    assertTrue(above >= 0.9 * gradientMiB, variant + " run " + m.group(1) + ": " + above
                            + " MiB above the inputs, gradient " + gradientMiB + " MiB\n" + out);
                }
            }
            assertEquals(3, runs, out);
            if (variant.equals("in-place")) { // the gradient went over the logits: no array of its own
                assertTrue(leastAfterFirst < 0.25 * gradientMiB, "in-place: " + leastAfterFirst
                        + " MiB above the inputs, gradient " + gradientMiB + " MiB\n" + out);
            }
            assertTrue(out.contains("loss taid " + variant + ", 256 x 40000 fp32"), out);
        }
    }

    @Test
    void anUnknownVariantIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LossBench("taid", 4, 10, 2, "fast", 1, 8).run(new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("fast"), e.getMessage());
    }
}
