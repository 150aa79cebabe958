package org.vlmdistill.distill.schedule;

import java.util.Locale;

/**
 * A value that follows the optimizer step: the learning rate, the distillation ratio, CTKD's lambda.
 * {@code at(step, total)} for {@code step} in {@code [0, total]}; every schedule but constant ramps
 * linearly from 0 over its first {@code warmupSteps} steps.
 */
public sealed interface Schedule {

    double at(long step, long totalSteps);

    /** The config's {@code type} name. */
    String type();

    /** {@code value}, after a linear warmup from 0 when {@code warmupSteps > 0}. */
    record Constant(double value, long warmupSteps) implements Schedule {
        public Constant {
            requireWarmup(warmupSteps);
        }

        public Constant(double value) {
            this(value, 0);
        }

        @Override
        public double at(long step, long totalSteps) {
            return value * warmup(step, warmupSteps);
        }

        @Override
        public String type() {
            return "constant";
        }
    }

    /**
     * Warmup from 0 to {@code from}, then a straight line from {@code from} at the warmup's end to
     * {@code to} at the last step (HF's {@code linear} is {@code to = 0}).
     */
    record Linear(double from, double to, long warmupSteps) implements Schedule {
        public Linear {
            requireWarmup(warmupSteps);
        }

        @Override
        public double at(long step, long totalSteps) {
            if (step < warmupSteps) {
                return from * warmup(step, warmupSteps);
            }
            return from + (to - from) * fraction(step - warmupSteps, totalSteps - warmupSteps);
        }

        @Override
        public String type() {
            return "linear";
        }
    }

    /**
     * Warmup to {@code peak}, then half a cosine down to {@code peak * minRatio} at the last step:
     * {@code peak * (minRatio + (1 - minRatio) * (1 + cos(pi * s)) / 2)}, s the fraction after warmup.
     */
    record Cosine(double peak, long warmupSteps, double minRatio) implements Schedule {
        public Cosine {
            requireWarmup(warmupSteps);
            requireRatio(minRatio);
        }

        @Override
        public double at(long step, long totalSteps) {
            if (step < warmupSteps) {
                return peak * warmup(step, warmupSteps);
            }
            double s = fraction(step - warmupSteps, totalSteps - warmupSteps);
            return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * s)));
        }

        @Override
        public String type() {
            return "cosine";
        }
    }

    /**
     * Warmup-stable-decay: warmup to {@code peak}, hold it, and over the last {@code decayFraction} of
     * the steps fall linearly to {@code peak * minRatio}. Peng et al. found it best both for the
     * learning rate and for the distillation ratio (with peak 0.9).
     */
    record Wsd(double peak, long warmupSteps, double decayFraction, double minRatio) implements Schedule {
        public Wsd {
            requireWarmup(warmupSteps);
            requireRatio(minRatio);
            if (!(decayFraction >= 0 && decayFraction <= 1)) {
                throw new IllegalArgumentException("decay_fraction must be in [0, 1], was " + decayFraction);
            }
        }

        @Override
        public double at(long step, long totalSteps) {
            if (step < warmupSteps) {
                return peak * warmup(step, warmupSteps);
            }
            long decaySteps = Math.round(decayFraction * totalSteps);
            long decayStart = Math.max(warmupSteps, totalSteps - decaySteps);
            if (step < decayStart || decaySteps == 0) {
                return peak;
            }
            double s = fraction(step - decayStart, totalSteps - decayStart);
            return peak * (1 - (1 - minRatio) * s);
        }

        @Override
        public String type() {
            return "wsd";
        }
    }

    /** A short description for plans and logs. */
    default String describe() {
        return switch (this) {
            case Constant c -> String.format(Locale.ROOT, "constant %g%s", c.value(), warmupText(c.warmupSteps()));
            case Linear l -> String.format(Locale.ROOT, "linear %g -> %g%s", l.from(), l.to(), warmupText(l.warmupSteps()));
            case Cosine c -> String.format(Locale.ROOT, "cosine peak %g to x%g%s", c.peak(), c.minRatio(),
                    warmupText(c.warmupSteps()));
            case Wsd w -> String.format(Locale.ROOT, "wsd peak %g, last %.0f%% decays to x%g%s", w.peak(),
                    100 * w.decayFraction(), w.minRatio(), warmupText(w.warmupSteps()));
        };
    }

    private static String warmupText(long warmup) {
        return warmup > 0 ? ", warmup " + warmup : "";
    }

    /** {@code (step + 1) / warmup} during warmup, so step 0 already moves (HF's convention is step / warmup). */
    private static double warmup(long step, long warmupSteps) {
        return step >= warmupSteps ? 1.0 : (double) (step + 1) / (warmupSteps + 1);
    }

    private static double fraction(long done, long span) {
        return span <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (double) done / span));
    }

    private static void requireWarmup(long warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup_steps must be >= 0, was " + warmupSteps);
        }
    }

    private static void requireRatio(double minRatio) {
        if (!(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("min_ratio must be in [0, 1], was " + minRatio);
        }
    }
}
