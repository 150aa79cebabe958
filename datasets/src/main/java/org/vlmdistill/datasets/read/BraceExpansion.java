package org.vlmdistill.datasets.read;

import java.util.ArrayList;
import java.util.List;

/**
 * Shard lists the way WebDataset writes them (Python's {@code braceexpand}): {@code {000..009}} is a
 * numeric range, zero-padded to the wider bound when a bound has a leading zero; {@code {a,b,c}} is a list.
 * Several groups multiply out left to right; groups do not nest.
 */
public final class BraceExpansion {
    /** A pattern that names more files than this is surely a typo in a range. */
    static final int MAX_EXPANSION = 1_000_000;

    private BraceExpansion() {}

    /** @throws IllegalArgumentException naming the pattern, for an unclosed, nested or empty group */
    public static List<String> expand(String pattern) {
        List<String> out = new ArrayList<>();
        out.add("");
        int i = 0;
        while (i < pattern.length()) {
            int open = pattern.indexOf('{', i);
            int close = open < 0 ? -1 : pattern.indexOf('}', open);
            String literal = pattern.substring(i, open < 0 ? pattern.length() : open);
            if (literal.indexOf('}') >= 0) {
                throw new IllegalArgumentException("'" + pattern + "': } without {");
            }
            append(out, List.of(literal), pattern);
            if (open < 0) {
                break;
            }
            if (close < 0 || pattern.substring(open + 1, close).indexOf('{') >= 0) {
                throw new IllegalArgumentException("'" + pattern + "': unclosed or nested { at " + open);
            }
            append(out, group(pattern.substring(open + 1, close), pattern), pattern);
            i = close + 1;
        }
        return out;
    }

    private static List<String> group(String body, String pattern) {
        int dots = body.indexOf("..");
        if (dots > 0 && body.indexOf(',') < 0) {
            String lo = body.substring(0, dots);
            String hi = body.substring(dots + 2);
            long a;
            long b;
            try {
                a = Long.parseLong(lo);
                b = Long.parseLong(hi);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + pattern + "': range {" + body + "} is not numeric");
            }
            boolean padded = (lo.length() > 1 && lo.startsWith("0")) || (hi.length() > 1 && hi.startsWith("0"));
            int width = padded ? Math.max(lo.length(), hi.length()) : 0;
            if (Math.abs(b - a) >= MAX_EXPANSION) {
                throw new IllegalArgumentException("'" + pattern + "': range {" + body + "} is too large");
            }
            List<String> values = new ArrayList<>();
            long step = a <= b ? 1 : -1;
            for (long v = a; ; v += step) {
                values.add(width > 0 ? String.format("%0" + width + "d", v) : Long.toString(v));
                if (v == b) {
                    break;
                }
            }
            return values;
        }
        if (body.isEmpty()) {
            throw new IllegalArgumentException("'" + pattern + "': empty {}");
        }
        return List.of(body.split(",", -1));
    }

    private static void append(List<String> prefixes, List<String> parts, String pattern) {
        if ((long) prefixes.size() * parts.size() > MAX_EXPANSION) {
            throw new IllegalArgumentException("'" + pattern + "' names more than " + MAX_EXPANSION + " files");
        }
        List<String> next = new ArrayList<>(prefixes.size() * parts.size());
        for (String p : prefixes) {
            for (String s : parts) {
                next.add(p + s);
            }
        }
        prefixes.clear();
        prefixes.addAll(next);
    }
}
