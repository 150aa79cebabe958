package org.vlmdistill.core.text;

import java.util.Comparator;

/**
 * Strings ordered by Unicode code point, as Rust (UTF-8 bytes) and Python ({@code str} comparison)
 * order them; Java's {@link String#compareTo} compares UTF-16 units, which puts supplementary
 * characters (emoji) before U+E000..U+FFFF.
 */
public final class CodePointOrder {
    public static final Comparator<String> COMPARATOR = CodePointOrder::compare;

    private CodePointOrder() {}

    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
