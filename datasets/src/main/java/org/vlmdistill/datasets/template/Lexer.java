package org.vlmdistill.datasets.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.vlmdistill.datasets.template.Token.Kind;

/**
 * Splits a template into tokens the way Jinja2's lexer does with {@code trim_blocks=True,
 * lstrip_blocks=True} (the transformers settings), so that whitespace comes out byte for byte the same:
 * <ul>
 *   <li>newlines ({@code \r\n}, {@code \r}, {@code \n}) become {@code \n}, and one trailing newline of
 *       the template is dropped ({@code keep_trailing_newline=False});</li>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag, {@code -%}},
 *       {@code -}}}, {@code -#}} all whitespace after it;</li>
 *   <li>trim_blocks: the first newline after {@code %}} or {@code #}} is removed ({@code +%}} keeps it);</li>
 *   <li>lstrip_blocks: spaces and tabs from the start of a line up to {@code {%} or {@code {#} are removed
 *       ({@code {%+} keeps them); never before {@code {{}.</li>
 * </ul>
 */
final class Lexer {
    // Jinja's float_re and integer_re; a float may not directly follow a '.', so `a.0.1` is two subscripts.
    private static final Pattern FLOAT = Pattern.compile(
            "(?<!\\.)(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile(
            "0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[0-9a-fA-F])+|[1-9](_?\\d)*|0(_?0)*");
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%[-+]?\\s*raw\\s*(?:-%}\\s*|%})");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(?:\\+%}|-%}\\s*|%}\\n?)");
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"
    };

    private final String src;
    private final SourceMap map;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /** Whether the last thing consumed ended with a newline: lstrip applies to text starting a line. */
    private boolean lineStarting = true;

    private Lexer(String normalizedSource) {
        this.src = normalizedSource;
        this.map = new SourceMap(normalizedSource);
    }

    /** The source as Jinja sees it: newlines unified, one trailing newline removed. */
    static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    static List<Token> tokenize(String normalizedSource) {
        Lexer lexer = new Lexer(normalizedSource);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emitData(src.substring(pos), pos);
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < n && (src.charAt(tag + 2) == '-' || src.charAt(tag + 2) == '+') ? src.charAt(tag + 2) : 0;
            Matcher raw = kind == '%' ? RAW_BEGIN.matcher(src).region(tag, n) : null;
            boolean isRaw = raw != null && raw.lookingAt();
            emitData(stripBeforeTag(src.substring(pos, tag), sign, kind != '{'), pos);
            int afterBegin = tag + 2 + (sign != 0 ? 1 : 0);
            if (isRaw) {
                lexRaw(raw.end());
            } else if (kind == '#') {
                lexComment(afterBegin, tag);
            } else {
                tokens.add(new Token(kind == '%' ? Kind.BLOCK_BEGIN : Kind.VARIABLE_BEGIN, src.substring(tag, afterBegin), null, tag));
                pos = afterBegin;
                lexInsideTag(kind == '%');
            }
        }
        tokens.add(new Token(Kind.EOF, "", null, src.length()));
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** Jinja's OptionalLStrip: '-' strips all trailing whitespace; otherwise lstrip_blocks for block/comment tags. */
    private String stripBeforeTag(String text, char sign, boolean blockOrComment) {
        if (sign == '-') {
            return Py.rstrip(text, null);
        }
        if (sign != '+' && blockOrComment) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length() && Py.isAllSpace(text, lineStart)) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private void emitData(String text, int at) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.DATA, text, text, at));
        }
    }

    private void lexComment(int from, int tagStart) {
        int end = src.indexOf("#}", from);
        if (end < 0) {
            throw error("Missing end of comment tag", tagStart);
        }
        char before = end - 1 >= from ? src.charAt(end - 1) : 0;
        pos = end + 2;
        if (before == '-') {
            skipWhitespace();
        } else if (before != '+' && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = src.charAt(pos - 1) == '\n';
    }

    private void lexRaw(int contentStart) {
        Matcher end = RAW_END.matcher(src);
        if (!end.find(contentStart)) {
            throw error("Missing end of raw directive", contentStart);
        }
        lineStarting = src.charAt(contentStart - 1) == '\n';
        String sign = end.group(1);
        emitData(stripBeforeTag(src.substring(contentStart, end.start()), sign.isEmpty() ? 0 : sign.charAt(0), true), contentStart);
        pos = end.end();
        lineStarting = src.charAt(pos - 1) == '\n';
    }

    /** Tokens of a {@code {% ... %}} or {@code {{ ... }}} up to its end; brackets must balance first. */
    private void lexInsideTag(boolean block) {
        Deque<Character> balance = new ArrayDeque<>();
        int n = src.length();
        while (true) {
            if (pos >= n) {
                throw error("unexpected end of template, expected '" + (block ? "end of statement block" : "end of print statement") + "'", pos);
            }
            if (balance.isEmpty() && lexTagEnd(block)) {
                return;
            }
            char c = src.charAt(pos);
            if (Py.isSpace(c)) {
                pos++;
                continue;
            }
            Matcher m;
            if ((m = FLOAT.matcher(src).region(pos, n).useTransparentBounds(true)).lookingAt()) {
                String text = m.group();
                tokens.add(new Token(Kind.FLOAT, text, Double.parseDouble(text.replace("_", "")), pos));
                pos = m.end();
            } else if ((m = INTEGER.matcher(src).region(pos, n)).lookingAt()) {
                String text = m.group();
                tokens.add(new Token(Kind.INTEGER, text, parseInteger(text), pos));
                pos = m.end();
            } else if (Character.isUnicodeIdentifierStart(c) || c == '_') {
                int end = pos + 1;
                while (end < n && Character.isUnicodeIdentifierPart(src.charAt(end)) && !Character.isIdentifierIgnorable(src.charAt(end))) {
                    end++;
                }
                String name = src.substring(pos, end);
                tokens.add(new Token(Kind.NAME, name, name, pos));
                pos = end;
            } else if (c == '\'' || c == '"') {
                lexString(c);
            } else {
                String op = operatorAt(pos);
                if (op == null) {
                    throw error("unexpected char " + Py.repr(String.valueOf(c)), pos);
                }
                switch (op) {
                    case "(" -> balance.push(')');
                    case "[" -> balance.push(']');
                    case "{" -> balance.push('}');
                    case ")", "]", "}" -> {
                        if (balance.isEmpty()) {
                            throw error("unexpected '" + op + "'", pos);
                        }
                        char expected = balance.pop();
                        if (expected != op.charAt(0)) {
                            throw error("unexpected '" + op + "', expected '" + expected + "'", pos);
                        }
                    }
                    default -> { }
                }
                tokens.add(new Token(Kind.OPERATOR, op, null, pos));
                pos += op.length();
            }
        }
    }

    private boolean lexTagEnd(boolean block) {
        int start = pos;
        if (block) {
            if (src.startsWith("+%}", pos)) {
                pos += 3;
            } else if (src.startsWith("-%}", pos)) {
                pos += 3;
                skipWhitespace();
            } else if (src.startsWith("%}", pos)) {
                pos += 2;
                if (pos < src.length() && src.charAt(pos) == '\n') {
                    pos++;
                }
            } else {
                return false;
            }
        } else if (src.startsWith("-}}", pos)) {
            pos += 3;
            skipWhitespace();
        } else if (src.startsWith("}}", pos)) {
            pos += 2;
        } else {
            return false;
        }
        tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VARIABLE_END, src.substring(start, pos), null, start));
        lineStarting = src.charAt(pos - 1) == '\n';
        return true;
    }

    private void skipWhitespace() {
        while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
            pos++;
        }
    }

    private String operatorAt(int at) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, at)) {
                return op;
            }
        }
        return null;
    }

    private void lexString(char quote) {
        int start = pos;
        int i = pos + 1;
        while (i < src.length() && src.charAt(i) != quote) {
            i += src.charAt(i) == '\\' ? 2 : 1;
        }
        if (i >= src.length()) {
            throw error("unterminated string", start);
        }
        String body = src.substring(start + 1, i);
        tokens.add(new Token(Kind.STRING, src.substring(start, i + 1), unescape(body, start), start));
        pos = i + 1;
    }

    private static Long parseInteger(String text) {
        String t = text.replace("_", "").toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("0b")) {
            return Long.parseLong(t.substring(2), 2);
        } else if (t.startsWith("0o")) {
            return Long.parseLong(t.substring(2), 8);
        } else if (t.startsWith("0x")) {
            return Long.parseLong(t.substring(2), 16);
        }
        return Long.parseLong(t);
    }

    /** Python's unicode-escape decoding, which Jinja applies to string literals; unknown escapes stay as written. */
    private String unescape(String s, int at) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\', '\'', '"' -> out.append(e);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = s.substring(i + 1, Math.min(s.length(), i + 1 + digits));
                    if (hex.length() < digits || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
                        throw error("truncated \\" + e + "XXXX escape", at);
                    }
                    out.appendCodePoint(Integer.parseInt(hex, 16));
                    i += digits;
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = i;
                    while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                        end++;
                    }
                    out.appendCodePoint(Integer.parseInt(s.substring(i, end), 8));
                    i = end - 1;
                }
                default -> out.append('\\').append(e);
            }
        }
        return out.toString();
    }

    private TemplateSyntaxException error(String message, int at) {
        return new TemplateSyntaxException(message, map.line(at), map.column(at));
    }
}
