package org.vlmdistill.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Constants for element-wise ops that autograd records: use {@code x.mul(Scalars.like(x, c))}, never
 * {@code x.mul(c)}, on any array that may require a gradient.
 *
 * <p>Why: DJL 0.35.1's {@code NDArray.mul(Number)} (and {@code div}, {@code pow}, {@code maximum},
 * {@code minimum}, ...) wraps the number in a 0-d tensor made by {@code torch::from_blob} over a Java
 * direct {@code ByteBuffer} (no copy on CPU) and closes that array as soon as the op returns. The op's
 * autograd node keeps the tensor for the backward ({@code mul} saves the other factor, {@code pow} the
 * exponent), but not the memory under it: once the garbage collector frees the buffer and malloc hands
 * it out again, the backward reads whatever was written there, and the gradient turns into garbage,
 * often inf or NaN. It depends on when the GC runs, so it comes and goes between runs. The array
 * made here is a copy whose storage libtorch owns, so the autograd graph keeps it alive by itself.
 */
public final class Scalars {
    private Scalars() {
    }

    /**
     * {@code v} as a 0-d array in {@code x}'s dtype (fp32 where DJL cannot name it, e.g. bf16, which a
     * 0-d fp32 operand does not promote), on {@code x}'s manager, in storage libtorch owns.
     */
    public static NDArray like(NDArray x, double v) {
        NDManager m = x.getManager();
        DataType t = x.getDataType();
        try (NDArray wrapped = t == DataType.FLOAT64 ? m.create(v) : m.create((float) v)) {
            // both copy into a tensor that owns its memory; `wrapped` still points into the Java buffer
            return t == DataType.FLOAT16 ? wrapped.toType(DataType.FLOAT16, true) : wrapped.duplicate();
        }
    }
}
