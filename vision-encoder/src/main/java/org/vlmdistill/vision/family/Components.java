package org.vlmdistill.vision.family;

import org.vlmdistill.core.model.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** A model's parameters split by name prefix into its components; every parameter in exactly one. */
final class Components {
    private Components() {
    }

    /** @param prefixes component name to tensor-name prefix, in order */
    static Map<String, Parameters> split(Parameters all, Map<String, String> prefixes) {
        Map<String, Parameters> out = new LinkedHashMap<>();
        long counted = 0;
        for (Map.Entry<String, String> e : prefixes.entrySet()) {
            Parameters p = all.select(n -> n.startsWith(e.getValue()));
            out.put(e.getKey(), p);
            counted += p.count();
        }
        if (counted != all.count()) {
            throw new IllegalStateException("components " + prefixes + " hold " + counted + " parameters, the model "
                    + all.count());
        }
        return out;
    }
}
