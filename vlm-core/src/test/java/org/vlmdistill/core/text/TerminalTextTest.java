package org.vlmdistill.core.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TerminalTextTest {

    @Test
    void controlCharactersBecomeVisibleEscapes() {
        assertEquals("\\x1b[2J\\x00id\\x7f\\x9b", TerminalText.escape("\u001b[2J\u0000id\u007f\u009b"));
        assertEquals("a\\tb\\nc\\rd", TerminalText.escape("a\tb\nc\rd"));
        // bidi overrides and isolates reorder what follows them on screen
        assertEquals("x\\u202eexe.txt\\u2066", TerminalText.escape("x\u202eexe.txt\u2066"));
        assertEquals("\\x1b]0;title\\x07", TerminalText.escape("\u001b]0;title\u0007"));
    }

    @Test
    void printableTextNonAsciiIncludedIsUnchanged() {
        String s = "shapes-000001 «é» 形 ×4 \\x1b 🙂";
        assertEquals(s, TerminalText.escape(s));
        assertEquals(s, TerminalText.escapeKeepingLines(s));
    }

    @Test
    void multiLineTextKeepsItsLinesAndTabsOnly() {
        assertEquals("line 1\n\tline 2\\r\\x1b[2J\\x00", TerminalText.escapeKeepingLines("line 1\n\tline 2\r\u001b[2J\u0000"));
    }

    @Test
    void noEscapedStringHoldsAControlByte() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x3000; c++) {
            all.append(c);
        }
        for (String s : new String[] {TerminalText.escape(all.toString()), TerminalText.escapeKeepingLines(all.toString())}) {
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                int u = b & 0xff;
                if (u < 0x20 && u != '\n' && u != '\t' || u == 0x7f) {
                    throw new AssertionError("raw byte " + u);
                }
            }
            s.codePoints().forEach(cp -> {
                if (cp >= 0x80 && cp < 0xa0 || cp >= 0x202a && cp <= 0x202e || cp >= 0x2066 && cp <= 0x2069) {
                    throw new AssertionError("raw U+" + Integer.toHexString(cp));
                }
            });
        }
    }
}
