package org.vlmdistill.core.text;

/**
 * Text from data files (record ids, paths, speakers, answers, error details quoting them) made safe
 * to print: a terminal acts on control characters, so {@code ESC[2J} in a record id would clear the
 * screen and {@code ESC]0;...BEL} set the window title. Escaped, as visible text: C0 controls (NUL,
 * BEL, ESC, ...) and DEL as {@code \x1b}, with \t \n \r in their short forms; C1 controls
 * (U+0080-U+009F, which some terminals also act on) as {@code \x9b}; the bidi embeddings, overrides
 * and isolates (U+202A-U+202E, U+2066-U+2069) and the line and paragraph separators (U+2028, U+2029)
 * as {@code \u202e}, since they reorder or break what follows them on screen. Everything else,
 * non-ASCII included, is kept, and so is a backslash: the aim is a safe terminal, not a reversible
 * encoding.
 */
public final class TerminalText {
    private TerminalText() {}

    /** For one-line fields (ids, paths, reasons): every control character escaped, newlines and tabs too. */
    public static String escape(String s) {
        return escape(s, false);
    }

    /** For multi-line text (a rendered prompt, a generated answer, a report): newlines and tabs kept. */
    public static String escapeKeepingLines(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean keepLines) {
        if (s == null) {
            return "null";
        }
        int i = 0;
        while (i < s.length() && !escaped(s.charAt(i), keepLines)) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!escaped(c, keepLines)) {
                out.append(c);
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c < 0x100) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                out.append("\\u").append(String.format("%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean escaped(char c, boolean keepLines) {
        if (c < 0x20) {
            return !(keepLines && (c == '\n' || c == '\t'));
        }
        return c >= 0x7f && c < 0xa0
                || c >= 0x202a && c <= 0x202e
                || c >= 0x2066 && c <= 0x2069
                || c == 0x2028 || c == 0x2029;
    }
}
