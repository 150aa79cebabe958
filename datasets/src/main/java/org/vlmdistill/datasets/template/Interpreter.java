package org.vlmdistill.datasets.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Walks the parsed template for one render: statements write to a StringBuilder, expressions give values. */
final class Interpreter {
    private final String template;
    /** Macro calls in progress; see {@link TemplateLimitException#MAX_CALL_DEPTH}. */
    private int depth;

    /** @param template what a limit error names: the template's file or name */
    Interpreter(String template) {
        this.template = template;
    }

    /** What a statement asks of the enclosing loop ({@code {% break %}}, {@code {% continue %}}). */
    enum Flow { NORMAL, BREAK, CONTINUE }

    Flow exec(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node node : nodes) {
            Flow flow = exec(node, scope, out);
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow exec(Node node, Scope scope, StringBuilder out) {
        try {
            return switch (node) {
                case Node.Text t -> {
                    write(out, t.text(), node.line());
                    yield Flow.NORMAL;
                }
                case Node.Print p -> {
                    write(out, Py.str(eval(p.expr(), scope)), node.line());
                    yield Flow.NORMAL;
                }
                case Node.If f -> {
                    for (Node.Branch b : f.branches()) {
                        if (Py.truthy(eval(b.test(), scope))) {
                            yield exec(b.body(), scope, out);
                        }
                    }
                    yield exec(f.orElse(), scope, out);
                }
                case Node.For f -> {
                    execFor(f, scope, out);
                    yield Flow.NORMAL;
                }
                case Node.Set s -> {
                    assign(s.target(), eval(s.value(), scope), scope);
                    yield Flow.NORMAL;
                }
                case Node.SetBlock s -> {
                    StringBuilder captured = new StringBuilder();
                    exec(s.body(), scope, captured);
                    assign(s.target(), captured.toString(), scope);
                    yield Flow.NORMAL;
                }
                case Node.Macro m -> {
                    scope.set(m.name(), new MacroValue(m, scope));
                    yield Flow.NORMAL;
                }
                case Node.With w -> {
                    Scope inner = scope.child();
                    for (int i = 0; i < w.targets().size(); i++) {
                        assign(w.targets().get(i), eval(w.values().get(i), scope), inner);
                    }
                    yield exec(w.body(), inner, out);
                }
                case Node.Generation g -> exec(g.body(), scope.child(), out);
                case Node.Break b -> Flow.BREAK;
                case Node.Continue c -> Flow.CONTINUE;
            };
        } catch (RenderError e) {
            throw e.raised ? new TemplateRaisedException(e.reason, node.line()) : new TemplateRenderException(e.reason, node.line());
        } catch (ArithmeticException e) {
            throw new TemplateRenderException("integer overflow: " + e.getMessage(), node.line());
        }
    }

    private void write(StringBuilder out, String text, int line) {
        long chars = (long) out.length() + text.length();
        if (chars > TemplateLimitException.MAX_OUTPUT_CHARS) {
            throw TemplateLimitException.output(template, chars, line);
        }
        out.append(text);
    }

    /** {@code seq * times} would hold more than the output limit: refused before it is built. */
    private void checkRepeat(Object a, Object b) {
        Object seq = a instanceof String || a instanceof List<?> ? a : b;
        Object times = seq == a ? b : a;
        if (!(times instanceof Integer || times instanceof Long)) {
            return;
        }
        long length = seq instanceof String s ? s.length() : seq instanceof List<?> l ? l.size() : 0;
        long n = ((Number) times).longValue();
        if (length > 0 && n > TemplateLimitException.MAX_OUTPUT_CHARS / length) {
            throw TemplateLimitException.repeat(template, n > Long.MAX_VALUE / length ? Long.MAX_VALUE : length * n);
        }
    }

    /** The filter runs first over all items, so loop.length and loop.last count only the kept ones. */
    private void execFor(Node.For f, Scope scope, StringBuilder out) {
        List<Object> items = Py.iterate(eval(f.iter(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = scope.child();
                assign(f.target(), item, s);
                if (Py.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        LoopContext loop = new LoopContext(items);
        for (int i = 0; i < items.size(); i++) {
            Scope s = scope.child();
            loop.index0 = i;
            s.set("loop", loop);
            assign(f.target(), items.get(i), s);
            if (exec(f.body(), s, out) == Flow.BREAK) {
                break;
            }
        }
        if (items.isEmpty()) {
            exec(f.orElse(), scope.child(), out);
        }
    }

    private void assign(Node.Target target, Object value, Scope scope) {
        switch (target) {
            case Node.Target.Name n -> scope.set(n.name(), value);
            case Node.Target.Unpack u -> {
                List<Object> items = Py.iterate(value);
                if (items.size() < u.items().size()) {
                    throw new RenderError("not enough values to unpack (expected " + u.items().size() + ", got " + items.size() + ")");
                }
                if (items.size() > u.items().size()) {
                    throw new RenderError("too many values to unpack (expected " + u.items().size() + ")");
                }
                for (int i = 0; i < items.size(); i++) {
                    assign(u.items().get(i), items.get(i), scope);
                }
            }
            case Node.Target.NamespaceAttr a -> {
                if (!(scope.lookup(a.namespace()) instanceof Namespace ns)) {
                    throw new RenderError("cannot assign attribute on non-namespace object");
                }
                ns.attributes.put(a.attr(), value);
            }
        }
    }

    Object eval(Expr e, Scope scope) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> scope.lookup(n.name());
            case Expr.ListLiteral l -> {
                List<Object> out = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) {
                    out.add(eval(item, scope));
                }
                yield out;
            }
            case Expr.TupleLiteral t -> {
                List<Object> out = new ArrayList<>(t.items().size());
                for (Expr item : t.items()) {
                    out.add(eval(item, scope));
                }
                yield new PyTuple(out);
            }
            case Expr.DictLiteral d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object key = eval(d.keys().get(i), scope);
                    if (key instanceof List<?> || key instanceof Map<?, ?>) {
                        throw new RenderError("unhashable type: " + Py.repr(Py.typeName(key)));
                    }
                    out.put(Py.canonicalKey(out, key), eval(d.values().get(i), scope));
                }
                yield out;
            }
            case Expr.Getattr g -> Py.getattr(eval(g.obj(), scope), g.name());
            case Expr.Getitem g -> {
                Object obj = eval(g.obj(), scope);
                if (g.key() instanceof Expr.Slice s) {
                    yield Py.slice(obj, evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope), evalOrNull(s.step(), scope));
                }
                yield Py.getitem(obj, eval(g.key(), scope));
            }
            case Expr.Slice s -> throw new RenderError("slice outside of brackets");
            case Expr.Call c -> {
                Object callee = eval(c.callee(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArguments(c.arguments(), scope, args, kwargs);
                yield call(callee, args, kwargs);
            }
            case Expr.Filter f -> {
                Object value = eval(f.value(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArguments(f.arguments(), scope, args, kwargs);
                yield callFilter(f.name(), value, args, kwargs);
            }
            case Expr.Test t -> {
                Object value = eval(t.value(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArguments(t.arguments(), scope, args, kwargs);
                yield callTest(t.name(), value, args, kwargs);
            }
            case Expr.Unary u -> u.op().equals("-") ? Py.negate(eval(u.operand(), scope)) : Py.plus(eval(u.operand(), scope));
            case Expr.Binary b -> {
                Object left = eval(b.left(), scope);
                Object right = eval(b.right(), scope);
                yield switch (b.op()) {
                    case "+" -> Py.add(left, right);
                    case "-" -> Py.sub(left, right);
                    case "*" -> {
                        checkRepeat(left, right);
                        yield Py.mul(left, right);
                    }
                    case "/" -> Py.div(left, right);
                    case "//" -> Py.floordiv(left, right);
                    case "%" -> Py.mod(left, right);
                    default -> Py.pow(left, right);
                };
            }
            case Expr.Concat c -> {
                StringBuilder sb = new StringBuilder();
                for (Expr item : c.items()) {
                    sb.append(Py.str(eval(item, scope)));
                }
                yield sb.toString();
            }
            case Expr.Compare c -> {
                Object left = eval(c.first(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), scope);
                    String op = c.ops().get(i);
                    boolean holds = switch (op) {
                        case "in" -> Py.contains(right, left);
                        case "not in" -> !Py.contains(right, left);
                        default -> Py.compare(op, left, right);
                    };
                    if (!holds) {
                        yield false;
                    }
                    left = right;
                }
                yield true;
            }
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                yield Py.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                yield Py.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.Not n -> !Py.truthy(eval(n.operand(), scope));
            case Expr.CondExpr c -> {
                if (Py.truthy(eval(c.test(), scope))) {
                    yield eval(c.then(), scope);
                }
                yield c.orElse() != null ? eval(c.orElse(), scope)
                        : new Undefined("the inline if-expression evaluated to false and no else section was defined.");
            }
        };
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private void evalArguments(Expr.Arguments a, Scope scope, List<Object> args, Map<String, Object> kwargs) {
        for (Expr p : a.positional()) {
            args.add(eval(p, scope));
        }
        if (a.starArgs() != null) {
            args.addAll(Py.iterate(eval(a.starArgs(), scope)));
        }
        for (int i = 0; i < a.keywordNames().size(); i++) {
            kwargs.put(a.keywordNames().get(i), eval(a.keywordValues().get(i), scope));
        }
        if (a.starKwargs() != null) {
            if (!(eval(a.starKwargs(), scope) instanceof Map<?, ?> m)) {
                throw new RenderError("argument after ** must be a mapping");
            }
            m.forEach((k, v) -> kwargs.put(Py.str(k), v));
        }
    }

    Object call(Object callee, List<Object> args, Map<String, Object> kwargs) {
        if (callee instanceof MacroValue m) {
            if (depth >= TemplateLimitException.MAX_CALL_DEPTH) {
                throw TemplateLimitException.depth(template, m.definition().name());
            }
            depth++;
            try {
                return m.call(this, args, kwargs);
            } finally {
                depth--;
            }
        }
        if (callee instanceof JinjaCallable f) {
            return f.call(this, args, kwargs);
        }
        if (callee instanceof Undefined u) {
            throw u.fail();
        }
        throw new RenderError(Py.repr(Py.typeName(callee)) + " object is not callable");
    }

    Object callFilter(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        if (!Filters.exists(name)) {
            throw new RenderError("No filter named " + Py.repr(name) + ".");
        }
        return Filters.apply(this, name, value, new Args(name, args, kwargs));
    }

    boolean callTest(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        if (!Tests.exists(name)) {
            throw new RenderError("No test named " + Py.repr(name) + ".");
        }
        return Tests.apply(name, value, new Args(name, args, kwargs));
    }
}
