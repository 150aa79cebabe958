package org.vlmdistill.datasets.template;

/**
 * One lexer token. {@code pos} is the offset in the newline-normalized source, used for line:column in
 * syntax errors; {@code value} is the decoded literal (a String, Long or Double) where there is one.
 */
record Token(Kind kind, String text, Object value, int pos) {

    enum Kind {
        /** Template text outside tags, after whitespace control was applied. */
        DATA,
        VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END,
        NAME, STRING, INTEGER, FLOAT,
        /** Punctuation and operators; {@code text} is the operator itself. */
        OPERATOR,
        EOF
    }

    boolean is(Kind k) {
        return kind == k;
    }

    boolean isOperator(String op) {
        return kind == Kind.OPERATOR && text.equals(op);
    }

    boolean isName(String name) {
        return kind == Kind.NAME && text.equals(name);
    }

    /** How Jinja names a token in "expected ... got ..." messages. */
    String describe() {
        return switch (kind) {
            case DATA -> "template data";
            case VARIABLE_BEGIN -> "begin of print statement";
            case VARIABLE_END -> "end of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case BLOCK_END -> "end of statement block";
            case EOF -> "end of template";
            default -> text;
        };
    }
}
