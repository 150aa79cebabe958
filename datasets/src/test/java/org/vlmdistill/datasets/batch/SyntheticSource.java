package org.vlmdistill.datasets.batch;

import org.vlmdistill.datasets.read.SkipReason;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * Samples made from their index: sample i has {@code lengths[i]} tokens all equal to i, loss on its
 * second half, and one two-token image at position 1 when it is long enough. Options: a random
 * delay per sample (to shake worker timing), samples that skip, samples that fail.
 */
final class SyntheticSource implements SampleSource<TokenizedSample<String>> {

    private final int[] lengths;
    private final int maxDelayMicros;
    private final IntPredicate skips;
    private final IntPredicate fails;
    final AtomicInteger calls = new AtomicInteger();

    SyntheticSource(int[] lengths, int maxDelayMicros, IntPredicate skips, IntPredicate fails) {
        this.lengths = lengths.clone();
        this.maxDelayMicros = maxDelayMicros;
        this.skips = skips;
        this.fails = fails;
    }

    /** {@code size} samples of 1 to {@code maxLength} tokens, drawn from {@code seed}. */
    static SyntheticSource random(long seed, int size, int maxLength) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] lengths = new int[size];
        for (int i = 0; i < size; i++) {
            lengths[i] = 1 + random.nextInt(maxLength);
        }
        return new SyntheticSource(lengths, 0, i -> false, i -> false);
    }

    SyntheticSource withDelay(int micros) {
        return new SyntheticSource(lengths, micros, skips, fails);
    }

    SyntheticSource skipping(IntPredicate which) {
        return new SyntheticSource(lengths, maxDelayMicros, which, fails);
    }

    SyntheticSource failing(IntPredicate which) {
        return new SyntheticSource(lengths, maxDelayMicros, skips, which);
    }

    int length(int index) {
        return lengths[index];
    }

    @Override
    public int size() {
        return lengths.length;
    }

    @Override
    public String idOf(int index) {
        return "s" + index;
    }

    @Override
    public TokenizedSample<String> get(int index) {
        calls.incrementAndGet();
        if (maxDelayMicros > 0) {
            try {
                Thread.sleep(java.time.Duration.ofNanos(1000L * ThreadLocalRandom.current().nextInt(maxDelayMicros)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (fails.test(index)) {
            throw new IllegalStateException("broken sample " + index);
        }
        if (skips.test(index)) {
            throw new SkipSampleException(SkipReason.CORRUPT_IMAGE, "test skip " + index);
        }
        int n = lengths[index];
        int[] ids = new int[n];
        int[] labels = new int[n];
        for (int k = 0; k < n; k++) {
            ids[k] = index;
            labels[k] = k < n / 2 ? TokenizedSample.IGNORE_INDEX : index;
        }
        var images = n >= 4 ? java.util.List.of(new ImageSpan<>(1, 2, "img-" + index)) : java.util.List.<ImageSpan<String>>of();
        return new TokenizedSample<>(idOf(index), ids, labels, images, "synthetic " + index);
    }
}
