package org.vlmdistill.core.text;

import java.util.Locale;

/**
 * JSON string literals as both serde_json (Hugging Face's safetensors writer) and Python's
 * {@code json.dumps(..., ensure_ascii=False)} (transformers' {@code tojson}) write them: {@code "}
 * and {@code \} escaped, \b \f \n \r \t in short form, other control characters as lower-case
 * <code>&#92;u00xx</code>, everything else (non-ASCII included) raw. The two agree character for
 * character, so one writer serves safetensors headers and chat templates.
 */
public final class JsonStrings {
    private JsonStrings() {}

    public static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
