package org.vlmdistill.core.model;

/**
 * How a parameter starts when it is not read from a checkpoint: transformers' {@code _init_weights}
 * gives linear and embedding weights N(0, initializer_range), norm weights 1 and biases 0.
 */
public sealed interface Init {

    /** Every element drawn from N(0, std²). */
    record Normal(double std) implements Init {
        public Normal {
            if (!(std >= 0)) {
                throw new IllegalArgumentException("std must be non-negative, got " + std);
            }
        }
    }

    /** Every element equal to {@code value}. */
    record Constant(double value) implements Init {}

    Init ZEROS = new Constant(0);
    Init ONES = new Constant(1);

    static Init normal(double std) {
        return new Normal(std);
    }
}
