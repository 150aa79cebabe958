package org.vlmdistill.eval.score;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str.split()}, {@code str.strip()} and {@code str.lower()}: the reference scorers are
 * Python, and Java's {@code String.split("\\s+")} and {@code String.strip()} disagree with them on which
 * characters are white space (Python counts the no-break spaces U+00A0, U+2007, U+202F and U+0085;
 * Java does not), and {@code toLowerCase} on when a capital sigma is word-final.
 */
final class PythonText {
    private static final int CAPITAL_SIGMA = 0x3A3;
    private static final char SMALL_SIGMA = '\u03C3';
    private static final char FINAL_SMALL_SIGMA = '\u03C2';

    private PythonText() {
    }

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** {@code s.split()}: the runs of non-space characters, never an empty string. */
    static List<String> split(String s) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isSpace(cp)) {
                if (start >= 0) {
                    words.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            words.add(s.substring(start));
        }
        return words;
    }

    /**
     * {@code s.lower()}: Unicode's full lower-case mapping (U+0130, capital I with dot, becomes two
     * characters) and its Final_Sigma rule as Python applies it: a capital sigma becomes the final small
     * sigma when a cased letter precedes it and none follows it, skipping case-ignorable characters.
     */
    static String lower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp == CAPITAL_SIGMA) {
                out.append(isFinalSigma(s, i) ? FINAL_SMALL_SIGMA : SMALL_SIGMA);
            } else {
                out.append(Character.toString(cp).toLowerCase(Locale.ROOT));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static boolean isFinalSigma(String s, int at) {
        int i = at;
        int before = -1;
        while (i > 0) {
            int cp = s.codePointBefore(i);
            i -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                before = cp;
                break;
            }
        }
        if (before < 0 || !isCased(before)) {
            return false;
        }
        i = at + 1;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                return !isCased(cp);
            }
        }
        return true;
    }

    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode's Case_Ignorable: marks, format characters, modifiers, and the word-internal punctuation. */
    private static boolean isCaseIgnorable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                 Character.MODIFIER_SYMBOL -> true;
            // Word_Break MidLetter, MidNumLet and Single_Quote
            default -> switch (cp) {
                case '\'', '.', ':', 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55,
                     0xFF07, 0xFF0E, 0xFF1A -> true;
                default -> false;
            };
        };
    }

    /** {@code s.strip()}. */
    static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isSpace(s.codePointAt(from))) {
            from += Character.charCount(s.codePointAt(from));
        }
        while (to > from && isSpace(s.codePointBefore(to))) {
            to -= Character.charCount(s.codePointBefore(to));
        }
        return s.substring(from, to);
    }
}
