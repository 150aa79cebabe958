package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PopeMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void aHandComputedTable() {
        //  item       0    1    2    3    4     5    6    7    8    9
        //  gold       yes  yes  yes  yes  yes   no   no   no   no   no
        //  predicted  yes  yes  yes  no   -     yes  no   no   no   -
        //             TP   TP   TP   FN   FN    FP   TN   TN   TN   wrong, not FP
        // accuracy  = (3 TP + 3 TN) / 10          = 0.6
        // precision = 3 / (3 + 1)                 = 0.75
        // recall    = 3 / (3 + 2)                 = 0.6
        // f1        = 2 * 0.75 * 0.6 / 1.35       = 0.9 / 1.35 = 2/3
        // yesRatio  = 4 yes / 10                  = 0.4
        List<String> gold = List.of("yes", "yes", "yes", "yes", "yes", "no", "no", "no", "no", "no");
        List<String> predicted = Arrays.asList("yes", "yes", "yes", "no", null, "yes", "no", "no", "no", null);
        PopeMetrics m = PopeMetrics.of(predicted, gold);
        assertEquals(0.6, m.accuracy(), EPS);
        assertEquals(0.75, m.precision(), EPS);
        assertEquals(0.6, m.recall(), EPS);
        assertEquals(2.0 / 3.0, m.f1(), EPS);
        assertEquals(0.4, m.yesRatio(), EPS);
        assertEquals(10, m.over());
        assertEquals(2, m.unanswered());
    }

    @Test
    void answersAreReadInAnyCase() {
        PopeMetrics m = PopeMetrics.of(List.of("Yes", "NO"), List.of("yes", "No"));
        assertEquals(1.0, m.accuracy(), EPS);
        assertEquals(1.0, m.f1(), EPS);
        assertEquals(0.5, m.yesRatio(), EPS);
    }

    @Test
    void withoutAnyPredictedYesPrecisionAndF1AreZero() {
        // gold: 2 yes, 2 no; predicted all "no": TN 2, FN 2
        PopeMetrics m = PopeMetrics.of(List.of("no", "no", "no", "no"), List.of("yes", "yes", "no", "no"));
        assertEquals(0.5, m.accuracy(), EPS);
        assertEquals(0.0, m.precision());
        assertEquals(0.0, m.recall());
        assertEquals(0.0, m.f1());
        assertEquals(0.0, m.yesRatio());
    }

    @Test
    void withoutAnyGoldYesRecallIsZero() {
        // predicted: 1 yes (FP), 1 no (TN)
        PopeMetrics m = PopeMetrics.of(List.of("yes", "no"), List.of("no", "no"));
        assertEquals(0.5, m.accuracy(), EPS);
        assertEquals(0.0, m.precision());
        assertEquals(0.0, m.recall());
        assertEquals(0.0, m.f1());
    }

    @Test
    void allUnansweredIsAllWrong() {
        PopeMetrics m = PopeMetrics.of(Arrays.asList(null, null, null), List.of("yes", "no", "no"));
        assertEquals(0.0, m.accuracy());
        assertEquals(0.0, m.recall());
        assertEquals(0.0, m.yesRatio());
        assertEquals(3, m.unanswered());
    }

    @Test
    void noItemsGiveNaNRates() {
        PopeMetrics m = PopeMetrics.of(List.of(), List.of());
        assertTrue(Double.isNaN(m.accuracy()));
        assertTrue(Double.isNaN(m.yesRatio()));
        assertEquals(0, m.over());
    }

    @Test
    void malformedInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PopeMetrics.of(List.of("yes"), List.of("yes", "no")));
        assertThrows(IllegalArgumentException.class, () -> PopeMetrics.of(List.of("maybe"), List.of("yes")));
        assertThrows(IllegalArgumentException.class, () -> PopeMetrics.of(List.of("yes"), List.of("y")));
        assertThrows(NullPointerException.class, () -> PopeMetrics.of(List.of("yes"), Arrays.asList((String) null)));
    }
}
