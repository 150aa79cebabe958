package org.vlmdistill.eval.score;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PythonTextTest {
    @Test
    void splitsOnRunsOfPythonWhiteSpace() {
        assertEquals(List.of("a", "b", "c", "d", "e", "f"),
                PythonText.split("  a\t\nb\u00A0c\u2007d\u0085e\u3000\u001Ff  "));
        assertEquals(List.of(), PythonText.split(""));
        assertEquals(List.of(), PythonText.split(" \t "));
        // zero-width space and soft hyphen are not white space in Python
        assertEquals(List.of("a\u200Bb\u00ADc"), PythonText.split("a\u200Bb\u00ADc"));
        // a supplementary character is kept whole
        assertEquals(List.of("\uD83D\uDE00", "x"), PythonText.split("\uD83D\uDE00 x"));
    }

    @Test
    void stripsPythonWhiteSpaceAtBothEnds() {
        assertEquals("a b", PythonText.strip("\u00A0\n a b \u202F\t"));
        assertEquals("", PythonText.strip(" \u3000 "));
        assertEquals("\u200Bx", PythonText.strip("\u200Bx "));
    }

    @Test
    void lowerCasesAsPythonDoes() {
        assertEquals("abc \u00E9", PythonText.lower("ABC \u00C9"));
        // capital I with dot above: two characters in lower case
        assertEquals("i\u0307", PythonText.lower("\u0130"));
        // capital sigma: final after a cased letter with no cased letter after it, else medial
        assertEquals("\u03BF\u03B4\u03BF\u03C2", PythonText.lower("\u039F\u0394\u039F\u03A3"));
        assertEquals("\u03C3\u03B1", PythonText.lower("\u03A3\u0391"));
        assertEquals("\u03C3", PythonText.lower("\u03A3"));
        // a digit is not cased (Java's toLowerCase says final here; Python says medial)
        assertEquals("6\u03C3", PythonText.lower("6\u03A3"));
        // a period is case-ignorable: skipped when looking for a following cased letter
        assertEquals("\u03B1\u03C2.", PythonText.lower("\u0391\u03A3."));
        assertEquals("\u03B1\u03C3.\u03B2", PythonText.lower("\u0391\u03A3.\u0392"));
    }
}
