package org.vlmdistill.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HostReadsTest {
    @Test
    void aCountingScopeRecordsEachReadWithItsReasonAndNothingOutsideIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[]{1, 2, 3});
            NDArray n = m.create(7L);
            HostReads.floats(x, "not counted: no scope");
            HostReads.Tally tally = new HostReads.Tally();
            long got = HostReads.counting(tally, () -> {
                assertArrayEquals(new float[]{1, 2, 3}, HostReads.floats(x, "values"));
                assertEquals(2.0, HostReads.scalarDouble(x.sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                        .div(3), "mean"));
                HostReads.floats(x, "values");
                return HostReads.scalarLong(n, "count");
            });
            assertEquals(7L, got);
            assertEquals(List.of("values", "mean", "values", "count"), tally.reasons());
            assertEquals(Map.of("values", 2, "mean", 1, "count", 1), tally.byReason());
            assertEquals(4, tally.count());
            HostReads.floats(x, "after the scope");
            assertEquals(4, tally.count());
        }
    }
}
