package org.vlmdistill.distill.loss;

/**
 * Rows of a truncated target as the top-k cache keeps them: row {@code r} has teacher
 * log-probabilities {@code logProbs[offsets[r] .. offsets[r + 1])} at token ids
 * {@code ids[offsets[r] ..]}, and {@code -inf} everywhere else.
 */
public record SparseTargetRows(int[] offsets, int[] ids, float[] logProbs) {
    public SparseTargetRows {
        if (offsets.length < 1 || offsets[0] != 0 || ids.length != logProbs.length
                || offsets[offsets.length - 1] != ids.length) {
            throw new IllegalArgumentException("offsets must run from 0 to " + ids.length + " entries");
        }
    }

    public int rows() {
        return offsets.length - 1;
    }
}
