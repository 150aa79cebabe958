package org.vlmdistill.datasets.template;

import java.util.List;
import java.util.Map;

/** Anything a template can call: globals ({@code range}, {@code namespace}), bound methods, macros. */
interface JinjaCallable {

    Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs);

    /** A global function of the template environment. */
    record Builtin(String name, Body body) implements JinjaCallable {
        interface Body {
            Object call(Interpreter interpreter, Args args);
        }

        @Override
        public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
            return body.call(interpreter, new Args(name, args, kwargs));
        }

        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** {@code 'abc'.upper}, {@code d.items}, {@code loop.cycle}: a method of a value, called later. */
    record BoundMethod(Object self, String name) implements JinjaCallable {
        @Override
        public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
            return Methods.invoke(interpreter, self, name, new Args(name, args, kwargs));
        }

        @Override
        public String toString() {
            return "<built-in method " + name + " of " + Py.typeName(self) + " object>";
        }
    }
}
