package org.vlmdistill.datasets.batch;

import org.vlmdistill.core.random.SplitMix64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * Which samples make up each of this rank's batches, epoch by epoch. A pure function of the config,
 * the sample count and (under bucketing) the sample lengths: every rank and every resumed run
 * computes the same epochs without talking to anyone.
 *
 * <p>An epoch, in order:
 * <ol>
 *   <li>the sample order: {@link EpochOrder#permutation} of (seed, epoch), or index order;</li>
 *   <li>bucketing: each window of {@code bucketWindow * batchSize} samples of that order is sorted by
 *       length (ties by order), so a batch holds samples of similar length;</li>
 *   <li>cut into batches of {@code batchSize}; at most one partial batch, the last;</li>
 *   <li>{@link Remainder#DROP} drops the partial batch;</li>
 *   <li>bucketing with shuffle: the batches are shuffled (their own (seed, epoch) stream), so long and
 *       short batches alternate at random instead of following the windows;</li>
 *   <li>data-parallel split: rank r's step s is batch {@code s * worldSize + r} (mod the batch count,
 *       under {@link Remainder#PAD}); every rank takes {@link #stepsPerEpoch()} steps.</li>
 * </ol>
 */
public final class BatchPlan {

    private final BatchingConfig config;
    private final int sampleCount;
    private final int[] lengths; // null without bucketing: the order never looks at lengths then
    private final int stepsPerEpoch;
    private final String key;

    private BatchPlan(BatchingConfig config, int sampleCount, int[] lengths) {
        this.config = config;
        this.sampleCount = sampleCount;
        this.lengths = lengths;
        int full = sampleCount / config.batchSize();
        int partial = sampleCount % config.batchSize() == 0 ? 0 : 1;
        this.stepsPerEpoch = switch (config.remainder()) {
            case DROP -> full / config.worldSize();
            case PAD -> (full + partial + config.worldSize() - 1) / config.worldSize();
        };
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException(sampleCount + " samples make no batch of " + config.batchSize()
                    + " for each of " + config.worldSize() + " rank(s) under " + config.remainder());
        }
        this.key = "samples=" + sampleCount + " batchSize=" + config.batchSize() + " shuffle=" + config.shuffle()
                + " bucketWindow=" + config.bucketWindow() + " rank=" + config.rank() + "/" + config.worldSize()
                + " remainder=" + config.remainder()
                + (lengths == null ? "" : " lengths=" + Long.toHexString(fingerprint(lengths)));
    }

    /**
     * A plan over {@code sampleCount} samples.
     *
     * @param lengthOf the token count of sample i, or a cheap estimate of it (read once per index);
     *                 only bucketing uses it, and may be null without bucketing
     */
    public static BatchPlan of(BatchingConfig config, int sampleCount, IntUnaryOperator lengthOf) {
        Objects.requireNonNull(config, "config");
        if (sampleCount < 0) {
            throw new IllegalArgumentException("sampleCount must be >= 0, was " + sampleCount);
        }
        int[] lengths = null;
        if (config.bucketed()) {
            Objects.requireNonNull(lengthOf, "length bucketing needs the length of each sample");
            lengths = new int[sampleCount];
            for (int i = 0; i < sampleCount; i++) {
                lengths[i] = lengthOf.applyAsInt(i);
                if (lengths[i] < 0) {
                    throw new IllegalArgumentException("sample " + i + " has length " + lengths[i]);
                }
            }
        }
        return new BatchPlan(config, sampleCount, lengths);
    }

    /** A plan without bucketing. */
    public static BatchPlan of(BatchingConfig config, int sampleCount) {
        return of(config, sampleCount, null);
    }

    public BatchingConfig config() {
        return config;
    }

    public int sampleCount() {
        return sampleCount;
    }

    /** Batches each rank gets per epoch; the same for every epoch and every rank. */
    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /**
     * What must match for a cursor to be valid here: the sample count, the config apart from the seed,
     * and a hash of the lengths under bucketing (other lengths, other batches).
     */
    public String key() {
        return key;
    }

    /** The cursor at the start of epoch 0. */
    public Cursor start() {
        return new Cursor(config.seed(), 0, 0, key);
    }

    /** The cursor after step {@code step} of {@code epoch}: the next step, or the next epoch's first. */
    public Cursor after(int epoch, int step) {
        return step + 1 >= stepsPerEpoch
                ? new Cursor(config.seed(), epoch + 1, 0, key)
                : new Cursor(config.seed(), epoch, step + 1, key);
    }

    /**
     * {@code cursor} checked against this plan, with the end of an epoch written as the next epoch's
     * start.
     *
     * @throws IllegalArgumentException if the cursor is from another seed or plan, or past the epoch
     */
    public Cursor restore(Cursor cursor) {
        if (cursor.seed() != config.seed() || !cursor.plan().equals(key)) {
            throw new IllegalArgumentException("cursor of another run: it has seed " + cursor.seed() + " and plan '"
                    + cursor.plan() + "', this run seed " + config.seed() + " and plan '" + key + "'");
        }
        if (cursor.step() > stepsPerEpoch) {
            throw new IllegalArgumentException("cursor at step " + cursor.step() + " of an epoch of "
                    + stepsPerEpoch + " steps");
        }
        return cursor.step() == stepsPerEpoch ? new Cursor(config.seed(), cursor.epoch() + 1, 0, key) : cursor;
    }

    /** This rank's batches of {@code epoch} in step order, as sample indices; the caller owns the arrays. */
    public List<int[]> epoch(int epoch) {
        List<int[]> all = allBatches(epoch);
        int worldSize = config.worldSize();
        List<int[]> mine = new ArrayList<>(stepsPerEpoch);
        for (int step = 0; step < stepsPerEpoch; step++) {
            mine.add(all.get((step * worldSize + config.rank()) % all.size()));
        }
        return List.copyOf(mine);
    }

    /** Every rank's batches of the epoch, before the split (the same on every rank). */
    private List<int[]> allBatches(int epoch) {
        int[] order;
        if (config.shuffle()) {
            order = EpochOrder.permutation(config.seed(), epoch, sampleCount);
        } else {
            order = new int[sampleCount];
            Arrays.setAll(order, i -> i);
        }
        if (lengths != null) {
            sortWindowsByLength(order);
        }
        int batchSize = config.batchSize();
        List<int[]> batches = new ArrayList<>((sampleCount + batchSize - 1) / batchSize);
        for (int from = 0; from < sampleCount; from += batchSize) {
            int to = Math.min(from + batchSize, sampleCount);
            if (to - from < batchSize && config.remainder() == Remainder.DROP) {
                break;
            }
            batches.add(Arrays.copyOfRange(order, from, to));
        }
        if (lengths != null && config.shuffle()) {
            SplitMix64 random = EpochOrder.stream(config.seed(), epoch, EpochOrder.BATCH_STREAM);
            for (int i = batches.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                batches.set(j, batches.set(i, batches.get(j)));
            }
        }
        return batches;
    }

    /** Sorts each window of {@code order} by length; ties keep their order (the key's low half is the position). */
    private void sortWindowsByLength(int[] order) {
        int window = (int) Math.min((long) config.bucketWindow() * config.batchSize(), Integer.MAX_VALUE);
        for (int from = 0; from < order.length; from += window) {
            int to = (int) Math.min((long) from + window, order.length);
            long[] keys = new long[to - from];
            for (int k = 0; k < keys.length; k++) {
                keys[k] = (long) lengths[order[from + k]] << 32 | k;
            }
            Arrays.sort(keys);
            int[] inWindow = Arrays.copyOfRange(order, from, to);
            for (int k = 0; k < keys.length; k++) {
                order[from + k] = inWindow[(int) keys[k]];
            }
        }
    }

    private static long fingerprint(int[] lengths) {
        long h = SplitMix64.mix(lengths.length);
        for (int length : lengths) {
            h = SplitMix64.mix(h ^ length);
        }
        return h;
    }

    @Override
    public String toString() {
        return "BatchPlan[" + key + " seed=" + config.seed() + " steps=" + stepsPerEpoch + "]";
    }
}
