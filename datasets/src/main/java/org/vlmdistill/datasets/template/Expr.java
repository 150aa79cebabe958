package org.vlmdistill.datasets.template;

import java.util.List;

/** Expressions, with Jinja's node names. */
sealed interface Expr {

    /** A literal: String, Long, Double, Boolean or null (none). */
    record Const(Object value) implements Expr { }

    record Name(String name) implements Expr { }

    record ListLiteral(List<Expr> items) implements Expr { }

    record TupleLiteral(List<Expr> items) implements Expr { }

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr { }

    /** {@code obj.name}: the Python attribute (a str/dict/list method) first, then the item. */
    record Getattr(Expr obj, String name) implements Expr { }

    /** {@code obj[key]}: the item first, then the attribute; missing gives undefined. */
    record Getitem(Expr obj, Expr key) implements Expr { }

    /** {@code start:stop:step} inside brackets; absent parts are null. */
    record Slice(Expr start, Expr stop, Expr step) implements Expr { }

    record Call(Expr callee, Arguments arguments) implements Expr { }

    /** {@code value | name(args)}; the name was checked against the filter table when parsing. */
    record Filter(Expr value, String name, Arguments arguments) implements Expr { }

    /** {@code value is name args}; {@code is not} is a {@link Not} around it, as in Jinja. */
    record Test(Expr value, String name, Arguments arguments) implements Expr { }

    /** {@code -x}, {@code +x}. */
    record Unary(String op, Expr operand) implements Expr { }

    /** {@code + - * / // % **}. */
    record Binary(String op, Expr left, Expr right) implements Expr { }

    /** {@code a ~ b ~ c}: Python {@code str()} of each, joined. */
    record Concat(List<Expr> items) implements Expr { }

    /** {@code a < b <= c}, {@code in}, {@code not in}: chained as in Python. */
    record Compare(Expr first, List<String> ops, List<Expr> rest) implements Expr { }

    /** Python {@code and}: the first falsy operand, else the last. */
    record And(Expr left, Expr right) implements Expr { }

    /** Python {@code or}: the first truthy operand, else the last. */
    record Or(Expr left, Expr right) implements Expr { }

    record Not(Expr operand) implements Expr { }

    /** {@code then if test else orElse}; without else, undefined. */
    record CondExpr(Expr test, Expr then, Expr orElse) implements Expr { }

    /** Call arguments: positional, keyword (in order), {@code *args}, {@code **kwargs}. */
    record Arguments(List<Expr> positional, List<String> keywordNames, List<Expr> keywordValues,
                     Expr starArgs, Expr starKwargs) {
        static final Arguments NONE = new Arguments(List.of(), List.of(), List.of(), null, null);
    }
}
