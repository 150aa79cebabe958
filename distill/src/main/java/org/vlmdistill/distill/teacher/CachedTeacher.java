package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.loss.SparseTargetRows;
import org.vlmdistill.distill.loss.TeacherLogits;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The teacher as the offline cache remembers it: each aligned row's kept tokens, found by
 * (sample id, text index), as log-probabilities with {@code -inf} elsewhere.
 */
public final class CachedTeacher implements TeacherSource {
    private final TeacherCache cache;

    public CachedTeacher(TeacherCache cache) {
        this.cache = cache;
    }

    public static CachedTeacher open(Path dir) throws IOException {
        return new CachedTeacher(TeacherCache.open(dir));
    }

    public TeacherCache cache() {
        return cache;
    }

    @Override
    public String describe() {
        return "cache: " + cache.directory() + " (" + cache.truncation().describe() + ")";
    }

    @Override
    public boolean truncated() {
        return true;
    }

    /**
     * Reads every row's entry now, so a sample or text index the cache lacks fails before the
     * step's forward pass; the dense rows are built chunk by chunk in {@link TeacherLogits#rows}.
     */
    @Override
    public TeacherLogits forStep(StepBatch batch, AlignedRows rows, int vocab, NDManager manager) {
        if (batch != null && !batch.student().sampleIds().equals(rows.sampleIds())) {
            throw new IllegalArgumentException("aligned rows name samples " + rows.sampleIds() + ", the batch holds "
                    + batch.student().sampleIds());
        }
        int n = rows.size();
        Map<String, CachedSample> samples = new HashMap<>();
        CachedSample[] sampleOf = new CachedSample[n];
        int[] positionOf = new int[n];
        for (int r = 0; r < n; r++) {
            String id = rows.sampleIds().get(rows.batchRow()[r]);
            CachedSample sample = samples.get(id);
            if (sample == null) {
                try {
                    sample = cache.lookup(id);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (sample == null) {
                    throw new IllegalStateException("teacher cache " + cache.directory() + " has no sample " + id
                            + " (text index " + rows.textIndex()[r] + "): made from other data or another template?");
                }
                samples.put(id, sample);
            }
            int p = sample.positionOf(rows.textIndex()[r]);
            if (p < 0) {
                throw new IllegalStateException("teacher cache " + cache.directory() + " has sample " + id
                        + " but no text index " + rows.textIndex()[r] + ": made from other data or another template?");
            }
            for (int i = 0; i < sample.count(p); i++) {
                if (sample.id(p, i) >= vocab) {
                    throw new IllegalStateException("teacher cache " + cache.directory() + ": sample " + id
                            + " text index " + rows.textIndex()[r] + " keeps token " + sample.id(p, i)
                            + ", outside the shared vocabulary of " + vocab);
                }
            }
            sampleOf[r] = sample;
            positionOf[r] = p;
        }
        return new TeacherLogits() {
            /** The sparse rows written out densely: {@code -inf} but at the kept ids. */
            @Override
            public NDArray rows(int from, int to) {
                SparseTargetRows sparse = sparseRows(from, to);
                int m = to - from;
                // a fresh direct buffer: on the CPU, DJL's array may keep using this memory
                ByteBuffer bytes = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(m, vocab), 4))
                        .order(ByteOrder.nativeOrder());
                FloatBuffer floats = bytes.asFloatBuffer();
                float[] row = new float[vocab];
                for (int r = 0; r < m; r++) {
                    Arrays.fill(row, Float.NEGATIVE_INFINITY);
                    for (int k = sparse.offsets()[r]; k < sparse.offsets()[r + 1]; k++) {
                        row[sparse.ids()[k]] = sparse.logProbs()[k];
                    }
                    floats.put(row);
                }
                return manager.create(bytes, new Shape(m, vocab), DataType.FLOAT32);
            }

            /** The kept entries as they are: the fused kernels read k values a row, not V. */
            @Override
            public SparseTargetRows sparseRows(int from, int to) {
                if (from < 0 || to > n || from > to) {
                    throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + n);
                }
                int[] offsets = new int[to - from + 1];
                for (int r = from; r < to; r++) {
                    offsets[r - from + 1] = offsets[r - from] + sampleOf[r].count(positionOf[r]);
                }
                int[] ids = new int[offsets[to - from]];
                float[] logProbs = new float[ids.length];
                for (int r = from; r < to; r++) {
                    CachedSample s = sampleOf[r];
                    int p = positionOf[r];
                    for (int i = 0; i < s.count(p); i++) {
                        ids[offsets[r - from] + i] = s.id(p, i);
                        logProbs[offsets[r - from] + i] = s.logProb(p, i);
                    }
                }
                return new SparseTargetRows(offsets, ids, logProbs);
            }
        };
    }

    @Override
    public void close() {
        try {
            cache.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
