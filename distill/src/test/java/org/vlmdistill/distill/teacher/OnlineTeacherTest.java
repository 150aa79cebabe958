package org.vlmdistill.distill.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlmdistill.core.device.ComputePolicy;
import org.vlmdistill.core.model.Parameter;
import org.vlmdistill.datasets.batch.Batch;
import org.vlmdistill.datasets.batch.BatchingConfig;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.distill.align.AlignedRows;
import org.vlmdistill.distill.align.StreamAlignment;
import org.vlmdistill.distill.data.StepBatch;
import org.vlmdistill.distill.data.StepBatches;
import org.vlmdistill.distill.data.TinyPair;
import org.vlmdistill.distill.loss.TeacherLogits;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnlineTeacherTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    @TempDir
    Path tmp;

    @Test
    void rowsAreTheTeachersOwnLogitsAtTheMatchedPositionsCutToTheSharedVocab() throws Exception {
        System.out.println("OnlineTeacherTest seed " + seed);
        ComputePolicy fp32 = ComputePolicy.of(Map.of("dtype", "fp32", "device", "cpu"));
        try (TinyPair pair = TinyPair.create(tmp, seed, 6);
             StepBatches batches = pair.batches(pair.samples(true), BatchingConfig.of(3, seed), null, 1, 0);
             OnlineTeacher teacher = OnlineTeacher.load(pair.teacherDir, fp32);
             NDManager step = NDManager.newBaseManager()) {
            assertFalse(teacher.truncated());
            assertTrue(teacher.describe().startsWith("online: " + pair.teacherDir + " (idefics3, F32"),
                    teacher.describe());
            for (Parameter p : teacher.model().parameters().list()) {
                assertFalse(p.array().hasGradient(), p.name());
            }
            StepBatch b = batches.next();
            AlignedRows rows = StreamAlignment.align(b);
            int vocab = TinyPair.STUDENT.configVocabSize();
            int n = rows.size();
            TeacherLogits logits = teacher.forStep(b, rows, vocab, step);

            // the reference: the teacher's full forward, [B, T_t, V_t], gathered and cut by hand
            Batch<PixelValues> t = b.teacher();
            NDArray ids = step.create(toLong(t.inputIds()), new Shape(t.size(), t.sequenceLength()));
            NDArray mask = step.create(toLong(t.attentionMask()), new Shape(t.size(), t.sequenceLength()));
            NDArray full = ((org.vlmdistill.core.model.VisionLanguageModel) teacher.model()).forward(ids, StepBatch.pixels(t, step), mask, null).logits();
            int teacherVocab = TinyPair.TEACHER.configVocabSize();
            assertEquals(teacherVocab, full.getShape().get(2));
            float[] all = full.reshape(-1, teacherVocab).toFloatArray();

            int cut = 1 + random.nextInt(n);
            float max = 0;
            for (int[] range : new int[][] {{0, cut}, {cut, n}}) {
                if (range[0] == range[1]) {
                    continue;
                }
                NDArray chunk = logits.rows(range[0], range[1]);
                assertEquals(new Shape(range[1] - range[0], vocab), chunk.getShape());
                assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, chunk.getDataType());
                float[] got = chunk.toFloatArray();
                for (int r = range[0]; r < range[1]; r++) {
                    long at = rows.teacherIndex()[r];
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, Math.abs(got[(r - range[0]) * vocab + v] - all[(int) (at * teacherVocab + v)]));
                    }
                }
                chunk.close();
            }
            System.out.printf("OnlineTeacherTest: %d rows, teacher stream %d vs student %d tokens, vocab %d of %d, "
                    + "max |diff| %.2e%n", n, t.sequenceLength(), b.student().sequenceLength(), vocab, teacherVocab, max);
            assertTrue(max <= 1e-5, "max |diff| " + max + ", seed " + seed);
        }
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
