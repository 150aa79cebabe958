package org.vlmdistill.datasets.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A defined macro: its body runs in a child of the scope it was defined in, so it reads that scope's
 * variables as they are when it is called. Missing arguments are undefined, as in Jinja; extra
 * positional and keyword arguments are available as {@code varargs} and {@code kwargs}.
 */
record MacroValue(Node.Macro definition, Scope closure) implements JinjaCallable {

    @Override
    public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
        Scope scope = closure.child();
        List<Node.Param> params = definition.params();
        Map<String, Object> extraKwargs = new LinkedHashMap<>(kwargs);
        for (int i = 0; i < params.size(); i++) {
            Node.Param p = params.get(i);
            Object value;
            if (i < args.size()) {
                if (extraKwargs.containsKey(p.name())) {
                    throw new RenderError("macro " + Py.repr(definition.name()) + " got multiple values for argument "
                            + Py.repr(p.name()));
                }
                value = args.get(i);
            } else if (extraKwargs.containsKey(p.name())) {
                value = extraKwargs.remove(p.name());
            } else if (p.defaultValue() != null) {
                value = interpreter.eval(p.defaultValue(), scope);
            } else {
                value = new Undefined("parameter " + Py.repr(p.name()) + " was not provided");
            }
            scope.set(p.name(), value);
        }
        List<Object> extraArgs = args.size() > params.size() ? args.subList(params.size(), args.size()) : List.of();
        scope.set("varargs", new PyTuple(new ArrayList<>(extraArgs)));
        scope.set("kwargs", new LinkedHashMap<Object, Object>(extraKwargs));
        StringBuilder out = new StringBuilder();
        interpreter.exec(definition.body(), scope, out);
        return out.toString();
    }

    @Override
    public String toString() {
        return "<Macro " + Py.repr(definition.name()) + ">";
    }
}
