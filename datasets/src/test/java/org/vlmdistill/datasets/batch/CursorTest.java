package org.vlmdistill.datasets.batch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CursorTest {

    @Test
    void aCursorRoundTripsThroughJson() {
        Cursor c = new Cursor(-1234567890123L, 3, 17, "samples=10 batchSize=2");
        assertEquals("{\"seed\":-1234567890123,\"epoch\":3,\"step\":17,\"plan\":\"samples=10 batchSize=2\"}",
                c.toJson());
        assertEquals(c, Cursor.fromJson(c.toJson()));
    }

    @Test
    void badJsonIsRefusedSayingWhy() {
        assertThrows(IllegalArgumentException.class, () -> Cursor.fromJson("not json"));
        assertThrows(IllegalArgumentException.class,
                () -> Cursor.fromJson("{\"seed\":1,\"epoch\":0,\"step\":-1,\"plan\":\"p\"}"));
        assertThrows(IllegalArgumentException.class, () -> Cursor.fromJson("{\"seed\":1,\"epoch\":0,\"step\":0}"));
        assertThrows(IllegalArgumentException.class,
                () -> Cursor.fromJson("{\"seed\":1,\"epoch\":0,\"step\":0,\"plan\":\"p\",\"extra\":1}"));
    }

    @Test
    void aPlanRefusesCursorsOfOtherRuns() {
        int[] lengths = {5, 3, 8, 1, 9, 2, 7, 4, 6, 10};
        BatchingConfig config = BatchingConfig.of(2, 99).withBucketWindow(2);
        BatchPlan plan = BatchPlan.of(config, 10, i -> lengths[i]);
        Cursor mid = plan.after(1, 2);
        assertEquals(mid, plan.restore(mid));

        // each of these changes which batches come next, so a cursor cannot carry over
        BatchPlan[] others = {
                BatchPlan.of(config.withBucketWindow(3), 10, i -> lengths[i]),
                BatchPlan.of(config, 10, i -> lengths[9 - i]),
                BatchPlan.of(new BatchingConfig(3, 99, true, 2, 0, 1, Remainder.PAD), 10, i -> lengths[i]),
                BatchPlan.of(config.withDataParallel(1, 2), 10, i -> lengths[i]),
                BatchPlan.of(config.withRemainder(Remainder.DROP), 10, i -> lengths[i]),
                BatchPlan.of(config.withShuffle(false), 10, i -> lengths[i]),
                BatchPlan.of(new BatchingConfig(2, 100, true, 2, 0, 1, Remainder.PAD), 10, i -> lengths[i]),
                BatchPlan.of(config, 9, i -> lengths[i]),
        };
        for (BatchPlan other : others) {
            var e = assertThrows(IllegalArgumentException.class, () -> other.restore(mid), other.toString());
            assertTrue(e.getMessage().contains("another run"), e.getMessage());
        }
    }

    @Test
    void theEndOfAnEpochIsTheStartOfTheNext() {
        BatchPlan plan = BatchPlan.of(BatchingConfig.of(2, 7), 10);
        assertEquals(5, plan.stepsPerEpoch());
        assertEquals(new Cursor(7, 1, 0, plan.key()), plan.after(0, 4));
        assertEquals(new Cursor(7, 0, 4, plan.key()), plan.after(0, 3));
        assertEquals(new Cursor(7, 3, 0, plan.key()), plan.restore(new Cursor(7, 2, 5, plan.key())));
        assertThrows(IllegalArgumentException.class, () -> plan.restore(new Cursor(7, 2, 6, plan.key())));
        assertEquals(new Cursor(7, 0, 0, plan.key()), plan.start());
    }
}
