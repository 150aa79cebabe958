package org.vlmdistill.datasets.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

import org.vlmdistill.datasets.template.Token.Kind;

/**
 * Recursive descent over the tokens, one method per rule of Jinja2's parser (parse_or, parse_compare,
 * parse_math1, parse_concat, ...), so operator precedence is Jinja's: filters and tests bind tighter
 * than arithmetic ({@code messages|length - 1}), {@code ~} tighter than {@code +}, {@code not} looser
 * than comparisons.
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> STATEMENTS =
            Set.of("for", "if", "set", "macro", "with", "print", "generation", "break", "continue");
    /** Jinja tags this renderer refuses by name (chat templates do not use them). */
    private static final Set<String> UNSUPPORTED_TAGS =
            Set.of("filter", "call", "block", "extends", "include", "import", "from", "autoescape");

    private final List<Token> tokens;
    private final SourceMap map;
    private int index;
    /** Open block tags and the end tags they wait for, for Jinja's "looking for" messages. */
    private final Deque<String> tagStack = new ArrayDeque<>();
    private final Deque<List<String>> endTokenStack = new ArrayDeque<>();
    /** What a {@link TemplateLimitException} names: the template's file. */
    private final String name;
    /** Nesting levels open now (blocks, expressions, prefix operators); see {@link TemplateLimitException#MAX_PARSE_DEPTH}. */
    private int depth;

    private Parser(List<Token> tokens, SourceMap map, String name) {
        this.tokens = tokens;
        this.map = map;
        this.name = name;
    }

    /**
     * @param name the template's file (or given name), for a {@link TemplateLimitException}
     * @throws TemplateLimitException where blocks and expressions nest deeper than the parser's limit
     */
    static List<Node> parse(String normalizedSource, String name) {
        Parser parser = new Parser(Lexer.tokenize(normalizedSource), new SourceMap(normalizedSource), name);
        List<Node> body = parser.subparse(null);
        if (!parser.current().is(Kind.EOF)) {
            throw parser.fail("unexpected " + quote(parser.current().describe()), parser.current());
        }
        return body;
    }

    // ---- statements ----

    private List<Node> subparse(List<String> endTokens) {
        List<Node> body = new ArrayList<>();
        if (endTokens != null) {
            endTokenStack.push(endTokens);
        }
        try {
            while (true) {
                Token t = current();
                switch (t.kind()) {
                    case DATA -> {
                        body.add(new Node.Text(t.text(), line(t)));
                        next();
                    }
                    case VARIABLE_BEGIN -> {
                        next();
                        Expr e = parseTuple(false, true, Set.of(), false);
                        expect(Kind.VARIABLE_END);
                        body.add(new Node.Print(e, line(t)));
                    }
                    case BLOCK_BEGIN -> {
                        next();
                        Token name = current();
                        if (endTokens != null && name.is(Kind.NAME) && endTokens.contains(name.text())) {
                            return body;
                        }
                        parseStatement(body);
                        expect(Kind.BLOCK_END);
                    }
                    case EOF -> {
                        return body;
                    }
                    default -> throw fail("unexpected " + quote(t.describe()), t);
                }
            }
        } finally {
            if (endTokens != null) {
                endTokenStack.pop();
            }
        }
    }

    /** Jinja's parse_statements: after the tag's own tokens, its body up to one of the end tags. */
    private List<Node> parseStatements(List<String> endTokens, boolean dropNeedle) {
        skipIfOperator(":");
        expect(Kind.BLOCK_END);
        enter();
        List<Node> body = subparse(endTokens);
        depth--;
        if (current().is(Kind.EOF)) {
            throw failEof(endTokens);
        }
        if (dropNeedle) {
            next();
        }
        return body;
    }

    private void parseStatement(List<Node> body) {
        Token t = current();
        if (!t.is(Kind.NAME)) {
            throw fail("tag name expected", t);
        }
        String tag = t.text();
        if (UNSUPPORTED_TAGS.contains(tag)) {
            throw fail("the '" + tag + "' tag is not supported (chat templates are single, self-contained templates)", t);
        }
        if (!STATEMENTS.contains(tag)) {
            throw failUnknownTag(t);
        }
        tagStack.push(tag);
        try {
            switch (tag) {
                case "for" -> body.add(parseFor());
                case "if" -> body.add(parseIf());
                case "set" -> body.add(parseSet());
                case "macro" -> body.add(parseMacro());
                case "with" -> body.add(parseWith());
                case "print" -> parsePrint(body);
                case "generation" -> {
                    next();
                    body.add(new Node.Generation(parseStatements(List.of("endgeneration"), true), line(t)));
                }
                case "break" -> {
                    next();
                    body.add(new Node.Break(line(t)));
                }
                default -> {
                    next();
                    body.add(new Node.Continue(line(t)));
                }
            }
        } finally {
            tagStack.pop();
        }
    }

    private Node parseFor() {
        Token start = next();
        Node.Target target = parseAssignTarget(true, false, Set.of("in"), false);
        expectName("in");
        Expr iter = parseTuple(false, false, Set.of("recursive"), false);
        Expr filter = skipIfName("if") ? parseExpression(true) : null;
        if (current().isName("recursive")) {
            throw fail("recursive for loops are not supported", current());
        }
        List<Node> body = parseStatements(List.of("endfor", "else"), false);
        List<Node> orElse = next().text().equals("endfor") ? List.of() : parseStatements(List.of("endfor"), true);
        return new Node.For(target, iter, filter, body, orElse, line(start));
    }

    private Node parseIf() {
        Token start = next();
        List<Node.Branch> branches = new ArrayList<>();
        List<Node> orElse = List.of();
        while (true) {
            Expr test = parseTuple(false, false, Set.of(), false);
            branches.add(new Node.Branch(test, parseStatements(List.of("elif", "else", "endif"), false)));
            Token end = next();
            if (end.text().equals("elif")) {
                continue;
            }
            if (end.text().equals("else")) {
                orElse = parseStatements(List.of("endif"), true);
            }
            return new Node.If(branches, orElse, line(start));
        }
    }

    private Node parseSet() {
        Token start = next();
        Node.Target target = parseAssignTarget(true, false, Set.of(), true);
        if (skipIfOperator("=")) {
            return new Node.Set(target, parseTuple(false, true, Set.of(), false), line(start));
        }
        if (current().isOperator("|")) {
            throw fail("filtered set blocks ({% set x | filter %}) are not supported", current());
        }
        return new Node.SetBlock(target, parseStatements(List.of("endset"), true), line(start));
    }

    private Node parseMacro() {
        Token start = next();
        String name = expect(Kind.NAME).text();
        List<Node.Param> params = new ArrayList<>();
        expectOperator("(");
        boolean defaults = false;
        while (!current().isOperator(")")) {
            if (!params.isEmpty()) {
                expectOperator(",");
            }
            Token param = expect(Kind.NAME);
            Expr defaultValue = null;
            if (skipIfOperator("=")) {
                defaultValue = parseExpression(true);
                defaults = true;
            } else if (defaults) {
                throw fail("non-default argument follows default argument", param);
            }
            params.add(new Node.Param(param.text(), defaultValue));
        }
        expectOperator(")");
        return new Node.Macro(name, params, parseStatements(List.of("endmacro"), true), line(start));
    }

    private Node parseWith() {
        Token start = next();
        List<Node.Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().is(Kind.BLOCK_END)) {
            if (!targets.isEmpty()) {
                expectOperator(",");
            }
            targets.add(parseAssignTarget(true, false, Set.of(), false));
            expectOperator("=");
            values.add(parseExpression(true));
        }
        return new Node.With(targets, values, parseStatements(List.of("endwith"), true), line(start));
    }

    private void parsePrint(List<Node> body) {
        Token start = next();
        boolean first = true;
        while (!current().is(Kind.BLOCK_END)) {
            if (!first) {
                expectOperator(",");
            }
            body.add(new Node.Print(parseExpression(true), line(start)));
            first = false;
        }
    }

    private Node.Target parseAssignTarget(boolean withTuple, boolean nameOnly, Set<String> extraEnd, boolean withNamespace) {
        Token t = current();
        if (withNamespace && t.is(Kind.NAME) && look().isOperator(".")) {
            next();
            next();
            return new Node.Target.NamespaceAttr(t.text(), expect(Kind.NAME).text());
        }
        if (nameOnly) {
            return new Node.Target.Name(expect(Kind.NAME).text());
        }
        Expr e = withTuple ? parseTuple(true, true, extraEnd, false) : parsePrimary();
        return toTarget(e, t);
    }

    private Node.Target toTarget(Expr e, Token at) {
        if (e instanceof Expr.Name n) {
            return new Node.Target.Name(n.name());
        }
        if (e instanceof Expr.TupleLiteral tuple) {
            List<Node.Target> items = new ArrayList<>();
            for (Expr item : tuple.items()) {
                items.add(toTarget(item, at));
            }
            return new Node.Target.Unpack(items);
        }
        throw fail("can't assign to " + (e instanceof Expr.Const ? "'const'" : "this expression"), at);
    }

    // ---- expressions ----

    /**
     * Every bracket (parentheses, list, dict, subscript, call arguments) parses its contents through here,
     * so it counts a nesting level; the recursions that bypass it (the {@code else} of a conditional
     * expression, {@code not} and unary signs) count one each themselves.
     */
    private Expr parseExpression(boolean withCondexpr) {
        enter();
        Expr e = withCondexpr ? parseCondexpr() : parseOr();
        depth--;
        return e;
    }

    /**
     * One nesting level more. Each level costs a dozen Java frames of this recursive descent, so a
     * template nesting thousands deep would end in a StackOverflowError; past the limit it is refused
     * with the template's name instead (Jinja2 has its own form: Python's recursion limit).
     */
    private void enter() {
        if (++depth > TemplateLimitException.MAX_PARSE_DEPTH) {
            throw TemplateLimitException.parseDepth(name, line(current()));
        }
    }

    private Expr parseCondexpr() {
        Expr expr1 = parseOr();
        while (skipIfName("if")) {
            Expr expr2 = parseOr();
            Expr expr3 = null;
            if (skipIfName("else")) {
                enter();
                expr3 = parseCondexpr();
                depth--;
            }
            expr1 = new Expr.CondExpr(expr2, expr1, expr3);
        }
        return expr1;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipIfName("or")) {
            left = new Expr.Or(left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipIfName("and")) {
            left = new Expr.And(left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (skipIfName("not")) {
            enter();
            Expr operand = parseNot();
            depth--;
            return new Expr.Not(operand);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.is(Kind.OPERATOR) && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (skipIfName("in")) {
                ops.add("in");
            } else if (t.isName("not") && look().isName("in")) {
                next();
                next();
                ops.add("not in");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOperator("+") || current().isOperator("-")) {
            String op = next().text();
            left = new Expr.Binary(op, left, parseConcat());
        }
        return left;
    }

    private Expr parseConcat() {
        List<Expr> items = new ArrayList<>();
        items.add(parseMath2());
        while (skipIfOperator("~")) {
            items.add(parseMath2());
        }
        return items.size() == 1 ? items.get(0) : new Expr.Concat(items);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().is(Kind.OPERATOR) && Set.of("*", "/", "//", "%").contains(current().text())) {
            String op = next().text();
            left = new Expr.Binary(op, left, parsePow());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (skipIfOperator("**")) {
            left = new Expr.Binary("**", left, parseUnary(true));
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Expr node;
        if (current().isOperator("-") || current().isOperator("+")) {
            String sign = next().text();
            enter();
            node = new Expr.Unary(sign, parseUnary(false));
            depth--;
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        return withFilter ? parseFilterExpr(node) : node;
    }

    private Expr parsePrimary() {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE);
                    case "false", "False" -> new Expr.Const(Boolean.FALSE);
                    case "none", "None" -> new Expr.Const(null);
                    default -> new Expr.Name(t.text());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder();
                while (current().is(Kind.STRING)) {
                    sb.append((String) next().value());
                }
                return new Expr.Const(sb.toString());
            }
            case INTEGER, FLOAT -> {
                next();
                return new Expr.Const(t.value());
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        next();
                        Expr e = parseTuple(false, true, Set.of(), true);
                        expectOperator(")");
                        return e;
                    }
                    case "[" -> {
                        return parseList();
                    }
                    case "{" -> {
                        return parseDict();
                    }
                    default -> throw fail("unexpected " + quote(t.describe()), t);
                }
            }
            default -> throw fail("unexpected " + quote(t.describe()), t);
        }
    }

    /** Jinja's parse_tuple: a comma makes a tuple; {@code simplified} parses only primaries (assign targets). */
    private Expr parseTuple(boolean simplified, boolean withCondexpr, Set<String> extraEnd, boolean explicitParentheses) {
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            args.add(simplified ? parsePrimary() : parseExpression(withCondexpr));
            if (current().isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!args.isEmpty()) {
                return args.get(0);
            }
            if (!explicitParentheses) {
                throw fail("Expected an expression, got " + quote(current().describe()), current());
            }
        }
        return new Expr.TupleLiteral(args);
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        return t.is(Kind.VARIABLE_END) || t.is(Kind.BLOCK_END) || t.isOperator(")")
                || (t.is(Kind.NAME) && extraEnd.contains(t.text()));
    }

    private Expr parseList() {
        expectOperator("[");
        List<Expr> items = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("]")) {
                break;
            }
            items.add(parseExpression(true));
        }
        expectOperator("]");
        return new Expr.ListLiteral(items);
    }

    private Expr parseDict() {
        expectOperator("{");
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOperator("}")) {
            if (!keys.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("}")) {
                break;
            }
            keys.add(parseExpression(true));
            expectOperator(":");
            values.add(parseExpression(true));
        }
        expectOperator("}");
        return new Expr.DictLiteral(keys, values);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (current().isOperator(".") || current().isOperator("[")) {
                node = parseSubscript(node);
            } else if (current().isOperator("(")) {
                node = new Expr.Call(node, parseCallArgs());
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            if (current().isOperator("|")) {
                node = parseFilter(node);
            } else if (current().isName("is")) {
                node = parseTest(node);
            } else if (current().isOperator("(")) {
                node = new Expr.Call(node, parseCallArgs());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOperator(".")) {
            Token attr = next();
            if (attr.is(Kind.NAME)) {
                return new Expr.Getattr(node, attr.text());
            }
            if (attr.is(Kind.INTEGER)) {
                return new Expr.Getitem(node, new Expr.Const(attr.value()));
            }
            throw fail("expected name or number", attr);
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            args.add(parseSubscribed());
        }
        expectOperator("]");
        return new Expr.Getitem(node, args.size() == 1 ? args.get(0) : new Expr.TupleLiteral(args));
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (!skipIfOperator(":")) {
            Expr e = parseExpression(true);
            if (!skipIfOperator(":")) {
                return e;
            }
            start = e;
        }
        Expr stop = null;
        if (!current().isOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (skipIfOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            step = parseExpression(true);
        }
        return new Expr.Slice(start, stop, step);
    }

    private Expr.Arguments parseCallArgs() {
        Token open = expectOperator("(");
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean requireComma = false;
        while (!current().isOperator(")")) {
            if (requireComma) {
                expectOperator(",");
                if (current().isOperator(")")) {
                    break;
                }
            }
            if (skipIfOperator("*")) {
                ensure(starArgs == null && starKwargs == null, open);
                starArgs = parseExpression(true);
            } else if (skipIfOperator("**")) {
                ensure(starKwargs == null, open);
                starKwargs = parseExpression(true);
            } else if (current().is(Kind.NAME) && look().isOperator("=")) {
                ensure(starKwargs == null, open);
                names.add(next().text());
                next();
                values.add(parseExpression(true));
            } else {
                ensure(starArgs == null && starKwargs == null && names.isEmpty(), open);
                positional.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOperator(")");
        return new Expr.Arguments(positional, names, values, starArgs, starKwargs);
    }

    private void ensure(boolean ok, Token at) {
        if (!ok) {
            throw fail("invalid syntax for function call expression", at);
        }
    }

    private Expr parseFilter(Expr node) {
        while (skipIfOperator("|")) {
            Token nameToken = expect(Kind.NAME);
            String name = dottedName(nameToken);
            if (!Filters.exists(name)) {
                throw fail("No filter named " + Py.repr(name) + ".", nameToken);
            }
            Expr.Arguments args = current().isOperator("(") ? parseCallArgs() : Expr.Arguments.NONE;
            node = new Expr.Filter(node, name, args);
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        next();
        boolean negated = skipIfName("not");
        Token nameToken = expect(Kind.NAME);
        String name = dottedName(nameToken);
        if (!Tests.exists(name)) {
            throw fail("No test named " + Py.repr(name) + ".", nameToken);
        }
        Expr.Arguments args = Expr.Arguments.NONE;
        Token t = current();
        if (t.isOperator("(")) {
            args = parseCallArgs();
        } else if ((t.is(Kind.NAME) || t.is(Kind.STRING) || t.is(Kind.INTEGER) || t.is(Kind.FLOAT)
                || t.isOperator("[") || t.isOperator("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is", t);
            }
            Expr arg = parsePostfix(parsePrimary());
            args = new Expr.Arguments(List.of(arg), List.of(), List.of(), null, null);
        }
        Expr test = new Expr.Test(node, name, args);
        return negated ? new Expr.Not(test) : test;
    }

    private String dottedName(Token first) {
        StringBuilder name = new StringBuilder(first.text());
        while (skipIfOperator(".")) {
            name.append('.').append(expect(Kind.NAME).text());
        }
        return name.toString();
    }

    // ---- token stream ----

    private Token current() {
        return tokens.get(index);
    }

    private Token look() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(index);
        if (index < tokens.size() - 1) {
            index++;
        }
        return t;
    }

    private boolean skipIfOperator(String op) {
        if (current().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipIfName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private Token expect(Kind kind) {
        Token t = current();
        if (!t.is(kind)) {
            String wanted = switch (kind) {
                case NAME -> "name";
                case BLOCK_END -> "end of statement block";
                case VARIABLE_END -> "end of print statement";
                default -> kind.name().toLowerCase(java.util.Locale.ROOT);
            };
            if (t.is(Kind.EOF)) {
                throw fail("unexpected end of template, expected " + quote(wanted) + ".", t);
            }
            throw fail("expected token " + quote(wanted) + ", got " + quote(t.describe()), t);
        }
        return next();
    }

    private Token expectOperator(String op) {
        Token t = current();
        if (!t.isOperator(op)) {
            throw fail("expected token " + quote(op) + ", got " + quote(t.describe()), t);
        }
        return next();
    }

    private void expectName(String name) {
        Token t = current();
        if (!t.isName(name)) {
            throw fail("expected token " + quote(name) + ", got " + quote(t.describe()), t);
        }
        next();
    }

    private int line(Token t) {
        return map.line(t.pos());
    }

    private static String quote(String s) {
        return "'" + s + "'";
    }

    private TemplateSyntaxException fail(String message, Token at) {
        return new TemplateSyntaxException(message, map.line(at.pos()), map.column(at.pos()));
    }

    /** Jinja's _fail_ut_eof wording: the end tags of the innermost open block, and that block. */
    private TemplateSyntaxException failUnknownTag(Token t) {
        List<String> innermost = endTokenStack.peek();
        boolean expected = endTokenStack.stream().anyMatch(ends -> ends.contains(t.text()));
        String hint = innermost == null ? ""
                : expected ? " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for "
                        + orList(innermost) + "."
                : " Jinja was looking for the following tags: " + orList(innermost) + ".";
        return fail("Encountered unknown tag " + quote(t.text()) + "." + hint + innermostBlock(), t);
    }

    private TemplateSyntaxException failEof(List<String> endTokens) {
        return fail("Unexpected end of template. Jinja was looking for the following tags: " + orList(endTokens) + "."
                + innermostBlock(), current());
    }

    private static String orList(List<String> names) {
        return String.join(" or ", names.stream().map(Parser::quote).toList());
    }

    private String innermostBlock() {
        return tagStack.isEmpty() ? "" : " The innermost block that needs to be closed is " + quote(tagStack.peek()) + ".";
    }
}
