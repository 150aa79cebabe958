package org.vlmdistill.distill.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss benchmark's memory reading: a run's peak above its inputs must see the gradient it writes. */
class LossBenchTest {

    @Test
    void theLossesOwnPeakHoldsAtLeastTheGradient() throws Exception {
        int tokens = 256;
        // 41 MB an array: above glibc's largest mmap threshold (32 MiB), so each run maps its arrays
        // afresh and returns them at free, instead of reusing heap the last run left resident
        int vocab = 40_000;
        long gradientBytes = (long) tokens * vocab * Float.BYTES;
        for (String variant : new String[]{"fused", "composed"}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            LossBench.Result r = new LossBench("taid", tokens, vocab, 64, variant, 2, 64)
                    .run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertTrue(r.peakReset(), "Linux resets VmHWM through /proc/self/clear_refs");
            assertEquals(2, r.timing().seconds().length);
            for (double above : r.aboveInputsBytes()) {
                assertTrue(above >= 0.9 * gradientBytes, variant + ": " + above + " bytes above the inputs, gradient "
                        + gradientBytes);
            }
            // baseline + two [N, V] inputs + the gradient, at least
            assertTrue(r.peakRssBytes() >= r.rssBeforeBytes() + 2.7 * gradientBytes, variant + ": peak " + r.peakRssBytes());
            String out = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("run 2: ") && out.contains("above it at the peak"), out);
        }
    }

    @Test
    void anUnknownVariantIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LossBench("taid", 4, 10, 2, "fast", 1, 8).run(new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("fast"), e.getMessage());
    }
}
