package org.vlmdistill.datasets.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code namespace(...)}: the one object a template may change, through {@code {% set ns.x = ... %}};
 * how values escape a for loop's scope. One per call, owned by the render that made it.
 */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();

    @Override
    public String toString() {
        return "<Namespace " + Py.repr(attributes) + ">";
    }
}
