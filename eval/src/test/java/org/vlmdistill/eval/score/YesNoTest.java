package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class YesNoTest {
    private static void assertParses(String output, String answer, String rule) {
        assertEquals(new Extraction(answer, rule), YesNo.parse(output), "output '" + output + "'");
    }

    @Test
    void theWholeAnswerIsExact() {
        assertParses("Yes", "yes", Extraction.EXACT);
        assertParses("yes.", "yes", Extraction.EXACT);
        assertParses("No.", "no", Extraction.EXACT);
        assertParses("  YES ", "yes", Extraction.EXACT);
        assertParses("\nno\n", "no", Extraction.EXACT);
        // Python's strip() also removes no-break spaces
        assertParses("\u00A0yes\u00A0", "yes", Extraction.EXACT);
    }

    @Test
    void onlyOneTrailingPeriodIsDropped() {
        // "yes.." is not exact; its first four characters still say yes
        assertParses("Yes..", "yes", Extraction.PREFIX);
    }

    @Test
    void theFirstFourCharactersDecide() {
        assertParses("No, there is not", "no", Extraction.PREFIX);
        assertParses("Yes, it is", "yes", Extraction.PREFIX);
        assertParses("There is no cat", null, Extraction.UNANSWERED);
        assertParses("I don't know", null, Extraction.UNANSWERED);
        assertParses("", null, Extraction.UNANSWERED);
        assertParses("   ", null, Extraction.UNANSWERED);
    }

    @Test
    void mmesRuleReadsWordsThatMerelyStartWithNoAsNo() {
        // MME's own rule as written; kept so that scores compare with the published ones
        assertParses("Not sure", "no", Extraction.PREFIX);
        assertParses("None of these", "no", Extraction.PREFIX);
        assertParses("snow", "no", Extraction.PREFIX);
        assertParses("yesterday", "yes", Extraction.PREFIX);
    }

    @Test
    void onlyTheFirstFourCharactersCount() {
        assertParses("no yes", "no", Extraction.PREFIX);
        assertParses("a yes", null, Extraction.UNANSWERED);
        assertParses("ayes, indeed", "yes", Extraction.PREFIX);
    }

    @Test
    void thePrefixCountsCodePoints() {
        // one emoji is two UTF-16 units but one Python character: "yes" still lies within the first four
        assertParses("\uD83D\uDE00yes", "yes", Extraction.PREFIX);
        assertParses("\uD83D\uDE00\uD83D\uDE00 no", null, Extraction.UNANSWERED);
    }
}
