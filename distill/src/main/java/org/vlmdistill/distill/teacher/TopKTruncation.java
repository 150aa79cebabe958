package org.vlmdistill.distill.teacher;

import org.vlmdistill.core.tensor.HostReads;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * The teacher distribution the offline cache keeps (Peng et al., pre-training distillation:
 * truncation top-p then top-k, top-0.95-50 best; see docs/methods.md).
 *
 * <p>The rule, per row {@code z} of {@code V} logits:
 * <ol>
 *   <li>{@code s = z / tau}, in fp32 ({@code tau} rounded to fp32 first);</li>
 *   <li>{@code p = exp(s - logsumexp(s))} over the whole row, in fp64;</li>
 *   <li>order the tokens by {@code s} descending; <b>ties go to the lower token id first</b>;</li>
 *   <li>keep the smallest prefix whose cumulative {@code p} (summed in that order, fp64) is
 *       {@code >= topP}, at least one token (the whole row if rounding keeps the sum below topP);</li>
 *   <li>cut that prefix to at most {@code topK} tokens;</li>
 *   <li>store the kept set renormalized as log-probabilities:
 *       {@code log q_i = s_i - logsumexp_{j kept}(s_j)} (fp64, then rounded by the cache's encoding),
 *       in the order of step 3.</li>
 * </ol>
 * {@code -inf} logits are allowed (probability 0); NaN and {@code +inf} are errors.
 *
 * <p>Only the top {@code topK} tokens can ever be kept, so neither path sorts the row: the array
 * path (teacher logits on the GPU) asks the device for {@code topK + 1} candidates and the row's
 * logsumexp, and moves only those; the {@code float[]} path keeps a bounded heap of {@code topK}.
 * Both give the same tokens: when the device's candidates end inside a run of equal values that
 * reaches the kept set, which of the tied ids it returned is unspecified, so that row is redone
 * from its full logits on the {@code float[]} path.
 *
 * @param topP        cumulative probability to reach, in (0, 1]
 * @param topK        most tokens kept per position, 1..65535
 * @param temperature tau, {@code > 0}; 1 keeps the teacher's own distribution
 */
public record TopKTruncation(double topP, int topK, double temperature) {

    /** A count is stored in 16 bits. */
    public static final int MAX_TOP_K = 65_535;

    public TopKTruncation {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], was " + topP);
        }
        if (topK < 1 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("top-k must be in 1.." + MAX_TOP_K + ", was " + topK);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, was " + temperature);
        }
    }

    /** top-p 0.95, top-k 50, tau 1: the study's best setting. */
    public static TopKTruncation defaults() {
        return new TopKTruncation(0.95, 50, 1.0);
    }

    /**
     * One position's kept tokens, most probable first.
     *
     * @param ids      token ids, in the rule's order
     * @param logProbs {@code log q} of each, renormalized over the kept set
     */
    public record Kept(int[] ids, float[] logProbs) {
        public Kept {
            if (ids.length != logProbs.length || ids.length == 0) {
                throw new IllegalArgumentException("kept tokens: " + ids.length + " ids, " + logProbs.length
                        + " log-probs");
            }
        }

        public int count() {
            return ids.length;
        }
    }

    /** For describe() lines: {@code top-p 0.95, top-k 50, tau 1}. */
    public String describe() {
        return "top-p " + number(topP) + ", top-k " + topK + ", tau " + number(temperature);
    }

    static String number(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }

    /** The rule on one row of logits, read whole; the reference for the array path. */
    public Kept truncate(float[] logits) {
        int v = logits.length;
        if (v == 0) {
            throw new IllegalArgumentException("empty logits row");
        }
        float tau = (float) temperature;
        // a bounded min-heap of the k best (s desc, id asc): its root is the worst kept so far
        int k = Math.min(topK, v);
        int[] heapIds = new int[k];
        float[] heapS = new float[k];
        int size = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            float s = logits[i] / tau;
            if (Float.isNaN(s) || s == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logit " + i + " is " + logits[i]);
            }
            max = Math.max(max, s);
            if (size < k) {
                heapIds[size] = i;
                heapS[size] = s;
                siftUp(heapIds, heapS, size++);
            } else if (better(s, i, heapS[0], heapIds[0])) {
                heapIds[0] = i;
                heapS[0] = s;
                siftDown(heapIds, heapS, k);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every logit is -inf");
        }
        double sum = 0;
        for (float z : logits) {
            sum += Math.exp(z / tau - max);
        }
        double lse = max + Math.log(sum);
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> compare(heapS[a], heapIds[a], heapS[b], heapIds[b]));
        int[] ids = new int[k];
        float[] s = new float[k];
        for (int i = 0; i < k; i++) {
            ids[i] = heapIds[order[i]];
            s[i] = heapS[order[i]];
        }
        return keep(ids, s, k, lse);
    }

    /** Rows per device pass: bounds the fp64 copy of the rows to 64 x V x 8 bytes (78 MB at V 151936). */
    private static final int DEVICE_ROWS = 64;

    /**
     * The rule on each row of {@code logits} [n, V] (fp32, any device). Moves {@code n x (topK + 1)}
     * candidates and {@code n} logsumexps to the host, not the rows.
     */
    public Kept[] truncate(NDArray logits) {
        if (logits.getShape().dimension() != 2) {
            throw new IllegalArgumentException("teacher logits must be [n, V], were " + logits.getShape());
        }
        if (logits.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("teacher logits must be fp32, were " + logits.getDataType()
                    + " (cast bf16 with TorchOps.cast first)");
        }
        int n = Math.toIntExact(logits.getShape().get(0));
        Kept[] out = new Kept[n];
        for (int from = 0; from < n; from += DEVICE_ROWS) {
            int to = Math.min(n, from + DEVICE_ROWS);
            try (NDArray chunk = logits.get(from + ":" + to)) {
                truncateChunk(chunk, out, from);
            }
        }
        return out;
    }

    private void truncateChunk(NDArray z, Kept[] out, int offset) {
        int n = Math.toIntExact(z.getShape().get(0));
        int v = Math.toIntExact(z.getShape().get(1));
        int candidates = Math.min(topK + 1, v);
        float[] values;
        long[] indices;
        double[] lse;
        try (NDArray s = z.div((float) temperature);
             NDArray s64 = s.toType(DataType.FLOAT64, false);
             NDArray max = s64.max(new int[] {1}, true);
             NDArray shifted = s64.sub(max);
             NDArray e = shifted.exp();
             NDArray sum = e.sum(new int[] {1}, true);
             NDArray log = sum.log();
             NDArray l = log.add(max)) {
            NDList top = s.topK(candidates, 1, true, true);
            try (NDArray topIds = top.get(1).toType(DataType.INT64, false)) {
                values = HostReads.floats(top.get(0), "top-k teacher values for the cache");
                indices = HostReads.longs(topIds, "top-k teacher ids for the cache");
            } finally {
                top.close();
            }
            lse = HostReads.doubles(l, "teacher logsumexp for the cache");
        }
        int k = Math.min(topK, v);
        for (int r = 0; r < n; r++) {
            if (!Double.isFinite(lse[r])) {
                throw new IllegalArgumentException("row " + (offset + r) + " of the teacher logits is not finite "
                        + "(logsumexp " + lse[r] + ": NaN, +inf, or all -inf)");
            }
            int base = r * candidates;
            Integer[] order = new Integer[candidates];
            for (int i = 0; i < candidates; i++) {
                order[i] = base + i;
            }
            Arrays.sort(order, (a, b) -> compare(values[a], (int) indices[a], values[b], (int) indices[b]));
            int[] ids = new int[candidates];
            float[] s = new float[candidates];
            for (int i = 0; i < candidates; i++) {
                ids[i] = (int) indices[order[i]];
                s[i] = values[order[i]];
            }
            Kept kept = keep(ids, s, k, lse[r]);
            // the candidates end inside a run of equal values: the device returned some of the tied
            // ids, not necessarily the lowest; if the kept set reaches that value, redo the row exactly
            if (candidates > k && s[k] == s[k - 1] && s[kept.count() - 1] == s[k - 1]) {
                try (NDArray row = z.get(r)) {
                    kept = truncate(HostReads.floats(row, "a tied teacher row, redone exactly"));
                }
            }
            out[offset + r] = kept;
        }
    }

    /** Steps 4-6 on candidates in the rule's order ({@code ids.length >= k}). */
    private Kept keep(int[] ids, float[] s, int k, double lse) {
        // a -inf logit has probability 0 and is never kept
        while (k > 1 && s[k - 1] == Float.NEGATIVE_INFINITY) {
            k--;
        }
        int cut = k;
        double cumulative = 0;
        for (int i = 0; i < k; i++) {
            cumulative += Math.exp(s[i] - lse);
            if (cumulative >= topP) {
                cut = i + 1;
                break;
            }
        }
        double keptMax = s[0];
        double keptSum = 0;
        for (int i = 0; i < cut; i++) {
            keptSum += Math.exp(s[i] - keptMax);
        }
        double keptLse = keptMax + Math.log(keptSum);
        float[] logProbs = new float[cut];
        for (int i = 0; i < cut; i++) {
            logProbs[i] = (float) (s[i] - keptLse);
        }
        return new Kept(Arrays.copyOf(ids, cut), logProbs);
    }

    /** The rule's order: larger s first, then the lower id. */
    private static int compare(float sa, int ida, float sb, int idb) {
        return sa > sb ? -1 : sa < sb ? 1 : Integer.compare(ida, idb);
    }

    private static boolean better(float sa, int ida, float sb, int idb) {
        return compare(sa, ida, sb, idb) < 0;
    }

    private static void siftUp(int[] ids, float[] s, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!better(s[parent], ids[parent], s[i], ids[i])) {
                break;
            }
            swap(ids, s, i, parent);
            i = parent;
        }
    }

    private static void siftDown(int[] ids, float[] s, int size) {
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) {
                return;
            }
            int worst = left;
            int right = left + 1;
            if (right < size && better(s[worst], ids[worst], s[right], ids[right])) {
                worst = right;
            }
            if (!better(s[i], ids[i], s[worst], ids[worst])) {
                return;
            }
            swap(ids, s, i, worst);
            i = worst;
        }
    }

    private static void swap(int[] ids, float[] s, int a, int b) {
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        float x = s[a];
        s[a] = s[b];
        s[b] = x;
    }
}
