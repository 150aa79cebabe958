package org.vlmdistill.datasets.template;

import java.util.List;

/** Template statements, as Jinja's parser builds them; {@code line} is for runtime messages. */
sealed interface Node {

    int line();

    /** Template text, already whitespace-controlled by the lexer. */
    record Text(String text, int line) implements Node { }

    /** {@code {{ expr }}}: Python's {@code str()} of the value; undefined prints as nothing. */
    record Print(Expr expr, int line) implements Node { }

    /** {@code {% if %}...{% elif %}...{% else %}...{% endif %}}; no new scope. */
    record If(List<Branch> branches, List<Node> orElse, int line) implements Node { }

    record Branch(Expr test, List<Node> body) { }

    /**
     * {@code {% for target in iter if filter %}...{% else %}...{% endfor %}}. Each iteration runs in a
     * fresh child scope (assignments do not survive the iteration); {@code else} runs when nothing was
     * iterated, after the filter.
     */
    record For(Target target, Expr iter, Expr filter, List<Node> body, List<Node> orElse, int line) implements Node { }

    /** {@code {% set target = value %}}, also {@code {% set ns.attr = value %}}. */
    record Set(Target target, Expr value, int line) implements Node { }

    /** {@code {% set name %}...{% endset %}}: the rendered body as a string. */
    record SetBlock(Target target, List<Node> body, int line) implements Node { }

    /** {@code {% macro name(params) %}...{% endmacro %}}; a closure over the defining scope. */
    record Macro(String name, List<Param> params, List<Node> body, int line) implements Node { }

    record Param(String name, Expr defaultValue) { }

    /** {@code {% with a = 1 %}...{% endwith %}}: a child scope with the given names. */
    record With(List<Target> targets, List<Expr> values, List<Node> body, int line) implements Node { }

    /**
     * {@code {% generation %}...{% endgeneration %}}: transformers' assistant-mask marker. Its output is
     * the body's; transformers renders the body as a call block, so assignments inside stay inside.
     */
    record Generation(List<Node> body, int line) implements Node { }

    /** {@code {% break %}}, from the loopcontrols extension transformers enables. */
    record Break(int line) implements Node { }

    /** {@code {% continue %}}. */
    record Continue(int line) implements Node { }

    /** Where {@code set}, {@code for} and {@code with} store values. */
    sealed interface Target {
        record Name(String name) implements Target { }

        /** {@code a, b = ...}: unpacks an iterable of exactly that length. */
        record Unpack(List<Target> items) implements Target { }

        /** {@code ns.attr}: only a {@code namespace()} accepts attribute assignment. */
        record NamespaceAttr(String namespace, String attr) implements Target { }
    }
}
