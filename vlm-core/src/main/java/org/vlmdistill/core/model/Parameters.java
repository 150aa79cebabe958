package org.vlmdistill.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Predicate;

/** A model's parameters in the order the model took them, each under its unique HF name. */
public final class Parameters {
    private final Map<String, Parameter> byName;

    private Parameters(Map<String, Parameter> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    public static Parameters of(List<Parameter> parameters) {
        Map<String, Parameter> map = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            if (map.putIfAbsent(p.name(), p) != null) {
                throw new IllegalArgumentException("parameter " + p.name() + " appears twice");
            }
        }
        return new Parameters(map);
    }

    public List<Parameter> list() {
        return List.copyOf(byName.values());
    }

    public int count() {
        return byName.size();
    }

    public Optional<Parameter> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new NoSuchElementException("no parameter named " + name);
        }
        return p;
    }

    /** Total elements of the parameters that match. */
    public long elements(Predicate<String> names) {
        return byName.values().stream().filter(p -> names.test(p.name())).mapToLong(Parameter::size).sum();
    }

    /** Total elements of all parameters. */
    public long elements() {
        return elements(n -> true);
    }

    /** The parameters whose name matches, in order. */
    public Parameters select(Predicate<String> names) {
        Map<String, Parameter> map = new LinkedHashMap<>();
        byName.values().stream().filter(p -> names.test(p.name())).forEach(p -> map.put(p.name(), p));
        return new Parameters(map);
    }

    /**
     * The parameters split by name prefix into a model's components ({@code vision}, {@code connector},
     * {@code text}, {@code lm_head}), in the prefixes' order.
     *
     * @param prefixes component name to tensor-name prefix
     * @throws IllegalStateException unless every parameter falls in exactly one component
     */
    public Map<String, Parameters> split(Map<String, String> prefixes) {
        Map<String, Parameters> out = new LinkedHashMap<>();
        long counted = 0;
        for (Map.Entry<String, String> e : prefixes.entrySet()) {
            Parameters p = select(n -> n.startsWith(e.getValue()));
            out.put(e.getKey(), p);
            counted += p.count();
        }
        if (counted != count()) {
            throw new IllegalStateException("components " + prefixes + " hold " + counted + " parameters, the model "
                    + count());
        }
        return out;
    }
}
