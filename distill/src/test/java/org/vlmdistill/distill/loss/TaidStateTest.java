package org.vlmdistill.distill.loss;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TAID's t against the update of docs/methods.md simulated here in plain doubles. */
class TaidStateTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @Test
    void adaptiveUpdateFollowsAHandSimulatedSequence() {
        double tStart = 0.2 + 0.3 * random.nextDouble();
        double alpha = 0.05 + 0.2 * random.nextDouble(); // large, so the adaptive step wins over the linear one
        double beta = 0.9;
        Taid taid = new Taid(tStart, 1.0, alpha, beta, true);
        long total = 40;
        double t = tStart;
        double prev = Double.POSITIVE_INFINITY;
        double m = 0;
        double j = 5;
        boolean adaptiveWon = false;
        for (long step = 0; step < total; step++) {
            j = j * (0.8 + 0.3 * random.nextDouble());
            LossContext context = new LossContext(step, total);
            taid.afterMicroBatch(j, context);
            if (prev == Double.POSITIVE_INFINITY) {
                prev = j;
            } else {
                double delta = (prev - j) / (prev + 1e-15);
                m = beta * m + (1 - beta) * delta;
                double dt = alpha * (1 / (1 + Math.exp(-m))) * (1 - t);
                double linear = tStart + (1.0 - tStart) * step / total;
                adaptiveWon |= t + dt > linear;
                t = Math.min(1.0, Math.max(linear, t + dt));
                prev = j;
                assertEquals(dt, taid.metrics().get("dt"), 1e-15, "seed " + seed);
            }
            assertEquals(t, taid.t(), 1e-15, "step " + step + ", seed " + seed);
            assertEquals(m, taid.momentum(), 1e-15, "step " + step + ", seed " + seed);
            assertEquals(prev, taid.prevLoss(), 0.0, "seed " + seed);
            assertTrue(taid.t() <= 1.0);
        }
        assertTrue(adaptiveWon, "the adaptive branch was exercised, seed " + seed);
    }

    @Test
    void withoutTheAdaptiveUpdateTIsLinearAndNeverAboveTEnd() {
        Taid taid = new Taid(0.4, 0.8, 0.5, 0.99, false);
        taid.afterMicroBatch(3.0, new LossContext(0, 10));
        assertEquals(0.4, taid.t(), 0.0); // the first call only stores the loss
        for (long step = 1; step <= 12; step++) {
            taid.afterMicroBatch(3.0 / (step + 1), new LossContext(step, 10));
            // steps past the planned total (a resumed run) keep t at t_end
            assertEquals(0.4 + 0.4 * Math.min(step, 10) / 10.0, taid.t(), 1e-12);
        }
        Taid adaptive = new Taid(0.4, 0.8, 10.0, 0.0, true); // huge steps: t must stop at t_end
        for (long step = 0; step < 50; step++) {
            adaptive.afterMicroBatch(100.0 / (step + 1), new LossContext(step, 1000));
            assertTrue(adaptive.t() <= 0.8, "t " + adaptive.t() + " above t_end");
        }
        assertEquals(0.8, adaptive.t(), 1e-12);
    }

    @Test
    void stateRoundTripsIncludingAnInfinitePreviousLossAndRefusesBadMaps() {
        Taid fresh = new Taid();
        Map<String, Double> s0 = fresh.state();
        assertEquals(Double.POSITIVE_INFINITY, s0.get("prev_loss"));
        Taid other = new Taid();
        other.afterMicroBatch(2.0, new LossContext(0, 10));
        other.afterMicroBatch(1.5, new LossContext(1, 10));
        other.restore(s0);
        assertEquals(s0, other.state());
        Taid trained = new Taid();
        for (int i = 0; i < 5; i++) {
            trained.afterMicroBatch(2.0 - 0.1 * i, new LossContext(i, 10));
        }
        Taid restored = new Taid();
        restored.restore(trained.state());
        assertEquals(trained.state(), restored.state());
        trained.afterMicroBatch(1.2, new LossContext(6, 10));
        restored.afterMicroBatch(1.2, new LossContext(6, 10));
        assertEquals(trained.t(), restored.t(), 0.0);

        Map<String, Double> missing = new HashMap<>(trained.state());
        missing.remove("momentum");
        assertThrows(IllegalArgumentException.class, () -> restored.restore(missing));
        Map<String, Double> unknown = new HashMap<>(trained.state());
        unknown.put("temperature", 1.0);
        assertThrows(IllegalArgumentException.class, () -> restored.restore(unknown));
        assertThrows(IllegalArgumentException.class, () -> new Sft().restore(Map.of("t", 0.5)));
    }
}
