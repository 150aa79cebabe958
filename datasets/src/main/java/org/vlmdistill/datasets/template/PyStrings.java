package org.vlmdistill.datasets.template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Python str methods whose edge cases matter for templates: split, title, replace, padding. */
final class PyStrings {
    private PyStrings() {
    }

    /** str.split: {@code sep == null} splits on whitespace runs and drops empty ends; maxsplit < 0 is unlimited. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Py.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !Py.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new RenderError("empty separator");
        }
        int from = 0;
        int at;
        while ((maxsplit < 0 || out.size() < maxsplit) && (at = s.indexOf(sep, from)) >= 0) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && Py.isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !Py.isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(s.substring(i, j));
                j = i;
            }
        } else {
            if (sep.isEmpty()) {
                throw new RenderError("empty separator");
            }
            int end = s.length();
            int at;
            while ((maxsplit < 0 || out.size() < maxsplit) && end >= 0 && (at = s.lastIndexOf(sep, end - sep.length())) >= 0) {
                out.add(s.substring(at + sep.length(), end));
                end = at;
            }
            out.add(s.substring(0, end));
        }
        Collections.reverse(out);
        return out;
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85
                || c == 0x2028 || c == 0x2029;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                int end = i + (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1);
                out.add(s.substring(start, keepends ? end : i));
                start = end;
                i = end;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's str.title: a letter after a cased letter is lowered, any other cased letter title-cased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int cp : Py.codePoints(s)) {
            if (isCased(cp)) {
                sb.append(previousCased ? Character.toString(cp).toLowerCase(java.util.Locale.ROOT) : titleCase(cp));
                previousCased = true;
            } else {
                sb.appendCodePoint(cp);
                previousCased = false;
            }
        }
        return sb.toString();
    }

    /** Python's str.capitalize: first character title-cased, the rest lowered. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return titleCase(first) + s.substring(Character.charCount(first)).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Full title-case mapping of one character, as Python applies it: where upper-casing expands
     * (ß to SS, ﬁ to FI) the first letter stays upper and the rest is lowered (Ss, Fi).
     */
    static String titleCase(int cp) {
        String upper = Character.toString(cp).toUpperCase(java.util.Locale.ROOT);
        if (upper.codePointCount(0, upper.length()) > 1) {
            int head = upper.codePointAt(0);
            return Character.toString(head) + upper.substring(Character.charCount(head)).toLowerCase(java.util.Locale.ROOT);
        }
        return Character.toString(Character.toTitleCase(cp));
    }

    /** str.replace; an empty {@code old} inserts {@code replacement} between characters and at both ends. */
    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            count = Long.MAX_VALUE;
        }
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            int[] cps = Py.codePoints(s);
            long done = 0;
            for (int cp : cps) {
                if (done++ < count) {
                    sb.append(replacement);
                }
                sb.appendCodePoint(cp);
            }
            if (done < count) {
                sb.append(replacement);
            }
            return sb.toString();
        }
        int from = 0;
        int at;
        long done = 0;
        while (done < count && (at = s.indexOf(old, from)) >= 0) {
            sb.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return sb.append(s.substring(from)).toString();
    }

    static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return Py.len(s) + 1;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    /** str.center / ljust / rjust, with CPython's split of odd padding for center. */
    static String pad(String s, long width, String fill, String how) {
        long margin = width - Py.len(s);
        if (margin <= 0) {
            return s;
        }
        long left = switch (how) {
            case "center" -> margin / 2 + (margin & width & 1);
            case "rjust" -> margin;
            default -> 0;
        };
        return fill.repeat((int) left) + s + fill.repeat((int) (margin - left));
    }
}
