package org.vlmdistill.datasets.template;

/**
 * Jinja2's default {@code Undefined}: prints as nothing, is falsy, has length 0, iterates as empty,
 * equals only another undefined, and passes {@code default}; but attribute access, item access,
 * calls, arithmetic and ordering fail with {@code message}, as in Jinja2.
 *
 * @param message what Jinja2 says when the value is used, e.g. {@code 'foo' is undefined}
 */
record Undefined(String message) {

    static Undefined named(String name) {
        return new Undefined(Py.repr(name) + " is undefined");
    }

    /** {@code obj.name} or {@code obj['name']} that is not there. */
    static Undefined attribute(Object obj, String name) {
        return new Undefined(Py.repr(Py.objectTypeRepr(obj)) + " has no attribute " + Py.repr(name));
    }

    /** {@code obj[key]} with a non-string key that is not there ({@code messages[5]} of four). */
    static Undefined element(Object obj, Object key) {
        return new Undefined(Py.objectTypeRepr(obj) + " has no element " + Py.repr(key));
    }

    /** A mutating method the immutable sandbox refuses ({@code list.append}, {@code dict.update}). */
    static Undefined unsafe(Object obj, String name) {
        return new Undefined("access to attribute " + Py.repr(name) + " of " + Py.repr(Py.typeName(obj))
                + " object is unsafe.");
    }

    RenderError fail() {
        return new RenderError(message);
    }
}
